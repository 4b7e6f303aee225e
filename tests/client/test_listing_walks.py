"""Listings whose server fills pages oddly, on 127.0.0.1: a record that cannot be read is left
out without ending or shifting the walk, a server going round pages ends in a typed error, and
a sentinel total is no limit. Counts asserted: items, requests, what each request asked for."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async.cli.export_cmd import ExportOptions, run_export

from .test_hostile_server import RawServer, answer, client_for, contacts, listing, serving, walk

UNREADABLE = {"id": None, "firstName": "odd"}  # no id: cannot become a Contact


def searching(
    records: list[dict[str, Any]], total: int | None = None, most: int = 500
) -> Callable[..., Awaitable[None]]:
    """A search server over ``records`` that pages by the ``searchAfter`` it is sent (each
    record's cursor is ``[n, "c<n>"]``, ``n`` its position), reporting ``total`` (default:
    how many records there are), and serving ``most`` records a page whatever it is asked."""

    async def respond(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        body = json.loads(raw.requests[-1].split(b"\r\n\r\n", 1)[1])
        start = body["searchAfter"][0] + 1 if "searchAfter" in body else 0
        page = records[start : start + min(most, body["pageLimit"])]
        answered = {"contacts": page, "total": len(records) if total is None else total}
        await raw.write(writer, answer(json.dumps(answered).encode()))

    return respond


def search_records(count: int, unreadable: set[int]) -> list[dict[str, Any]]:
    records = []
    for n in range(count):
        record = UNREADABLE if n in unreadable else {"id": f"c{n}"}
        records.append(record | {"searchAfter": [n, f"c{n}"]})
    return records


def sent_cursors(raw: RawServer) -> list[object]:
    return [json.loads(r.split(b"\r\n\r\n", 1)[1]).get("searchAfter") for r in raw.requests]


def by_skip(records: list[Any]) -> Callable[..., Awaitable[None]]:
    """A contacts-by-business server over ``records`` that honours ``skip`` and ``limit``."""

    async def respond(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        line = raw.requests[-1].split(b"\r\n", 1)[0].decode()
        skip, limit = (int(re.search(rf"{k}=(\d+)", line)[1]) for k in ("skip", "limit"))  # type: ignore[index]
        page = records[skip : skip + limit]
        await raw.write(writer, answer(json.dumps({"contacts": page}).encode()))

    return respond


def skips(raw: RawServer) -> list[int]:
    return [int(re.search(rb"skip=(\d+)", r)[1]) for r in raw.requests]  # type: ignore[index]


async def test_a_search_record_that_cannot_be_read_is_left_out_and_the_walk_goes_on() -> None:
    records = search_records(15, unreadable={2})
    async with serving(searching(records)) as raw, client_for(raw) as client:
        found = client.contacts.search(page_size=5)
        pages = [page async for page in found.pages()]
    assert [c.id for p in pages for c in p.items] == [f"c{n}" for n in range(15) if n != 2]
    assert [p.undecoded for p in pages] == [[records[2]], [], [], []]
    assert [p.received for p in pages] == [5, 5, 5, 0]
    assert found.left_out == 1
    assert sent_cursors(raw) == [None, [4, "c4"], [9, "c9"], [14, "c14"]]


async def test_a_left_out_last_record_still_gives_the_cursor_to_the_next_page() -> None:
    records = search_records(12, unreadable={4, 9})  # the last record of pages 1 and 2
    seen: list[lc.Contact] = []
    async with serving(searching(records)) as raw, client_for(raw) as client:
        found = client.contacts.search(page_size=5)
        await walk(found, seen)
    assert [c.id for c in seen] == [f"c{n}" for n in range(12) if n not in (4, 9)]
    assert sent_cursors(raw) == [None, [4, "c4"], [9, "c9"]]  # none sent twice or skipped
    assert found.left_out == 2
    assert "left_out=2" in repr(found)


async def test_an_offset_listing_skips_what_the_server_sent_not_what_was_kept() -> None:
    records: list[Any] = [{"id": f"c{n}"} for n in range(12)]
    records[2] = UNREADABLE
    seen: list[lc.Contact] = []
    async with serving(by_skip(records)) as raw, client_for(raw) as client:
        found = client.contacts.by_business("b1", page_size=5)
        await walk(found, seen)
    assert [c.id for c in seen] == [f"c{n}" for n in range(12) if n != 2]  # c4 once
    assert skips(raw) == [0, 5, 10, 12]
    assert found.left_out == 1


async def test_an_offset_page_of_unreadable_records_does_not_end_the_walk() -> None:
    records: list[Any] = [{"id": f"c{n}"} for n in range(12)]
    records[5:10] = [UNREADABLE, None, [], 7, {"id": None, "n": 9}]
    seen: list[lc.Contact] = []
    async with serving(by_skip(records)) as raw, client_for(raw) as client:
        found = client.contacts.by_business("b1", page_size=5)
        await walk(found, seen)
    assert [c.id for c in seen] == ["c0", "c1", "c2", "c3", "c4", "c10", "c11"]
    assert skips(raw) == [0, 5, 10, 12]
    assert found.left_out == 5


async def test_a_page_of_unreadable_records_served_again_is_an_error_not_an_endless_walk() -> None:
    unreadable = listing(lambda n: {"contacts": [UNREADABLE, None]})
    seen: list[lc.Contact] = []
    async with serving(unreadable) as raw, client_for(raw) as client:
        with pytest.raises(lc.PaginationError, match="ignored the cursor"):
            await walk(client.contacts.by_business("b1", page_size=2), seen)
    assert seen == []
    assert len(raw.requests) == 2


def location(
    records: list[dict[str, Any]], total: int | None = None, most: int = 500
) -> Callable[..., Awaitable[None]]:
    """A server a sync reads ``records`` from (see :func:`searching`), creating ``c2``."""
    read = searching(records, total, most)

    async def respond(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        if b"/contacts/search" in raw.requests[-1].split(b"\r\n", 1)[0]:
            await read(raw, writer)
        else:
            created = {"contact": {"id": "c2", "email": "c2@x.com"}}
            await raw.write(writer, answer(json.dumps(created).encode()))

    return respond


def stored(count: int) -> list[dict[str, Any]]:
    return [
        {"id": f"c{n}", "email": f"c{n}@x.com", "searchAfter": [n, f"c{n}"]} for n in range(count)
    ]


async def test_sync_reads_the_whole_location_past_a_record_it_cannot_read() -> None:
    records = stored(1_000)
    records[2]["id"] = None
    rows = [lc.ContactCreate(email=f"c{n}@x.com") for n in range(1_000)]
    async with serving(location(records)) as raw, client_for(raw, rate_limit=None) as client:
        result = await client.contacts.sync(rows, match="email")
    assert (result.unchanged, result.created, result.updated) == (999, 0, 0)
    # The contact it could not read (no id) still has c2's email: never created a second time.
    [failure] = result.failed
    assert failure.index == 2
    assert "could not be read" in str(failure.error)
    assert len(raw.requests) == 2  # two pages, stopped at the total (no empty third), no write


async def test_a_search_server_serving_fewer_than_asked_is_walked_to_its_total() -> None:
    records = search_records(1_000, set())
    async with serving(searching(records, most=100)) as raw, client_for(raw) as client:
        ids = [c.id async for c in client.contacts.search(page_size=500)]
    assert ids == [f"c{n}" for n in range(1_000)]
    # Each short page is followed while the total says more remain; the last one ends it.
    assert sent_cursors(raw) == [None] + [[n, f"c{n}"] for n in range(99, 999, 100)]


async def test_a_short_page_without_a_cursor_or_a_total_still_ends_the_search() -> None:
    pages = listing(lambda n: {"contacts": [{"id": "c0"}, {"id": "c1"}], "total": 10})
    no_total = listing(lambda n: {"contacts": contacts(10 * n, 2)})
    async with serving(pages) as raw, client_for(raw) as client:
        assert len([c async for c in client.contacts.search(page_size=5)]) == 2
    assert len(raw.requests) == 1
    async with serving(no_total) as raw, client_for(raw) as client:
        assert len([c async for c in client.contacts.search(page_size=5)]) == 2
    assert len(raw.requests) == 1


async def test_short_pages_a_total_calls_for_still_cannot_make_the_walk_endless() -> None:
    same = listing(lambda n: {"contacts": contacts(0, 100), "total": 1_000})
    seen: list[lc.Contact] = []
    async with serving(same) as raw, client_for(raw) as client:
        with pytest.raises(lc.PaginationError, match="same 100 items"):
            await walk(client.contacts.search(page_size=500), seen)
    assert len(seen) == 100
    assert len(raw.requests) == 2


async def test_sync_reads_the_whole_location_from_a_server_serving_fewer_than_asked() -> None:
    rows = [lc.ContactCreate(email=f"c{n}@x.com") for n in range(1_000)]
    served = location(stored(1_000), most=100)
    async with serving(served) as raw, client_for(raw, rate_limit=None) as client:
        result = await client.contacts.sync(rows, match="email")
    assert (result.unchanged, result.created, result.updated, result.failed) == (1_000, 0, 0, [])
    assert len(raw.requests) == 10  # ten short pages, to the total; not a single write


async def test_a_listing_that_goes_round_pages_ignoring_skip_ends_after_the_real_items() -> None:
    # No count, and each page differs from the one before: only a memory of pages tells.
    round_and_round = listing(lambda n: {"contacts": contacts(10 * (n % 2), 10)})
    seen: list[lc.Contact] = []
    async with serving(round_and_round) as raw, client_for(raw, rate_limit=None) as client:
        with pytest.raises(lc.PaginationError, match="same 10 items as an earlier page"):
            await walk(client.contacts.by_business("b1", page_size=10), seen)
    assert [c.id for c in seen] == [f"c{n}" for n in range(20)]
    assert len(raw.requests) == 3


@pytest.mark.parametrize("total", [-1, -100])
async def test_a_negative_total_is_unknown_not_a_limit(total: int) -> None:
    sizes = [10, 10, 4]
    pages = listing(lambda n: {"contacts": contacts(10 * n, sizes[n]), "total": total})
    async with serving(pages) as raw, client_for(raw) as client:
        walked = [p async for p in client.contacts.search(page_size=10).pages()]
    assert [len(p.items) for p in walked] == sizes
    assert [p.total for p in walked] == [None, None, None]
    assert len(raw.requests) == 3


async def test_sync_reads_the_whole_location_when_its_total_is_negative() -> None:
    rows = [lc.ContactCreate(email=f"c{n}@x.com") for n in range(1_200)]
    async with serving(location(stored(1_200), -1)) as raw, client_for(raw) as client:
        result = await client.contacts.sync(rows, match="email")
    assert (result.unchanged, result.updated, result.created, result.failed) == (1_200, 0, 0, [])
    assert len(raw.requests) == 3  # three pages, the last one short; not a single write


async def test_an_export_writes_what_it_read_and_counts_what_it_could_not(tmp_path: Path) -> None:
    read = searching(search_records(7, unreadable={3}))

    async def respond(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        if b"/customFields" in raw.requests[-1].split(b"\r\n", 1)[0]:
            await raw.write(writer, answer(b'{"customFields":[]}'))
        else:
            await read(raw, writer)

    out, err, path = io.StringIO(), io.StringIO(), tmp_path / "all.ndjson"
    async with serving(respond) as raw, client_for(raw) as client:
        code = await run_export(client, ExportOptions(path), out, err)
    written = [json.loads(line)["id"] for line in path.read_text().splitlines()]
    assert written == ["c0", "c1", "c2", "c4", "c5", "c6"]
    assert "exported: 6 contacts" in out.getvalue()
    assert "left out: 1 records the server sent could not be read" in err.getvalue()
    assert code == 1  # the export is not the whole listing: a script must be able to tell
