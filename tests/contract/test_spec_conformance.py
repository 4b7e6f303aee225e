"""The client and the fake server held to the vendored official spec."""

from __future__ import annotations

import pytest

import leadconnector_async as lc
from leadconnector_async.endpoints import API_VERSIONS, ENDPOINTS, V2, V3
from leadconnector_async.testing import FakeLeadConnector
from leadconnector_async.testing._routes import handlers

from . import spec


def test_vendored_spec_is_the_pinned_one() -> None:
    for name, digest in spec.pinned_sums().items():
        assert spec.actual_sum(name) == digest, f"{name} changed: re-pin it on purpose"


def test_every_route_the_fake_serves_is_in_the_spec() -> None:
    fake = FakeLeadConnector()
    app = fake.build_app()
    served = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    served = {(m, p) for m, p in served if not p.startswith("/oauth/")}
    assert served, "the fake serves no routes"
    declared = (
        spec.operations() | spec.operations(spec.v3_spec()) | spec.operations(spec.locations_spec())
    )
    assert served <= declared, served - declared


def test_the_fake_answers_each_version_on_exactly_its_spec_paths() -> None:
    fake = FakeLeadConnector()
    fake.build_app()
    contacts = {route for route in fake.route_versions if route[1].startswith("/contacts")}
    for version, doc in ((V2, spec.spec()), (V3, spec.v3_spec())):
        answered = {route for route in contacts if version in fake.route_versions[route]}
        assert answered == spec.operations(doc), version
    locations = set(fake.route_versions) - contacts
    assert locations <= spec.operations(spec.locations_spec())
    # Reference brief section 10: the v3 Locations spec keeps the same paths.
    assert all(fake.route_versions[route] == {V2, V3} for route in locations)


def test_the_fake_has_one_handler_per_endpoint_of_the_table() -> None:
    assert set(handlers()) == {endpoint.name for endpoint in ENDPOINTS}


async def _round_trip(api_version: str) -> FakeLeadConnector:
    async with (
        FakeLeadConnector(record=True) as fake,
        lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, api_version=api_version
        ) as client,
    ):
        contacts = client.contacts
        full = lc.ContactCreate(
            first_name="Jane",
            last_name="Roe",
            email="jane@example.com",
            phone="+15550101",
            tags=["vip"],
            dnd=False,
            source="import",
            country="US",
            postal_code="35061",
            custom_fields=[lc.CustomFieldInput(id="f1", field_value="blue")],
            dnd_settings=lc.DndSettingsInput(sms=lc.DndChannelInput(status="active")),
        )
        created = await contacts.create(full)
        await contacts.get(created.id)
        await contacts.update(created.id, lc.ContactUpdate(city="Oslo", tags=["a"]))
        await contacts.upsert(lc.ContactCreate(email="jane@example.com", city="Rome"))
        await contacts.upsert(
            lc.ContactCreate(email="new@example.com"), create_new_if_duplicate_allowed=True
        )
        await contacts.delete(created.id)
    return fake


@pytest.mark.parametrize("api_version", API_VERSIONS)
async def test_client_calls_and_bodies_match_the_spec(api_version: str) -> None:
    doc = spec.v3_spec() if api_version == V3 else spec.spec()
    fake = await _round_trip(api_version)
    assert len(fake.stats.exchanges) == 6
    for exchange in fake.stats.exchanges:
        assert (exchange.method, exchange.route) in spec.operations(doc)
        schema = spec.request_schema(exchange.method, exchange.route, doc)
        if exchange.request_body is not None:
            assert schema is not None
            errors = spec.validation_errors(schema, exchange.request_body)
            assert not errors, (exchange.route, errors)


@pytest.mark.parametrize("api_version", API_VERSIONS)
async def test_fake_responses_match_the_spec(api_version: str) -> None:
    doc = spec.v3_spec() if api_version == V3 else spec.spec()
    fake = await _round_trip(api_version)
    checked = 0
    for exchange in fake.stats.exchanges:
        schema = spec.response_schema(exchange.method, exchange.route, exchange.status, doc)
        if schema is None:
            continue
        checked += 1
        errors = spec.validation_errors(schema, exchange.response_body)
        assert not errors, (exchange.route, exchange.status, errors)
    assert checked >= 4


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/contacts/"), ("POST", "/contacts/upsert"), ("PUT", "/contacts/{contactId}")],
)
def test_request_structs_declare_only_spec_properties(method: str, path: str) -> None:
    schema = spec.request_schema(method, path)
    assert schema is not None
    allowed = set(schema["properties"])
    struct = {"POST /contacts/": lc.ContactCreate, "PUT /contacts/{contactId}": lc.ContactUpdate}
    from leadconnector_async.models.contacts import UpsertBody

    cls = struct.get(f"{method} {path}", UpsertBody)
    wire_names = set(cls.__struct_encode_fields__)
    assert wire_names <= allowed, wire_names - allowed
