"""Every operation of the spec is callable through the client, and its round trip fits the spec."""

from __future__ import annotations

import inspect
import re
from operator import attrgetter
from typing import get_origin, get_type_hints

import msgspec
import pytest

import leadconnector_async as lc
from leadconnector_async.endpoints import API_VERSIONS, ENDPOINTS, V3, Endpoint
from leadconnector_async.models.tags import BulkBusinessBody, BulkTagsBody
from leadconnector_async.models.tasks import TaskCompletion
from leadconnector_async.testing import FakeLeadConnector, TokenInfo

from . import spec
from .operations import EXERCISES, RESPONSE_ERRATA, seed

OPERATIONS = [endpoint for endpoint in ENDPOINTS if endpoint.group == "contacts"]
ROWS = {(op.method, op.path): op for op in OPERATIONS}


def test_the_table_has_one_row_per_operation() -> None:
    assert len(ROWS) == len(OPERATIONS), "an operation has two rows"
    assert set(ROWS) == spec.operations(), {
        "without a row": spec.operations() - set(ROWS),
        "not in the spec": set(ROWS) - spec.operations(),
    }


def test_every_row_of_any_group_is_an_operation_of_its_spec_with_its_scope() -> None:
    specs = {"contacts": spec.spec(), "locations": spec.locations_spec()}
    for endpoint in ENDPOINTS:
        doc = specs[endpoint.group]
        assert (endpoint.method, endpoint.path) in spec.operations(doc), endpoint.name
        security = spec.operation(endpoint.method, endpoint.path, doc).get("security")
        assert endpoint.scope == (security[0]["bearer"][0] if security else None), endpoint.name


def test_every_row_has_one_exerciser_and_the_spec_scope() -> None:
    assert set(EXERCISES) == {op.name for op in OPERATIONS}
    for op in OPERATIONS:
        security = spec.operation(op.method, op.path).get("security")
        assert op.scope == (security[0]["bearer"][0] if security else None), op.name


async def test_every_named_client_method_exists() -> None:
    async with lc.LeadConnector("token", location_id="loc") as client:
        for op in OPERATIONS:
            method = attrgetter(op.name)(client)
            # Listings are plain methods returning a paginator, iterated without ``await``.
            listing = get_origin(get_type_hints(method).get("return")) is lc.Paginator
            assert inspect.iscoroutinefunction(method) or listing, op.name


def test_the_v3_column_has_one_row_per_v3_operation() -> None:
    v3_rows = {(op.method, op.route(V3)[0]) for op in OPERATIONS if op.v3_path is not None}
    assert v3_rows == spec.operations(spec.v3_spec())
    removed = {(op.method, op.path) for op in OPERATIONS if op.v3_path is None}
    assert removed == {("GET", "/contacts/")}


@pytest.mark.parametrize("api_version", API_VERSIONS)
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
async def test_round_trip_fits_the_spec(op: Endpoint[object], api_version: str) -> None:
    doc = spec.v3_spec() if api_version == V3 else spec.spec()
    async with (
        FakeLeadConnector(record=True) as fake,
        lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, api_version=api_version
        ) as client,
    ):
        if api_version == V3 and op.v3_path is None:
            with pytest.raises(lc.ConfigurationError, match="does not exist in API version v3"):
                await EXERCISES[op.name](client, seed(fake))
            assert fake.stats.requests == 0
            return
        await EXERCISES[op.name](client, seed(fake))
    [exchange] = fake.stats.exchanges
    path = op.route(api_version)[0]
    assert (exchange.method, exchange.route) == (op.method, path)
    declared = [int(s) for s in spec.operation(op.method, path, doc)["responses"] if s < "300"]
    assert [exchange.status] == declared, exchange.response_body
    request_schema = spec.request_schema(op.method, path, doc)
    if request_schema is not None:
        assert exchange.request_body is not None, "the spec declares a body; none was sent"
        assert not spec.validation_errors(request_schema, exchange.request_body)
    else:
        assert exchange.request_body is None
    response_schema = spec.response_schema(op.method, path, exchange.status, doc)
    if response_schema is not None:
        fix = RESPONSE_ERRATA.get((op.method, op.path))
        schema = fix(response_schema) if fix else response_schema
        assert not spec.validation_errors(schema, exchange.response_body)


def _readme_operations() -> dict[tuple[str, str], str]:
    readme = (spec.SPEC_DIR.parent.parent / "README.md").read_text()
    section = readme.split("## Operations", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(
        r"^\| (GET|POST|PUT|DELETE) \| `([^`]+)` \| (.+?) \| (.+?) \|$", section, re.M
    )
    return {(method, path): f"{client} | {scope}" for method, path, client, scope in rows}


def test_the_readme_lists_every_operation_with_its_method_and_scope() -> None:
    listed = _readme_operations()
    assert set(listed) == spec.operations()
    for op in OPERATIONS:
        assert f"`client.{op.name}`" in listed[(op.method, op.path)], op
        scope = f"`{op.scope}`" if op.scope else "none declared"
        assert listed[(op.method, op.path)].split(" | ")[1].startswith(scope), op


@pytest.mark.parametrize(
    ("method", "path", "struct"),
    [
        ("POST", "/contacts/{contactId}/tasks", lc.TaskCreate),
        ("PUT", "/contacts/{contactId}/tasks/{taskId}", lc.TaskUpdate),
        ("PUT", "/contacts/{contactId}/tasks/{taskId}/completed", TaskCompletion),
        ("POST", "/contacts/{contactId}/notes", lc.NoteCreate),
        ("PUT", "/contacts/{contactId}/notes/{id}", lc.NoteUpdate),
        ("POST", "/contacts/bulk/tags/update/{type}", BulkTagsBody),
        ("POST", "/contacts/bulk/business", BulkBusinessBody),
    ],
)
def test_request_structs_declare_exactly_the_spec_properties(
    method: str, path: str, struct: type[msgspec.Struct]
) -> None:
    schema = spec.request_schema(method, path)
    assert schema is not None
    assert set(struct.__struct_encode_fields__) == set(schema["properties"])
    required = {f.encode_name for f in msgspec.structs.fields(struct) if f.required}
    assert required <= set(schema.get("required", [])), "we require what the API does not"


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
async def test_the_fake_asks_for_exactly_the_scope_of_the_row(op: Endpoint[object]) -> None:
    scope = op.scope or "contacts.write"  # the spec declares none: the client assumes write
    tokens = {"none": TokenInfo(scopes=frozenset()), "only": TokenInfo(scopes=frozenset({scope}))}
    async with FakeLeadConnector(tokens=tokens) as fake:
        fixture = seed(fake)
        async with lc.LeadConnector(
            "none", location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client:
            with pytest.raises(lc.ScopeError):
                await EXERCISES[op.name](client, fixture)
        async with lc.LeadConnector(
            "only", location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client:
            await EXERCISES[op.name](client, fixture)
