"""The endpoint table's Locations rows (custom field definitions), held to the vendored spec."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp
import pytest

import leadconnector_async as lc
from leadconnector_async.endpoints import ENDPOINTS, V2, V3, Endpoint
from leadconnector_async.testing import FakeLeadConnector

from . import spec

ROWS = [endpoint for endpoint in ENDPOINTS if endpoint.group == "locations"]
EXERCISES: dict[str, Callable[[lc.LeadConnector], Awaitable[object]]] = {
    "locations.custom_fields": lambda client: client.locations.custom_fields(),
}


def test_every_row_is_a_spec_operation_with_its_scope_and_version() -> None:
    assert {row.name for row in ROWS} == set(EXERCISES)
    for row in ROWS:
        operation = spec.locations_spec()["paths"][row.path][row.method.lower()]
        assert operation["security"] == [{"bearer": [row.scope]}], row.name
        versions = {p["name"]: p for p in operation["parameters"]}["Version"]["schema"]["enum"]
        assert versions == [row.version], row.name


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
async def test_round_trip_fits_the_spec(row: Endpoint[object]) -> None:
    async with FakeLeadConnector(record=True) as fake:
        fake.custom_fields.add(fake.location_id, "Plan", picklist_options=("a", "b"))
        async with lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client:
            await EXERCISES[row.name](client)
    (exchange,) = fake.stats.exchanges
    assert (exchange.method, exchange.route, exchange.status) == (row.method, row.path, 200)
    schema = spec.response_schema(row.method, row.path, 200, spec.locations_spec())
    assert schema is not None
    assert spec.validation_errors(schema, exchange.response_body) == []


async def test_model_is_sent_as_the_query_parameter(fake_leadconnector: FakeLeadConnector) -> None:
    location = fake_leadconnector.location_id
    fake_leadconnector.custom_fields.add(location, "Deal", model="opportunity")
    async with lc.LeadConnector(
        fake_leadconnector.token,
        location_id=location,
        base_url=fake_leadconnector.url,
        rate_limit=None,
    ) as client:
        assert [f.name for f in await client.locations.custom_fields("opportunity")] == ["Deal"]
        assert await client.locations.custom_fields("contact") == []


@pytest.mark.parametrize("version", [V2, V3])
async def test_custom_fields_answer_both_versions_on_the_same_path(version: str) -> None:
    async with FakeLeadConnector(record=True) as fake, aiohttp.ClientSession() as session:
        fake.custom_fields.add(fake.location_id, "Plan")
        url = f"{fake.url}/locations/{fake.location_id}/customFields"
        headers = {"Authorization": f"Bearer {fake.token}", "Version": version}
        async with session.get(url, params={"model": "contact"}, headers=headers) as response:
            status, body = response.status, await response.json()
    assert status == 200
    assert [field["name"] for field in body["customFields"]] == ["Plan"]
    (exchange,) = fake.stats.exchanges
    assert (exchange.route, exchange.status) == ("/locations/{locationId}/customFields", 200)
