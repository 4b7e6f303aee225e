"""Header feedback is clamped and recovers; the daily budget recovers. Counts, not timings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

import leadconnector_async as lc
from leadconnector_async._rate_headers import RateLimitSnapshot, read_rate_limit
from leadconnector_async._ratelimit import LocalLimiter, Permit

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


USUAL = {
    "X-RateLimit-Remaining": "95",
    "X-RateLimit-Max": "100",
    "X-RateLimit-Interval-Milliseconds": "50",
    "X-RateLimit-Daily-Remaining": "1000",
    "X-RateLimit-Limit-Daily": "200000",
}


@pytest.mark.parametrize(
    "changes",
    [
        {},  # the usual answer: the server confirms our limits
        {"X-RateLimit-Remaining": "40"},  # someone else spent part of the budget
        {"X-RateLimit-Remaining": "900"},  # more than the window holds: clamped
        {"X-RateLimit-Max": "50"},  # a lower limit than ours
        {"X-RateLimit-Interval-Milliseconds": "60"},
        {"X-RateLimit-Remaining": "40.0"},  # not a plain integer
        {"X-RateLimit-Daily-Remaining": None},  # one figure missing
        {"X-RateLimit-Daily-Remaining": "0"},  # the day's budget is spent
    ],
)
async def test_finish_settles_an_answer_as_release_and_observe_do(
    changes: dict[str, str | None],
) -> None:
    headers = {k: v for k, v in {**USUAL, **changes}.items() if v is not None}
    shortcut, long_way = _limiter(daily=200_000), _limiter(daily=200_000)
    statuses: list[object] = []
    ways: list[tuple[LocalLimiter, Callable[[Permit], None]]] = [
        (shortcut, lambda p: shortcut.finish(p, CIMultiDictProxy(CIMultiDict(headers)))),
        (long_way, lambda p: _release_and_observe(long_way, p, headers)),
    ]
    for limiter, finish in ways:
        permits = [await limiter.acquire("loc") for _ in range(5)]
        finish(permits[0])
        try:  # the next request: sent, or refused by a spent daily budget
            permits.append(await limiter.acquire("loc"))
        except lc.RateLimitError:
            statuses.append("refused")
        statuses.append(limiter.status("loc"))
        for permit in permits[1:]:
            limiter.release(permit)
    half = len(statuses) // 2
    assert statuses[:half] == statuses[half:]
    last = statuses[-1]
    assert isinstance(last, lc.RateLimitStatus)
    assert last.server == read_rate_limit(headers)


def _release_and_observe(limiter: LocalLimiter, permit: Permit, headers: dict[str, str]) -> None:
    limiter.release(permit)
    snapshot = read_rate_limit(headers)
    assert snapshot is not None
    limiter.observe(permit, snapshot)
