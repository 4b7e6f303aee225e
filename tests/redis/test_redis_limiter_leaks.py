"""RedisLimiter: what an unsent or failed request leaves behind (budgets and per-location state)."""

from __future__ import annotations

import pytest

import leadconnector_async as lc
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
