"""Sync inputs of every shape: long generators, short ones, repeated keys, an input that fails."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector
from leadconnector_async.testing._seed_many import seed_many

SEARCH = "POST /contacts/search"
LATE = 1_000  # rows before the first row that sets the late fields (the sync's peek)
JOBS_OWN = [  # what a sync allocates: in its modules, or in this file (the rows)
    tracemalloc.Filter(True, "*/leadconnector_async/sync/*"),
    tracemalloc.Filter(True, __file__),
]


def _late_rows() -> Iterator[lc.ContactCreate]:
    """Rows whose city and tags only rows after the first thousand set."""
    for n in range(LATE + 200):
        if n < LATE:
            yield lc.ContactCreate(email=f"p{n}@x.com", first_name=f"F{n}")
        else:
            yield lc.ContactCreate(
                email=f"p{n}@x.com", first_name=f"F{n}", city="Oslo", tags=["vip"]
            )


@pytest.mark.parametrize(
    "shape", [_late_rows, lambda: list(_late_rows())], ids=["generator", "list"]
)
async def test_a_field_only_late_rows_set_is_compared_not_rewritten(
    fake_leadconnector: FakeLeadConnector,
    leadconnector_client: lc.LeadConnector,
    shape: Callable[[], Iterable[lc.ContactCreate]],
) -> None:
    fake = fake_leadconnector
    for n in range(LATE + 200):
        late: dict[str, Any] = {"city": "Oslo", "tags": ["vip"]} if n >= LATE else {"tags": []}
        fake.store.create(fake.location_id, {"email": f"p{n}@x.com", "firstName": f"F{n}", **late})
    result = await leadconnector_client.contacts.sync(shape())
    assert (result.unchanged, result.updated, result.writes, result.failed) == (1_200, 0, 0, [])
    assert fake.stats.requests == fake.stats.routes[SEARCH] == 3


async def test_the_direct_plan_fails_a_row_repeating_an_earlier_rows_key(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake = fake_leadconnector
    seed_many(fake.store, fake.location_id, 1_600)
    rows = [
        lc.ContactCreate(email="dup@x.com", city="Oslo"),
        lc.ContactCreate(email=" DUP@x.com", city="Bergen"),
    ]
    result = await leadconnector_client.contacts.sync(rows)
    assert (result.plan, result.created, result.updated) == ("direct", 1, 0)
    assert [(f.index, str(f.error)) for f in result.failed] == [
        (1, "an earlier row has the same email; nothing was written for it")
    ]
    stored = [c for c in fake.store.contacts.values() if c["email"] == "dup@x.com"]
    assert [c["city"] for c in stored] == ["Oslo"]
    assert fake.stats.routes["POST /contacts/upsert"] == 1


@pytest.mark.parametrize("count", [0, 2])
async def test_a_generator_the_peek_ends_chooses_the_plan_by_its_length(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector, count: int
) -> None:
    fake = fake_leadconnector
    stored = seed_many(fake.store, fake.location_id, 1_600)
    rows = (lc.ContactCreate(email=c["email"], city="Oslo") for c in stored[:count])
    result = await leadconnector_client.contacts.sync(rows)
    assert (result.plan, result.reads, result.updated) == ("direct", 1, count)
    assert fake.stats.routes[SEARCH] == 1  # its first page only: the location is not read


@pytest.mark.parametrize("count", [3, 1_100], ids=["within the peek", "after the peek"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["real", "dry run"])
async def test_an_input_that_raises_stops_the_sync_after_writing_the_rows_read(
    fake_leadconnector: FakeLeadConnector,
    leadconnector_client: lc.LeadConnector,
    count: int,
    dry_run: bool,
) -> None:
    fake = fake_leadconnector
    stored = seed_many(fake.store, fake.location_id, 1_100)

    def rows() -> Iterator[lc.ContactCreate]:
        for contact in stored[:count]:
            yield lc.ContactCreate(email=contact["email"], city="Bergen", tags=["late"])
        raise OSError("the drive went away")

    result = await leadconnector_client.contacts.sync(rows(), dry_run=dry_run)
    assert (result.updated, result.failed, result.checkpoint) == (count, [], count)
    error = result.stopped_by
    assert error is not None
    assert "reading the input failed: OSError: the drive went away" in str(error)
    assert isinstance(error.__cause__, OSError)
    written = [c for c in stored if c.get("city") == "Bergen" and "late" in c["tags"]]
    assert len(written) == (0 if dry_run else count)


async def test_rows_waiting_for_their_tags_are_kept_compact(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake, count = fake_leadconnector, 5_000
    for n in range(count):
        wire = {"firstName": f"First{n}", "lastName": f"Last{n}", "address1": f"{n} Main St"}
        fake.store.create(fake.location_id, {"email": f"p{n}@x.com", **wire})

    def rows() -> Iterator[lc.ContactCreate]:
        for n in range(count):  # each only adds a tag, and tags go last: every row waits
            yield lc.ContactCreate(
                email=f"p{n}@x.com",
                first_name=f"First{n}",
                last_name=f"Last{n}",
                address1=f"{n} Main St",
                tags=["vip"],
            )

    held: list[int] = []

    async def on_event(event: str, _: dict[str, object]) -> None:
        if event == "ContactTagUpdate" and not held:  # the first tag request
            snapshot = tracemalloc.take_snapshot().filter_traces(JOBS_OWN)
            held.append(sum(stat.size for stat in snapshot.statistics("filename")))

    fake.subscribe(on_event)
    tracemalloc.start()
    try:
        result = await leadconnector_client.contacts.sync(rows())
    finally:
        tracemalloc.stop()
    assert (result.updated, result.failed) == (count, [])
    # The index, the waiting rows and their tags: about 490 bytes a row (900 with the rows
    # kept whole)
    assert held[0] / count < 600
