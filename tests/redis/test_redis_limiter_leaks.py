"""RedisLimiter: what an unsent or failed request leaves behind (budgets and per-location state)."""

from __future__ import annotations

import pytest

import leadconnector_async as lc
from leadconnector_async._rate_headers import RateLimitSnapshot
from leadconnector_async.errors import RateLimiterUnavailableError
from leadconnector_async.redis_limiter import RedisLimiter
from tests.redis.conftest import RedisServer

LOC = "loc"


async def test_a_request_never_sent_gives_its_shared_daily_count_back(
    redis_server: RedisServer, key_prefix: str
) -> None:
    limit = lc.RateLimit(max_requests=10, period=1.0, daily=2)
    async with RedisLimiter(redis_server.url, limit, key_prefix=key_prefix) as limiter:
        for _ in range(3):  # each gave up waiting for a connection: nothing was sent
            limiter.unused(await limiter.acquire(LOC))
            await limiter.aclose()  # waits for the take-back
        sent = [await limiter.acquire(LOC) for _ in range(2)]  # the whole budget is left
        with pytest.raises(lc.RateLimitError, match="daily request budget"):
            await limiter.acquire(LOC)
    assert len(sent) == 2


async def test_a_finished_location_keeps_no_state(
    redis_server: RedisServer, key_prefix: str
) -> None:
    limit = lc.RateLimit(max_requests=10, period=1.0, daily=None)
    async with RedisLimiter(redis_server.url, limit, key_prefix=key_prefix) as limiter:
        for n in range(50):
            permit = await limiter.acquire(f"loc{n}")
            # what the client does with an answer: release, then observe its headers
            limiter.release(permit)
            limiter.observe(permit, RateLimitSnapshot(remaining=9, max=10, interval_ms=1000))
        kept = sum(limiter.status(f"loc{n}") is not None for n in range(50))
    assert kept == 0


async def test_requests_refused_during_an_outage_keep_no_state(
    own_redis_server: RedisServer, key_prefix: str
) -> None:
    own_redis_server.stop()
    limiter = RedisLimiter(own_redis_server.url, lc.RateLimit(5, 1.0), key_prefix=key_prefix)
    for n in range(20):
        with pytest.raises(RateLimiterUnavailableError):
            await limiter.acquire(f"loc{n}")
    kept = sum(limiter.status(f"loc{n}") is not None for n in range(20))
    await limiter.aclose()
    assert kept == 0
