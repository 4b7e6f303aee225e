"""Bulk jobs across locations: a busy or stalled location never holds the others' workers.

Everything is asserted by counts (rows finished per location while one is stalled), never by
time: a stalled location is one at its rate limit for an hour, or one whose answers a test
server holds until the test releases them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, FakeRateLimit

HOUR = 3600.0
# Only a hang guard: a job that blocks behind the stalled location never finishes otherwise.
HANG = 20.0


def _mixed_rows(
    stalled: str, stalled_rows: int, others: list[str], each: int
) -> list[lc.ContactCreate]:
    """The stalled location's rows first in every pair, so the old job filled its slots with
    them; then one row of each other location in turn."""
    rows = []
    queue = [loc for _ in range(each) for loc in others]
    for i in range(max(stalled_rows, len(queue))):
        if i < stalled_rows:
            rows.append(lc.ContactCreate(email=f"s{i}@x.com", location_id=stalled))
        if i < len(queue):
            rows.append(lc.ContactCreate(email=f"o{i}@x.com", location_id=queue[i]))
    return rows


class Finished:
    """Outcomes by location, checking at every outcome that the checkpoint skips nothing."""

    def __init__(self, rows: list[lc.ContactCreate]) -> None:
        self.rows = rows
        self.indices: set[int] = set()
        self.by_location: Counter[str] = Counter()

    def add(self, outcome: lc.BulkOutcome[lc.ContactCreate, lc.UpsertResult]) -> None:
        assert outcome.ok, outcome.error
        assert outcome.index not in self.indices
        self.indices.add(outcome.index)
        self.by_location[str(self.rows[outcome.index].location_id)] += 1
        assert set(range(outcome.checkpoint)) <= self.indices


async def test_would_wait_says_when_a_location_is_at_its_limit() -> None:
    async with (
        FakeLeadConnector() as fake,
        lc.LeadConnector(
            fake.token,
            location_id="a",
            base_url=fake.url,
            rate_limit=lc.RateLimit(max_requests=2, period=HOUR),
        ) as client,
    ):
        assert not client.would_wait()
        for n in range(2):
            await client.contacts.upsert(lc.ContactCreate(email=f"w{n}@x.com"))
        assert client.would_wait()
        assert client.would_wait("a")
        assert not client.would_wait("b")
    async with lc.LeadConnector("t", location_id="a", rate_limit=None) as unlimited:
        assert not unlimited.would_wait()


async def test_a_location_at_its_limit_does_not_hold_the_others() -> None:
    # Every location may send 3 requests an hour: the others' 3 rows each fit, the busy
    # location's 40 do not.
    others = [f"loc{n}" for n in range(8)]
    rows = _mixed_rows("busy", 40, others, each=3)
    finished = Finished(rows)
    async with (
        FakeLeadConnector() as fake,
        lc.LeadConnector(
            fake.token, base_url=fake.url, rate_limit=lc.RateLimit(max_requests=3, period=HOUR)
        ) as client,
    ):
        async with asyncio.timeout(HANG):
            async with client.contacts.bulk_upsert_stream(rows, concurrency=4) as job:
                async for outcome in job:
                    finished.add(outcome)
                    if all(finished.by_location[loc] == 3 for loc in others):
                        break
        assert finished.by_location["busy"] == 3  # its hour-long limit: the rest still wait
        stored = Counter(c["locationId"] for c in fake.store.contacts.values())
    assert stored == {"busy": 3, **dict.fromkeys(others, 3)}
    fourth_busy_row = [i for i, r in enumerate(rows) if r.location_id == "busy"][3]
    assert job.checkpoint == fourth_busy_row  # never past a row that did not finish


class HoldingServer:
    """Answers upserts at once, except those of one location: held until :meth:`release`."""

    def __init__(self, held: str) -> None:
        self.held = held
        self.released = asyncio.Event()
        self.waiting = 0
        self.received: Counter[str] = Counter()
        self.answered: Counter[str] = Counter()

    async def upsert(self, request: web.Request) -> web.Response:
        body = await request.json()
        location = body["locationId"]
        self.received[location] += 1
        if location == self.held:
            self.waiting += 1
            await self.released.wait()
        self.answered[location] += 1
        contact = {"id": f"c{sum(self.received.values())}", "locationId": location}
        return web.json_response({"new": True, "contact": contact, "traceId": "t"})

    def release(self) -> None:
        self.released.set()


@pytest.fixture
async def holding() -> AsyncIterator[tuple[HoldingServer, str]]:
    server = HoldingServer("stalled")
    app = web.Application()
    app.router.add_post("/contacts/upsert", server.upsert)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        server.release()
        await runner.cleanup()


@pytest.mark.parametrize("rate_limit", [None, lc.RateLimit()])
async def test_a_stalled_location_never_holds_up_the_others(
    holding: tuple[HoldingServer, str], rate_limit: lc.RateLimit | None
) -> None:
    server, url = holding
    others = ["a", "b", "c"]
    rows = _mixed_rows("stalled", 30, others, each=20)
    finished = Finished(rows)
    async with lc.LeadConnector("t", base_url=url, rate_limit=rate_limit) as client:
        async with asyncio.timeout(HANG):
            job = client.contacts.bulk_upsert_stream(rows, concurrency=8)
            async with job:
                async for outcome in job:
                    finished.add(outcome)
                    done = sum(finished.by_location[loc] for loc in others)
                    if done == 60 and not server.released.is_set():
                        # Every other row is done while the stalled location's are held.
                        assert finished.by_location["stalled"] == 0
                        server.release()
            result = job.result()
    assert result.ok == len(rows)
    assert result.failed == []
    assert result.checkpoint == len(rows)
    assert finished.by_location == {"stalled": 30, **dict.fromkeys(others, 20)}
    assert server.received == finished.by_location


def test_a_job_on_one_location_reads_only_what_it_sends() -> None:
    """Read-ahead is for inputs that mix locations; checked in the schedule itself."""
    from leadconnector_async._bulk_schedule import Schedule

    schedule: Schedule[str] = Schedule(4, 1, 100, busy=lambda _: True)
    assert schedule.may_read
    assert not schedule.add("a", (0, "x"))  # busy: may not send now
    assert not schedule.may_read  # one location: no reading past its rows
    schedule.add("b", (1, "y"))
    assert schedule.may_read  # two locations: read ahead up to the buffer
    for n in range(2, 100):
        schedule.add("b", (n, "z"))
    assert not schedule.may_read


async def test_failed_rows_keep_their_error_without_its_traceback() -> None:
    async with (
        FakeLeadConnector() as fake,
        lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client,
    ):
        fake.store.create(fake.location_id, {"email": "d@x.com"})
        result = await client.contacts.bulk_create([lc.ContactCreate(email="d@x.com")] * 3)
    assert result.read == 3
    assert [type(f.error) for f in result.failed] == [lc.DuplicateContactError] * 3
    for failure in result.failed:
        link: BaseException | None = failure.error
        while link is not None:
            assert link.__traceback__ is None
            link = link.__cause__ or link.__context__


async def test_two_jobs_at_once_each_count_only_their_own_requests_and_429s() -> None:
    retry = lc.RetryPolicy(max_retries=30, backoff_base=0.01, backoff_max=0.05)
    limit = FakeRateLimit(max_requests=10, period=0.1)
    rows = [[lc.ContactCreate(email=f"{job}{i}@x.com") for i in range(100)] for job in "ab"]
    async with (
        FakeLeadConnector(rate_limit=limit) as fake,
        lc.LeadConnector(
            fake.token,
            location_id=fake.location_id,
            base_url=fake.url,
            rate_limit=None,
            retry=retry,
        ) as client,
    ):
        first, second = await asyncio.gather(
            *(client.contacts.bulk_upsert(r, concurrency=10) for r in rows)
        )
    assert first.ok == second.ok == 100
    assert first.requests == 100 + first.rate_limited
    assert second.requests == 100 + second.rate_limited
    assert first.requests + second.requests == fake.stats.requests
    assert first.rate_limited + second.rate_limited == fake.stats.rate_limited > 0
