"""Steering bulk jobs: stop policies, cancellation, resume from a checkpoint, progress cadence."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Unpack

import aiohttp
import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, FakeRateLimit, Faults, TokenInfo

from ._options import RateLimitOptions

PACKAGE = Path(lc.__file__).parent


def _client(
    fake: FakeLeadConnector, token: str | None = None, **kw: Unpack[RateLimitOptions]
) -> lc.LeadConnector:
    kw.setdefault("rate_limit", None)
    return lc.LeadConnector(
        token or fake.token, location_id=fake.location_id, base_url=fake.url, **kw
    )


class Rows:
    """Contacts ``{prefix}{i}@x.com``, recording how many were taken."""

    def __init__(self, count: int, prefix: str = "u") -> None:
        self.count = count
        self.prefix = prefix
        self.taken = 0

    def __iter__(self) -> Iterator[lc.ContactCreate]:
        for i in range(self.count):
            self.taken += 1
            yield lc.ContactCreate(email=f"{self.prefix}{i}@x.com")


def _our_tasks() -> list[asyncio.Task[object]]:
    """Tasks running code of the client package (the fake server's are left out)."""
    ours = []
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        path = Path(code.co_filename) if code is not None else None
        if path is not None and PACKAGE in path.parents and "testing" not in path.parts:
            ours.append(task)
    return ours


async def _cancel_when(task: asyncio.Task[Any], event: asyncio.Event) -> None:
    """Cancel ``task`` once ``event`` is set; check it ended and left no task of ours behind."""
    await event.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _our_tasks() == []


async def test_stop_on_error_stops_reading_and_accounts_for_what_was_read() -> None:
    async with FakeLeadConnector() as fake, _client(fake) as client:
        fake.store.create(fake.location_id, {"email": "u30@x.com"})
        existing = fake.store.create(fake.location_id, {"email": "v30@x.com"})
        kept_going = await client.contacts.bulk_create(Rows(100), concurrency=5)
        rows = Rows(10_000, "v")
        stopped = await client.contacts.bulk_create(rows, concurrency=5, stop_on_error=True)
    assert (kept_going.ok, [f.index for f in kept_going.failed]) == (99, [30])
    assert kept_going.stopped_by is None
    error = stopped.stopped_by
    assert isinstance(error, lc.DuplicateContactError)
    assert error.existing_id == existing["id"]
    assert rows.taken <= 31 + 5
    assert stopped.read == rows.taken == stopped.checkpoint
    assert [f.index for f in stopped.failed] == [30]


@pytest.mark.parametrize(
    ("token", "error_type"), [("not-a-token", lc.AuthenticationError), ("ro", lc.ScopeError)]
)
async def test_a_rejected_token_stops_the_job_at_once(
    token: str, error_type: type[lc.AuthenticationError]
) -> None:
    tokens = {"ro": TokenInfo(scopes=frozenset({"contacts.readonly"}))}
    rows = Rows(100_000)
    async with FakeLeadConnector(tokens=tokens) as fake, _client(fake, token) as client:
        result = await client.contacts.bulk_upsert(rows, concurrency=20)
    assert type(result.stopped_by) is error_type
    assert result.ok == 0
    assert len(result.failed) == rows.taken <= 20
    assert all(isinstance(f.error, error_type) for f in result.failed)
    assert result.checkpoint == 0  # refused, so not finished: a resume sends them again
    assert fake.stats.requests == rows.taken
    assert "not-a-token" not in repr(result)


async def test_cancel_after_some_outcomes_then_resume_from_the_checkpoint() -> None:
    total = 1_000
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        job = client.contacts.bulk_upsert_stream(Rows(total), concurrency=10)
        reported: list[int] = []
        enough = asyncio.Event()

        async def consume() -> None:
            async with job:
                async for outcome in job:
                    reported.append(outcome.index)
                    if len(reported) == 300:
                        enough.set()

        await _cancel_when(asyncio.create_task(consume()), enough)
        checkpoint = job.checkpoint
        assert set(range(checkpoint)) <= set(reported)
        assert checkpoint < total
        sent_before = len(fake.stats.exchanges)
        resumed = await client.contacts.bulk_upsert(Rows(total), start_at=checkpoint)
    resent = Counter(e.request_body["email"] for e in fake.stats.exchanges[sent_before:])
    assert resent == Counter(f"u{i}@x.com" for i in range(checkpoint, total))
    assert resumed.ok + len(resumed.failed) == total - checkpoint
    assert resumed.checkpoint == total
    emails = Counter(c["email"] for c in fake.store.contacts.values())
    assert emails == Counter(f"u{i}@x.com" for i in range(total))


async def test_cancelling_the_task_stops_input_and_leaves_no_task_behind() -> None:
    rows = Rows(100_000)
    async with FakeLeadConnector() as fake, _client(fake) as client:
        started = asyncio.Event()

        def on_progress(progress: lc.BulkProgress) -> None:
            if progress.done >= 50:
                started.set()

        job = client.contacts.bulk_upsert(rows, on_progress=on_progress, progress_interval=0.001)
        await _cancel_when(asyncio.create_task(job), started)
        taken = rows.taken
        await client.contacts.get(next(iter(fake.store.contacts)))
    assert rows.taken == taken < 1_000
    assert len(fake.store.contacts) <= taken


async def test_progress_is_time_based_and_ends_with_the_totals() -> None:
    limit = FakeRateLimit(max_requests=100, period=0.1)
    client_limit = lc.RateLimit(limit.max_requests, limit.period, daily=None)
    calls: list[lc.BulkProgress] = []
    rows = [lc.ContactCreate(email=f"p{i}@x.com") for i in range(500)]
    async with (
        FakeLeadConnector(rate_limit=limit) as fake,
        _client(fake, rate_limit=client_limit) as client,
    ):
        result = await client.contacts.bulk_upsert(
            rows, on_progress=calls.append, progress_interval=0.05
        )
    last = calls[-1]
    assert (last.done, last.failed, last.total, last.checkpoint, last.eta) == (500, 0, 500, 500, 0)
    assert last.elapsed == result.elapsed
    assert 3 <= len(calls) <= result.elapsed / 0.05 + 2
    gaps = [b.elapsed - a.elapsed for a, b in itertools.pairwise(calls[:-1])]
    assert min(gaps) >= 0.045
    assert [c.done for c in calls] == sorted(c.done for c in calls)
    middle = calls[len(calls) // 2]
    assert middle.rate > 0
    assert middle.eta == pytest.approx((500 - middle.done) / middle.rate)


async def test_progress_keeps_coming_while_no_row_finishes_and_may_be_async() -> None:
    calls: list[lc.BulkProgress] = []

    async def on_progress(progress: lc.BulkProgress) -> None:
        calls.append(progress)

    async with FakeLeadConnector(faults=Faults(latency=0.2)) as fake, _client(fake) as client:
        result = await client.contacts.bulk_upsert(
            [lc.ContactCreate(email="slow@x.com")], on_progress=on_progress, progress_interval=0.02
        )
    assert result.ok == 1
    waiting = [c for c in calls if c.done == 0]
    assert len(waiting) >= 5
    assert all(c.eta is None and c.rate == 0 for c in waiting)
    assert calls[-1].done == 1


async def test_more_workers_than_connections_wait_their_turn_instead_of_failing_rows() -> None:
    # 400 workers through 2 connections (~200 requests/s): 2 s of queue against a 1 s budget,
    # which the pool would refuse row after row. The job runs 2 workers and stores every row.
    async with (
        FakeLeadConnector(faults=Faults(latency=0.01)) as fake,
        _client(fake, connection_limit=2, timeout=1) as client,
    ):
        result = await client.contacts.bulk_upsert(Rows(400), concurrency=400)
    assert (result.ok, result.failed) == (400, [])
    assert len(fake.store.contacts) == 400


async def test_a_borrowed_sessions_per_host_limit_is_what_the_pool_carries() -> None:
    # A borrowed connector opening at most 2 connections to a host (~66 requests/s here): the
    # job runs 2 workers and sends each row once, instead of 100 requests (the connector's
    # total limit) queueing inside aiohttp for 1.5 s, cut off at their 1 s budget and retried.
    async with (
        FakeLeadConnector(faults=Faults(latency=0.03)) as fake,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit_per_host=2)) as session,
        _client(fake, session=session, timeout=1) as client,
    ):
        result = await client.contacts.bulk_upsert(Rows(120), concurrency=400)
    assert (result.ok, result.failed, result.requests) == (120, [], 120)
    assert len(fake.store.contacts) == 120


async def test_closing_the_client_stops_a_job_whose_rows_wait_for_slots_at_once() -> None:
    async with FakeLeadConnector() as fake:
        client = _client(fake, rate_limit=lc.RateLimit(max_requests=5, period=600))
        reported: list[int] = []
        async with asyncio.timeout(10):  # (the waiting rows ended only at their 30 s timeout)
            async with client.contacts.bulk_upsert_stream(Rows(20), concurrency=4) as job:
                async for outcome in job:
                    reported.append(outcome.index)
                    if len(reported) == 5:  # every slot spent; the other workers wait
                        await client.aclose()
        result = job.result()
    assert isinstance(result.stopped_by, lc.ClientClosedError)
    assert all(isinstance(f.error, lc.ClientClosedError) for f in result.failed)
    assert len(reported) == len(set(reported)) == result.ok + len(result.failed)
    assert result.ok == result.checkpoint == 5  # the closed rows stay for a resume
    assert fake.stats.requests == 5
    assert _our_tasks() == []
