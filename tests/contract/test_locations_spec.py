"""The custom field definitions call and the fake's answer, held to the vendored Locations spec."""

from __future__ import annotations

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector

from . import spec

PATH = "/locations/{locationId}/customFields"


def test_operation_is_in_the_spec_with_its_scope_and_version() -> None:
    op = spec.locations_spec()["paths"][PATH]["get"]
    assert op["security"] == [{"bearer": ["locations/customFields.readonly"]}]
    params = {p["name"]: p for p in op["parameters"]}
    assert params["Version"]["schema"]["enum"] == ["2021-07-28"]
    assert set(params["model"]["schema"]["enum"]) == {"contact", "opportunity", "all"}


async def test_request_and_response_follow_the_spec() -> None:
    async with FakeLeadConnector(record=True) as fake:
        fake.custom_fields.add(fake.location_id, "Plan", picklist_options=("a", "b"))
        async with lc.LeadConnector(fake.token, location_id=fake.location_id, base_url=fake.url,
                                    rate_limit=None) as client:  # fmt: skip
            await client.locations.custom_fields()
    (exchange,) = fake.stats.exchanges
    assert (exchange.method, exchange.route, exchange.status) == ("GET", PATH, 200)
    schema = spec.response_schema("GET", PATH, 200, spec.locations_spec())
    assert schema is not None
    assert spec.validation_errors(schema, exchange.response_body) == []
    assert exchange.response_body["customFields"][0]["fieldKey"] == "contact.plan"


async def test_model_is_sent_as_the_query_parameter(fake_leadconnector: FakeLeadConnector) -> None:
    fake_leadconnector.custom_fields.add(
        fake_leadconnector.location_id, "Deal", model="opportunity"
    )
    async with lc.LeadConnector(
        fake_leadconnector.token,
        location_id="test-location",
        base_url=fake_leadconnector.url,
        rate_limit=None,
    ) as client:
        assert [f.name for f in await client.locations.custom_fields("opportunity")] == ["Deal"]
        assert await client.locations.custom_fields("contact") == []
