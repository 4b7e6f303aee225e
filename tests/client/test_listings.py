"""The deprecated list (startAfter + startAfterId from meta) and contacts by business (skip/limit
strings) against the fake: every contact exactly once, and what the server was asked."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector
from leadconnector_async.testing._seed_many import seed_many

LIST = "GET /contacts/"
BUSINESS = "GET /contacts/business/{businessId}"


async def test_list_walks_both_cursors_from_meta_to_the_end(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake, client = fake_leadconnector, leadconnector_client
    fake.record = True
    seeded = seed_many(fake.store, fake.location_id, 2_450)
    seed_many(fake.store, "another-location", 30, seed=1)
    with pytest.warns(DeprecationWarning, match=r"contacts\.search"):
        found = client.contacts.list()
    ids = [c.id async for c in found]

    assert len(ids) == len(set(ids)) == 2_450
    assert set(ids) == {c["id"] for c in seeded}
    assert fake.stats.routes[LIST] == 25  # the last page's meta has no cursor: no extra request
    last = fake.stats.exchanges[-1].response_body["meta"]
    assert last["startAfter"] is None
    assert last["startAfterId"] is None
    assert last["nextPageUrl"] is None


async def test_list_sends_the_previous_meta_cursor_exactly(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    seed_many(fake_leadconnector.store, fake_leadconnector.location_id, 45)
    with pytest.warns(DeprecationWarning, match="deprecated"):
        pages = [p async for p in leadconnector_client.contacts.list(page_size=20).pages()]
    assert [len(p.items) for p in pages] == [20, 20, 5]
    start_after, start_after_id = pages[0].cursor
    assert isinstance(start_after, int)
    assert start_after_id == pages[0].items[-1].id
    assert {p.total for p in pages} == {45}


async def test_the_fake_restarts_the_list_when_only_start_after_is_sent(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    # The trap users fall into: startAfter alone returns the first page again.
    seed_many(fake_leadconnector.store, fake_leadconnector.location_id, 30)
    params: dict[str, str | int | None] = {
        "locationId": fake_leadconnector.location_id,
        "limit": 10,
    }
    first = await leadconnector_client.send(lc.Call("GET", "/contacts/", _decoded, params=params))
    start_after = first["meta"]["startAfter"]
    again = await leadconnector_client.send(
        lc.Call("GET", "/contacts/", _decoded, params={**params, "startAfter": start_after})
    )
    assert [c["id"] for c in again["contacts"]] == [c["id"] for c in first["contacts"]]


async def test_list_refuses_a_page_size_over_100_before_sending(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    with (
        pytest.warns(DeprecationWarning, match="deprecated"),
        pytest.raises(lc.ConfigurationError, match=r"1\.\.100"),
    ):
        leadconnector_client.contacts.list(page_size=101)
    assert fake_leadconnector.stats.requests == 0


async def test_by_business_walks_skip_and_limit_to_an_empty_page(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake, client = fake_leadconnector, leadconnector_client
    fake.record = True
    mine = seed_many(fake.store, fake.location_id, 1_030, business_id="biz-1")
    seed_many(fake.store, fake.location_id, 200, seed=1, business_id="biz-2")
    seed_many(fake.store, fake.location_id, 200, seed=2)
    ids = [c.id async for c in client.contacts.by_business("biz-1", page_size=250)]

    assert len(ids) == len(set(ids)) == 1_030
    assert set(ids) == {c["id"] for c in mine}
    # The fake serves at most 100 a page whatever limit asks: the walk goes on to an empty page.
    assert fake.stats.routes[BUSINESS] == 12
    assert [len(e.response_body["contacts"]) for e in fake.stats.exchanges] == [100] * 10 + [30, 0]


async def test_by_business_passes_query_and_location_and_stops_at_max_items(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    seeded = seed_many(fake_leadconnector.store, "loc-2", 300, business_id="b")
    wanted = {c["id"] for c in seeded if c["lastName"] == "Chen"}

    found = leadconnector_client.contacts.by_business("b", query="chen", location_id="loc-2")
    assert {c.id async for c in found} == wanted
    capped = leadconnector_client.contacts.by_business("b", location_id="loc-2", max_items=7)
    assert len([c async for c in capped]) == 7


async def test_by_business_refuses_an_empty_id_before_sending(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    with pytest.raises(lc.ConfigurationError, match="business_id"):
        leadconnector_client.contacts.by_business(" ")
    assert fake_leadconnector.stats.requests == 0


def _decoded(raw: bytes) -> Any:
    return json.loads(raw)


@pytest.mark.parametrize("listing", ["list", "by_business"])
async def test_max_items_below_the_page_size_asks_for_no_more_than_it_wants(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector, listing: str
) -> None:
    fake = fake_leadconnector
    seed_many(fake.store, fake.location_id, 300, business_id="b")
    fake.record = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # list() is deprecated
        if listing == "list":
            found = leadconnector_client.contacts.list(page_size=100, max_items=7)
        else:
            found = leadconnector_client.contacts.by_business("b", page_size=100, max_items=7)
    assert len([c async for c in found]) == 7
    [exchange] = fake.stats.exchanges
    assert len(exchange.response_body["contacts"]) == 7  # the fake serves ``limit`` a page
