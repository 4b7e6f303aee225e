"""Budgets that never wedge: one bucket per token's location, daily recovery, bounded waits."""

from __future__ import annotations

import asyncio

import pytest

import leadconnector_async as lc
from leadconnector_async._ratelimit import LocalLimiter
from leadconnector_async.testing import FakeLeadConnector, FakeRateLimit

from ._options import ClientOptions

MAX, PERIOD = 10, 0.5


async def test_named_and_unnamed_calls_of_one_token_share_one_bucket() -> None:
    """A client without location_id: creates name the location, gets do not. The server counts
    them all against the token's one location, and so must we."""
    async with FakeLeadConnector(rate_limit=FakeRateLimit(MAX, PERIOD)) as fake:
        seeded = str(fake.store.create(fake.location_id, {"firstName": "R"})["id"])
        limit = lc.RateLimit(MAX, PERIOD, daily=None)
        async with lc.LeadConnector(fake.token, base_url=fake.url, rate_limit=limit) as client:

            async def unnamed() -> None:
                await client.contacts.get(seeded)

            async def named() -> None:
                await client.contacts.create(
                    lc.ContactCreate(first_name="N", location_id=fake.location_id)
                )

            await asyncio.gather(*(unnamed() for _ in range(2 * MAX)))  # before any name
            await asyncio.gather(*(f() for _ in range(MAX) for f in (named, unnamed)))
            status = client.rate_limit_status()
    assert fake.stats.rate_limited == 0
    assert fake.stats.statuses[200] + fake.stats.statuses[201] == 4 * MAX
    assert status is not None  # unnamed calls now count against the learnt location


async def test_a_spent_daily_budget_recovers_when_the_server_shows_budget_again() -> None:
    clock = [1_000_000.0]
    limit = lc.RateLimit(100, 10.0, daily=None, daily_probe_interval=30.0)
    limiter = LocalLimiter(limit, wall_clock=lambda: clock[0])
    async with FakeLeadConnector(rate_limit=FakeRateLimit(100, 10.0, daily=3)) as fake:
        seeded = str(fake.store.create(fake.location_id, {"firstName": "R"})["id"])
        async with lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, limiter=limiter
        ) as client:
            for _ in range(3):
                await client.contacts.get(seeded)
            with pytest.raises(lc.RateLimitError, match="daily") as caught:
                await client.contacts.get(seeded)
            assert caught.value.status_code is None
            assert fake.stats.requests == 3
            assert fake.window is not None
            fake.window.reset_day()  # a new day on the server
            clock[0] += 30.0  # the documented probe interval passes
            for _ in range(3):  # the probe, then the rest of the new day's budget
                await client.contacts.get(seeded)
            with pytest.raises(lc.RateLimitError, match="daily"):
                await client.contacts.get(seeded)
    assert fake.stats.requests == 6
    assert fake.stats.rate_limited == 0


@pytest.mark.parametrize("budget", ["timeout", "deadline"])
async def test_waiting_for_a_slot_counts_against_the_calls_time_budget(budget: str) -> None:
    limit = lc.RateLimit(2, 30.0, daily=None)
    async with FakeLeadConnector() as fake:
        seeded = str(fake.store.create(fake.location_id, {"firstName": "R"})["id"])
        kw: ClientOptions = (
            {"timeout": 0.2} if budget == "timeout" else {"retry": lc.RetryPolicy(deadline=0.2)}
        )
        async with lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=limit, **kw
        ) as client:
            await client.contacts.get(seeded)
            await client.contacts.get(seeded)  # both slots now cool for 30 s
            with pytest.raises(lc.RateLimitTimeoutError, match="nothing was sent"):
                await asyncio.wait_for(client.contacts.get(seeded), 10.0)
    assert fake.stats.requests == 2
