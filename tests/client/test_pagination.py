"""The paginator over loopback HTTP: lazy, early exit leaves nothing running, max_items, errors
mid-way reach the consumer after what was already yielded, cancellation, read-ahead."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async._protocol import unwrap
from leadconnector_async.models.search import CountedResponse, SearchResponse
from leadconnector_async.pagination import by_search_after, by_server_cursor
from leadconnector_async.testing import FakeLeadConnector, TokenInfo
from leadconnector_async.testing._seed_many import seed_many

SEARCH = "POST /contacts/search"
SEARCH_PAGE = unwrap(SearchResponse, SearchResponse.page)
COUNTED_PAGE = unwrap(CountedResponse, CountedResponse.page)


def leftover_tasks() -> list[asyncio.Task[Any]]:
    """Tasks other than this test's own and the fake server's connection handlers."""
    return [
        task
        for task in asyncio.all_tasks()
        if task is not asyncio.current_task()
        and not task.get_coro().__qualname__.startswith("RequestHandler.")  # type: ignore[union-attr]
    ]


async def drain(
    found: lc.Paginator[lc.Contact],
    into: list[lc.Contact],
    each: Callable[[int], object] = lambda _: None,
) -> None:
    """Iterate ``found`` to the end, keeping each contact and calling ``each(count so far)``."""
    async for contact in found:
        into.append(contact)
        each(len(into))


async def fetching_after(
    found: lc.Paginator[lc.Contact], into: list[lc.Contact], count: int
) -> asyncio.Task[None]:
    """A task draining ``found`` into ``into``, once it has ``count`` items and has gone on
    to fetch the next page (it runs until it waits for the server)."""
    reached = asyncio.Event()

    def signal(n: int) -> None:
        if n == count:
            reached.set()

    consumer = asyncio.create_task(drain(found, into, signal))
    await reached.wait()
    return consumer


@pytest.fixture
async def seeded(fake_leadconnector: FakeLeadConnector) -> FakeLeadConnector:
    seed_many(fake_leadconnector.store, fake_leadconnector.location_id, 1_000)
    return fake_leadconnector


async def test_pages_are_fetched_only_as_the_consumer_gets_to_them(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    found = leadconnector_client.contacts.search(page_size=100)
    assert seeded.stats.requests == 0  # building the listing sends nothing
    seen = 0
    async for _ in found:
        seen += 1
        assert seeded.stats.requests == (seen - 1) // 100 + 1
    assert seen == 1_000


@pytest.mark.parametrize("read_ahead", [False, True])
async def test_breaking_out_early_stops_fetching_and_leaves_no_task(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector, read_ahead: bool
) -> None:
    async with leadconnector_client.contacts.search(page_size=100, read_ahead=read_ahead) as found:
        async for contact in found:
            if contact.id:
                break
    assert leftover_tasks() == []
    assert seeded.stats.routes[SEARCH] == 1  # a read-ahead was cancelled before it was sent


async def test_a_plain_break_without_read_ahead_needs_no_cleanup(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    async for n, _ in _numbered(leadconnector_client.contacts.search(page_size=100)):
        if n == 150:
            break
    assert leftover_tasks() == []  # checked at once: nothing is finalised later
    assert seeded.stats.routes[SEARCH] == 2


async def _numbered(found: lc.Paginator[lc.Contact]) -> Any:
    n = 0
    async for contact in found:
        yield n, contact
        n += 1


@pytest.mark.parametrize(("max_items", "requests"), [(250, 3), (100, 1), (0, 0), (5_000, 11)])
async def test_max_items_caps_the_items_and_the_requests(
    seeded: FakeLeadConnector,
    leadconnector_client: lc.LeadConnector,
    max_items: int,
    requests: int,
) -> None:
    found = leadconnector_client.contacts.search(page_size=100, max_items=max_items)
    ids = [c.id async for c in found]
    assert len(ids) == len(set(ids)) == min(max_items, 1_000)
    assert seeded.stats.routes[SEARCH] == requests


async def test_max_items_cuts_the_last_page(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    found = leadconnector_client.contacts.search(page_size=100, max_items=230, read_ahead=True)
    sizes = [len(page.items) async for page in found.pages()]
    assert sizes == [100, 100, 30]
    assert seeded.stats.routes[SEARCH] == 3
    assert leftover_tasks() == []


def sent_cursors(fake: FakeLeadConnector) -> list[object]:
    """The ``searchAfter`` of each search the fake recorded (``None`` for the first page)."""
    return [e.request_body.get("searchAfter") for e in fake.stats.exchanges]


@pytest.mark.parametrize("read_ahead", [False, True])
async def test_a_server_error_mid_way_comes_after_the_items_and_iterating_on_asks_again(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector, read_ahead: bool
) -> None:
    client = leadconnector_client.with_options(max_retries=0)
    found = client.contacts.search(page_size=100, read_ahead=read_ahead)
    seen: list[lc.Contact] = []
    seeded.record = True

    def fail_next_page(count: int) -> None:
        if count == 1:
            seeded.force_fault("unavailable")  # the second page's request fails

    with pytest.raises(lc.ServerError):
        await drain(found, seen, fail_next_page)
    assert len(seen) == len({c.id for c in seen}) == 100
    await drain(found, seen)  # not a clean end: the failed page is asked for again
    assert len(seen) == len({c.id for c in seen}) == 1_000
    cursors = sent_cursors(seeded)
    assert [e.status for e in seeded.stats.exchanges[:3]] == [200, 503, 200]
    assert cursors[1] == cursors[2] == seen[99].search_after  # the same page, not the next
    assert leftover_tasks() == []


async def test_a_page_whose_fetch_was_cancelled_is_asked_for_again_when_iterating_on(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    # What a timeout around one ``anext`` (asyncio.wait_for, asyncio.timeout) does: cancel it.
    found = leadconnector_client.contacts.search(page_size=100)
    seen: list[lc.Contact] = []
    consumer = await fetching_after(found, seen, 200)  # fetching the third page
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert len(seen) == 200
    await drain(found, seen)
    assert len(seen) == len({c.id for c in seen}) == 1_000


async def test_a_second_consumer_while_a_page_is_fetched_is_refused_not_ended(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    found = leadconnector_client.contacts.search(page_size=100)
    seen: list[lc.Contact] = []
    first = await fetching_after(found, seen, 100)  # fetching the second page
    with pytest.raises(RuntimeError, match="already fetching"):
        await anext(found)
    await first
    assert len(seen) == len({c.id for c in seen}) == 1_000  # the first consumer lost nothing
    assert seeded.stats.routes[SEARCH] == 11


async def test_max_items_below_the_page_size_asks_for_no_more_than_it_wants(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    seeded.record = True
    found = leadconnector_client.contacts.search(page_size=500, max_items=3)
    assert len([c async for c in found]) == 3
    [exchange] = seeded.stats.exchanges
    assert exchange.request_body["pageLimit"] == 3
    assert len(exchange.response_body["contacts"]) == 3


async def test_a_4xx_mid_way_is_raised_as_its_typed_error(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    seen: list[lc.Contact] = []

    def revoke_read(_: int) -> None:
        seeded.tokens[seeded.token] = TokenInfo(scopes=frozenset({"contacts.write"}))

    with pytest.raises(lc.ScopeError):
        await drain(leadconnector_client.contacts.search(page_size=300), seen, revoke_read)
    assert len(seen) == 300
    assert seeded.stats.statuses[401] == 1


async def test_a_retried_fault_mid_way_loses_and_repeats_nothing(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    retry = lc.RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.001)
    client = lc.LeadConnector(
        seeded.token,
        location_id=seeded.location_id,
        base_url=seeded.url,
        rate_limit=None,
        retry=retry,
    )
    ids: list[str] = []
    async with client:
        async for contact in client.contacts.search(page_size=100):
            if len(ids) in (0, 500):
                seeded.force_fault("unavailable")
                seeded.force_fault("truncated")
            ids.append(contact.id)
    assert len(ids) == len(set(ids)) == 1_000
    assert seeded.stats.faults == {"unavailable": 2, "truncated": 2}


@pytest.mark.parametrize("read_ahead", [False, True])
async def test_cancelling_the_consumer_mid_request_propagates_and_leaves_no_task(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector, read_ahead: bool
) -> None:
    fetching = asyncio.Event()
    seen: list[str] = []

    async def consume() -> None:
        async with leadconnector_client.contacts.search(
            page_size=100, read_ahead=read_ahead
        ) as found:
            async for contact in found:
                seen.append(contact.id)
                if len(seen) == 200:
                    fetching.set()  # the next item needs the third page

    consumer = asyncio.create_task(consume())
    await fetching.wait()
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert len(seen) == 200
    assert leftover_tasks() == []
    again = [c.id async for c in leadconnector_client.contacts.search(page_size=500)]
    assert len(again) == 1_000  # the client is intact


async def test_read_ahead_yields_the_same_contacts_one_page_ahead(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    plain = [c.id async for c in leadconnector_client.contacts.search(page_size=100)]
    ahead = leadconnector_client.contacts.search(page_size=100, read_ahead=True)
    requests = seeded.stats.routes[SEARCH]
    ids = []
    async for contact in ahead:
        ids.append(contact.id)
        # At most one page beyond the one being read has been asked for.
        assert seeded.stats.routes[SEARCH] - requests <= len(ids) // 100 + 2
    assert ids == plain


async def test_one_walk_per_paginator_by_items_or_by_pages(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    found = leadconnector_client.contacts.search(page_size=400)
    assert len([c async for c in found]) == 1_000
    assert [c async for c in found] == []  # exhausted, like a generator
    with pytest.raises(RuntimeError, match="already iterated by items"):
        found.pages()
    by_pages = leadconnector_client.contacts.search(page_size=400)
    assert [len(p.items) async for p in by_pages.pages()] == [400, 400, 200]
    with pytest.raises(RuntimeError, match="already iterated by pages"):
        aiter(by_pages)


async def test_a_cursor_that_does_not_move_is_an_error_not_an_endless_loop(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    # A hand-rolled loop that ignores the cursor gets the first page forever; ours notices.
    body = {"locationId": seeded.location_id, "pageLimit": 100}
    call = lc.Call("POST", "/contacts/search", SEARCH_PAGE, body=body)
    stuck = lc.Paginator(lambda _: leadconnector_client.send(call), by_server_cursor)
    seen: list[lc.Contact] = []
    with pytest.raises(lc.PaginationError, match="same 100 items"):
        await drain(stuck, seen)
    assert len(seen) == 100  # the repeated page is not yielded; no third request is sent
    assert seeded.stats.routes[SEARCH] == 2


async def test_a_full_page_without_a_cursor_is_an_error_after_its_items(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    seed_many(fake_leadconnector.store, fake_leadconnector.location_id, 30, business_id="b1")
    params = {"locationId": fake_leadconnector.location_id, "limit": "10"}
    call = lc.Call("GET", "/contacts/business/b1", COUNTED_PAGE, params=params)
    no_cursor = lc.Paginator(lambda _: leadconnector_client.send(call), by_search_after(10))
    seen: list[lc.Contact] = []
    with pytest.raises(lc.TransportError, match="without a cursor"):
        await drain(no_cursor, seen)
    assert len(seen) == 10


async def test_repr_says_where_the_walk_is(
    seeded: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    found = leadconnector_client.contacts.search(page_size=100, max_items=150)
    assert repr(found) == "Paginator(items_left=150)"
    ids = [c.id async for c in found]
    assert len(ids) == 150
    assert repr(found) == "Paginator(by=items, items_left=0, done=True)"
    assert repr(seeded) == (
        f"FakeLeadConnector(url={seeded.url!r}, location_id={seeded.location_id!r}, contacts=1000)"
    )
    assert seeded.token not in repr(seeded)
