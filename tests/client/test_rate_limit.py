"""The limiter against a fake enforcing a strict rolling window: full use, never over."""

from __future__ import annotations

import asyncio
from typing import Unpack

import pytest

import leadconnector_async as lc
from leadconnector_async._ratelimit import LocalLimiter, Permit
from leadconnector_async.testing import FakeLeadConnector, FakeRateLimit

from ._options import ClientOptions

MAX, PERIOD = 20, 1.0


def _client(
    fake: FakeLeadConnector, limit: lc.RateLimit | None, **kw: Unpack[ClientOptions]
) -> lc.LeadConnector:
    return lc.LeadConnector(
        fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=limit, **kw
    )


async def _seeded(fake: FakeLeadConnector) -> str:
    return str(fake.store.create(fake.location_id, {"firstName": "R"})["id"])


async def _get_many(client: lc.LeadConnector, contact_id: str, total: int, workers: int) -> None:
    queue = iter(range(total))

    async def worker() -> None:
        for _ in queue:
            await client.contacts.get(contact_id)

    await asyncio.gather(*(worker() for _ in range(workers)))


async def test_saturating_a_strict_window_gives_zero_429s_at_full_rate() -> None:
    total = 4 * MAX
    async with FakeLeadConnector(rate_limit=FakeRateLimit(MAX, PERIOD)) as fake:
        contact_id = await _seeded(fake)
        async with _client(fake, lc.RateLimit(MAX, PERIOD, daily=None)) as client:
            await _get_many(client, contact_id, total, workers=50)
    # How close to the allowed rate this runs is measured by benchmarks/rate_limit.py: a
    # wall-clock ratio depends on the machine's load, the counts below do not.
    assert fake.stats.rate_limited == 0
    assert fake.stats.statuses[200] == total


async def test_an_idle_client_gets_its_whole_burst_at_once() -> None:
    limit = lc.RateLimit(max_requests=100, period=10.0, daily=None)
    async with FakeLeadConnector(rate_limit=FakeRateLimit(100, 10.0)) as fake:
        contact_id = await _seeded(fake)
        async with _client(fake, limit) as client:
            # Waiting for a slot would take a whole period: half of one is a generous bound.
            async with asyncio.timeout(limit.period / 2):
                await asyncio.gather(*(client.contacts.get(contact_id) for _ in range(100)))
            status = client.rate_limit_status()
    assert fake.stats.rate_limited == 0
    assert status is not None
    assert status.server is not None
    assert status.server.remaining == 0
    assert status.in_use == 100


async def test_a_plain_token_bucket_would_overrun_the_window() -> None:
    """Why slots exist: without them the bucket refills and the server refuses requests."""
    async with FakeLeadConnector(rate_limit=FakeRateLimit(10, 0.2)) as fake:
        contact_id = await _seeded(fake)
        async with _client(fake, None, max_retries=0) as raw:
            results = await asyncio.gather(
                *(raw.contacts.get(contact_id) for _ in range(15)), return_exceptions=True
            )
    refused = [r for r in results if isinstance(r, lc.RateLimitError)]
    assert len(refused) == 5
    assert fake.stats.rate_limited == 5


async def test_429s_from_a_foreign_sender_are_waited_out_and_retried() -> None:
    async with FakeLeadConnector(rate_limit=FakeRateLimit(10, 0.2)) as fake:
        contact_id = await _seeded(fake)
        async with _client(fake, None, max_retries=0) as foreign:
            await asyncio.gather(*(foreign.contacts.get(contact_id) for _ in range(10)))
        async with _client(fake, lc.RateLimit(10, 0.2, daily=None), max_retries=5) as ours:
            await asyncio.gather(*(ours.contacts.get(contact_id) for _ in range(10)))
            status = ours.rate_limit_status()
    assert fake.stats.statuses[200] == 20
    assert fake.stats.rate_limited > 0
    assert status is not None
    assert status.server is not None


