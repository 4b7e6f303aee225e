"""Header feedback is clamped and recovers; the daily budget recovers. Counts, not timings."""

from __future__ import annotations

import asyncio

import pytest

import leadconnector_async as lc
from leadconnector_async._rate_headers import RateLimitSnapshot
from leadconnector_async._ratelimit import LocalLimiter

PROBE = 60.0


class WallClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _limiter(daily: int | None = None, clock: WallClock | None = None) -> LocalLimiter:
    limit = lc.RateLimit(100, 0.05, daily=daily, daily_probe_interval=PROBE)
    return LocalLimiter(limit, wall_clock=clock or WallClock())


async def _capacity(limiter: LocalLimiter) -> int:
    status = limiter.status("loc")
    assert status is not None
    return status.capacity


async def test_an_absurd_max_is_clamped_and_recovers_with_the_next_header() -> None:
    limiter = _limiter()
    permit = await limiter.acquire("loc")
    limiter.observe(permit, RateLimitSnapshot(max=1))
    assert await _capacity(limiter) == 10  # a tenth of ours at the least
    limiter.observe(permit, RateLimitSnapshot(max=100))
    assert await _capacity(limiter) == 100
    limiter.observe(permit, RateLimitSnapshot(max=1_000_000))
    assert await _capacity(limiter) == 100  # never above what we were told to keep to


async def test_header_limits_lapse_after_a_period_without_confirmation() -> None:
    limiter = _limiter()
    permit = await limiter.acquire("loc")
    limiter.observe(permit, RateLimitSnapshot(max=50, interval_ms=10**12))  # years
    status = limiter.status("loc")
    assert status is not None
    assert status.capacity == 50
    limiter.release(permit)
    await asyncio.sleep(7 * 0.05)  # the slot cools for at most six periods (the clamp)
    assert limiter.status("loc") is None  # lapsed and forgotten
    again = await limiter.acquire("loc")
    assert await _capacity(limiter) == 100
    limiter.release(again)


async def test_a_stretched_period_is_bounded() -> None:
    limiter = _limiter()
    permits = [await limiter.acquire("loc") for _ in range(100)]
    limiter.observe(permits[-1], RateLimitSnapshot(interval_ms=10**12, max=100))
    for permit in permits:
        limiter.release(permit)
    waiter = asyncio.ensure_future(limiter.acquire("loc"))
    await asyncio.wait_for(waiter, 6 * 0.05 + 2.0)  # six periods at most, not years


async def test_a_negative_daily_remaining_is_ignored() -> None:
    limiter = _limiter()
    permit = await limiter.acquire("loc")
    limiter.observe(permit, RateLimitSnapshot(daily_remaining=-1, daily_limit=200_000))
    for _ in range(5):
        await limiter.acquire("loc")


async def test_a_spent_daily_budget_is_asked_again_and_reopens() -> None:
    clock = WallClock()
    limiter = _limiter(clock=clock)
    permit = await limiter.acquire("loc")
    limiter.observe(permit, RateLimitSnapshot(daily_remaining=0, daily_limit=200_000))
    with pytest.raises(lc.RateLimitError, match="daily") as caught:
        await limiter.acquire("loc")
    assert caught.value.status_code is None
    assert caught.value.retry_after == pytest.approx(PROBE)
    clock.now += PROBE
    probe = await limiter.acquire("loc")  # one request asks again...
    with pytest.raises(lc.RateLimitError):
        await limiter.acquire("loc")  # ...the others wait for its answer
    limiter.observe(probe, RateLimitSnapshot(daily_remaining=150_000, daily_limit=200_000))
    for _ in range(10):
        await limiter.acquire("loc")


async def test_the_local_daily_cap_resets_after_a_wall_clock_day() -> None:
    clock = WallClock()
    limiter = _limiter(daily=2, clock=clock)
    await limiter.acquire("loc")
    await limiter.acquire("loc")
    with pytest.raises(lc.RateLimitError, match="daily"):
        await limiter.acquire("loc")
    clock.now += 86_400.0
    await limiter.acquire("loc")


async def test_the_servers_figures_override_the_local_cap() -> None:
    limiter = _limiter(daily=2)
    permit = await limiter.acquire("loc")
    limiter.observe(permit, RateLimitSnapshot(daily_remaining=1_000, daily_limit=300_000))
    for _ in range(5):
        await limiter.acquire("loc")
