"""Bodies a real server may send that do not fit their structs, over loopback: a record the
body is for and cannot be read is a typed error, never a ``None`` handed over as a result."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import leadconnector_async as lc

from ._capture import capture_server

Use = Callable[[lc.LeadConnector], Awaitable[Any]]


async def _walk(listing: Any) -> list[Any]:
    return [item async for item in listing]


NULL_RECORDS: list[tuple[bytes, Use]] = [
    (b'{"contact":null}', lambda c: c.contacts.get("c1")),
    (b'{"contact":null}', lambda c: c.contacts.create(lc.ContactCreate(first_name="A"))),
    (b'{"contact":null,"new":true}', lambda c: c.contacts.upsert(lc.ContactCreate(email="a@b.c"))),
    (b'{"task":null}', lambda c: c.contacts.tasks.get("c1", "t1")),
    (b'{"note":null}', lambda c: c.contacts.notes.get("c1", "n1")),
    (b'{"tasks":null}', lambda c: c.contacts.tasks.list("c1")),
    (b'{"notes":null}', lambda c: c.contacts.notes.list("c1")),
    (b'{"contacts":null,"total":5}', lambda c: _walk(c.contacts.search())),
    (b'{"contacts":null,"count":5}', lambda c: _walk(c.contacts.by_business("b1"))),
    (b'{"contacts":5,"total":5}', lambda c: _walk(c.contacts.search())),
]


@pytest.mark.parametrize(("body", "use"), NULL_RECORDS)
async def test_null_where_the_records_should_be_is_a_transport_error(body: bytes, use: Use) -> None:
    async with (
        capture_server([(200, body)]) as seen,
        lc.LeadConnector("t", location_id="L", base_url=seen.url, max_retries=0) as client,
    ):
        with pytest.raises(lc.TransportError, match="where a record belongs"):
            await use(client)
    assert len(seen.targets) == 1


async def test_bulk_upsert_counts_a_null_contact_as_failed() -> None:
    rows = [lc.ContactCreate(email=f"r{i}@x.com") for i in range(3)]
    async with (
        capture_server([(200, b'{"contact":null,"new":true}')]) as seen,
        lc.LeadConnector("t", location_id="L", base_url=seen.url, max_retries=0) as client,
    ):
        result = await client.contacts.bulk_upsert(rows)
    assert result.ok == 0
    assert [f.index for f in result.failed] == [0, 1, 2]
    assert all(isinstance(f.error, lc.TransportError) for f in result.failed)
    assert len(seen.targets) == 3


async def test_null_where_the_type_allows_it_and_an_absent_list_are_still_read() -> None:
    async with (
        capture_server([(200, b'{"contact":null}'), (200, b'{"total":0}')]) as seen,
        lc.LeadConnector("t", location_id="L", base_url=seen.url, max_retries=0) as client,
    ):
        assert await client.contacts.find_duplicate(email="a@b.c") is None
        assert await _walk(client.contacts.search()) == []


async def test_a_lone_surrogate_costs_neither_the_page_nor_a_retry() -> None:
    contacts = [
        {"id": f"c{i}", "firstName": f"n{i}", "searchAfter": [i, f"c{i}"]} for i in range(5)
    ]
    body = json.dumps({"contacts": contacts, "total": 5}).encode()
    body = body.replace(b'"n3"', rb'"Ann \ud83d"').replace(b'"n1"', b'"B\xffb"')
    async with (
        capture_server([(200, body)]) as seen,
        lc.LeadConnector("t", location_id="L", base_url=seen.url) as client,
    ):
        found = await _walk(client.contacts.search(page_size=10))
    assert [c.id for c in found] == ["c0", "c1", "c2", "c3", "c4"]
    assert (found[1].first_name, found[3].first_name) == ("B\ufffdb", "Ann \ufffd")
    assert len(seen.targets) == 1


async def test_a_search_page_of_a_million_unfit_records_is_refused_not_ground_through() -> None:
    # 3 MB, well within max_response_bytes: read leniently item by item, it held the event loop
    # for many seconds and came back as an empty page.
    body = b'{"contacts":[' + b",".join([b"[]"] * 1_000_000) + b'],"total":1}'
    retry = lc.RetryPolicy(max_retries=3, backoff_base=0.001, backoff_max=0.001)
    async with (
        capture_server([(200, body)]) as seen,
        lc.LeadConnector("t", location_id="L", base_url=seen.url, retry=retry) as client,
    ):
        with pytest.raises(lc.UnfitResponseError, match="not read further") as caught:
            await _walk(client.contacts.search())
    assert isinstance(caught.value, lc.TransportError)
    assert len(seen.targets) == 1  # the same body again would fail the same way: not retried