async def test_server_remaining_lower_than_ours_holds_slots_back() -> None:
    async with FakeLeadConnector(rate_limit=FakeRateLimit(10, 0.3)) as fake:
        contact_id = await _seeded(fake)
        async with _client(fake, None) as foreign:
            await asyncio.gather(*(foreign.contacts.get(contact_id) for _ in range(6)))
        async with _client(fake, lc.RateLimit(10, 0.3, daily=None)) as ours:
            await ours.contacts.get(contact_id)
            status = ours.rate_limit_status()
            assert status is not None
            # 1 ours + 6 foreign: the server has 3 left, so 6 slots are held back for a period.
            assert status.server is not None
            assert status.server.remaining == 3
            assert status.capacity - status.in_use == 3
            await asyncio.gather(*(ours.contacts.get(contact_id) for _ in range(6)))
    assert fake.stats.rate_limited == 0


async def test_the_local_daily_budget_refuses_before_sending() -> None:
    async with FakeLeadConnector() as fake:
        contact_id = await _seeded(fake)
        async with _client(fake, lc.RateLimit(100, 10.0, daily=3)) as client:
            for _ in range(3):
                await client.contacts.get(contact_id)
            with pytest.raises(lc.RateLimitError, match="daily") as caught:
                await client.contacts.get(contact_id)
    assert caught.value.status_code is None
    assert caught.value.retry_after is not None
    assert fake.stats.requests == 3


async def test_the_servers_daily_remaining_stops_us_before_it_must_say_429() -> None:
    async with FakeLeadConnector(rate_limit=FakeRateLimit(100, 10.0, daily=2)) as fake:
        contact_id = await _seeded(fake)
        async with _client(fake, lc.RateLimit(100, 10.0, daily=200_000)) as client:
            await client.contacts.get(contact_id)
            await client.contacts.get(contact_id)
            with pytest.raises(lc.RateLimitError, match="daily"):
                await client.contacts.get(contact_id)
    assert fake.stats.requests == 2
    assert fake.stats.rate_limited == 0


async def test_locations_are_limited_independently() -> None:
    async with FakeLeadConnector() as fake:
        contact_id = await _seeded(fake)
        limit = lc.RateLimit(max_requests=3, period=5.0, daily=None)
        async with _client(fake, limit) as client:
            busy = client.for_location("busy")
            await asyncio.gather(*(busy.contacts.get(contact_id) for _ in range(3)))
            blocked = asyncio.ensure_future(busy.contacts.get(contact_id))
            async with asyncio.timeout(limit.period / 2):  # "busy" frees a slot in a period
                await client.for_location("idle").contacts.get(contact_id)
            assert not blocked.done()
            blocked.cancel()
            with pytest.raises(asyncio.CancelledError):
                await blocked
            busy_status = client.rate_limit_status("busy")
    assert busy_status is not None
    assert busy_status.in_use == 3
    assert fake.stats.requests == 4


async def test_requests_queued_behind_the_last_of_the_daily_budget_are_refused() -> None:
    async with FakeLeadConnector() as fake:
        contact_id = await _seeded(fake)
        async with _client(fake, lc.RateLimit(max_requests=2, period=0.2, daily=3)) as client:
            results = await asyncio.gather(
                *(client.contacts.get(contact_id) for _ in range(10)), return_exceptions=True
            )
    refused = [r for r in results if isinstance(r, lc.RateLimitError)]
    assert len(refused) == 7
    assert fake.stats.requests == 3


async def test_a_limiter_subclass_that_overrides_acquire_is_asked_for_every_request() -> None:
    asked: list[str] = []

    class Counting(LocalLimiter):
        async def acquire(self, key: str, deadline: float | None = None) -> Permit:
            asked.append(key)
            return await super().acquire(key, deadline)

    async with FakeLeadConnector() as fake:
        contact_id = fake.store.create(fake.location_id, {"firstName": "Ed"})["id"]
        async with lc.LeadConnector(
            fake.token,
            location_id=fake.location_id,
            base_url=fake.url,
            limiter=Counting(lc.RateLimit()),
        ) as client:
            for _ in range(3):
                await client.contacts.get(contact_id)
    assert asked == [fake.location_id] * 3
