"""The in-process limiter's pieces, driven directly with a controllable clock and tiny periods."""

from __future__ import annotations

import asyncio

import pytest

import leadconnector_async as lc
from leadconnector_async._protocol import RateLimitSnapshot
from leadconnector_async._ratelimit import LocalLimiter, Unlimited, _Slots


async def test_slots_serve_waiters_in_order_and_survive_cancellation() -> None:
    slots = _Slots(1)
    await slots.acquire()
    order: list[str] = []

    async def take(name: str) -> None:
        await slots.acquire()
        order.append(name)

    first = asyncio.ensure_future(take("first"))
    cancelled = asyncio.ensure_future(take("cancelled"))
    last = asyncio.ensure_future(take("last"))
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    slots.release()
    await first
    slots.release()
    await last
    assert order == ["first", "last"]
    assert slots.used == 1


async def test_a_waiter_cancelled_as_it_is_handed_a_slot_passes_it_on() -> None:
    slots = _Slots(1)
    await slots.acquire()
    waiter = asyncio.ensure_future(slots.acquire())
    other = asyncio.ensure_future(slots.acquire())
    await asyncio.sleep(0)
    slots.release()  # hands the slot to `waiter`...
    waiter.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await other
    assert slots.used == 1


async def test_a_slot_returns_one_period_after_release() -> None:
    limiter = LocalLimiter(lc.RateLimit(max_requests=2, period=0.05, daily=None))
    await limiter.acquire("loc")
    await limiter.acquire("loc")
    limiter.release("loc")
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 2
    third = asyncio.ensure_future(limiter.acquire("loc"))
    await asyncio.sleep(0.02)
    assert not third.done()
    await asyncio.wait_for(third, 1.0)
    assert limiter.status("other") is None


async def test_a_lower_server_max_shrinks_capacity() -> None:
    limiter = LocalLimiter(lc.RateLimit(max_requests=100, period=10.0, daily=None))
    await limiter.acquire("loc")
    limiter.observe("loc", RateLimitSnapshot(remaining=49, max=50, interval_ms=10_000))
    status = limiter.status("loc")
    assert status is not None
    assert status.capacity == 50
    assert status.server is not None
    assert status.server.max == 50


async def test_penalize_pauses_the_location() -> None:
    clock = [100.0]
    limiter = LocalLimiter(lc.RateLimit(10, 1.0, daily=None), clock=lambda: clock[0])
    await limiter.acquire("loc")
    limiter.penalize("loc", 5.0)
    status = limiter.status("loc")
    assert status is not None
    assert status.paused_for == pytest.approx(5.0)
    clock[0] += 6.0
    await asyncio.wait_for(limiter.acquire("loc"), 0.5)


async def test_the_daily_budget_resets_after_a_day() -> None:
    clock = [0.0]
    limiter = LocalLimiter(lc.RateLimit(10, 1.0, daily=1), clock=lambda: clock[0])
    await limiter.acquire("loc")
    with pytest.raises(lc.RateLimitError):
        await limiter.acquire("loc")
    clock[0] += 86_400.0
    await limiter.acquire("loc")


async def test_unlimited_never_waits() -> None:
    limiter = Unlimited()
    for _ in range(1000):
        await limiter.acquire("x")
        limiter.release("x")
    assert limiter.status("x") is None


async def test_a_stale_remaining_is_not_taken_for_someone_elses_use() -> None:
    """The server counted our earlier requests when this one arrived; their slots came back
    before its answer did. That is not foreign use, so nothing is held back."""
    limiter = LocalLimiter(lc.RateLimit(max_requests=10, period=0.05, daily=None))
    for _ in range(5):
        await limiter.acquire("loc")
    ticket = await limiter.acquire("loc")
    for _ in range(5):
        limiter.release("loc")
    await asyncio.sleep(0.08)  # past one period: the five earlier slots have cooled and returned
    limiter.observe("loc", RateLimitSnapshot(remaining=4, max=10), ticket)
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 1


async def test_use_the_server_saw_beyond_ours_is_held_back() -> None:
    limiter = LocalLimiter(lc.RateLimit(max_requests=10, period=5.0, daily=None))
    ticket = await limiter.acquire("loc")
    limiter.observe("loc", RateLimitSnapshot(remaining=2, max=10), ticket)
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 1 + 7  # ours, plus the seven someone else spent
    limiter.observe("loc", RateLimitSnapshot(remaining=2, max=10))  # no ticket: no guess
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 8
