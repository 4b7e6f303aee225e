"""The in-process limiter driven directly: tiny periods, a controllable wall clock, counts only."""

from __future__ import annotations

import asyncio

import pytest

import leadconnector_async as lc
from leadconnector_async._rate_headers import RateLimitSnapshot
from leadconnector_async._ratelimit import LocalLimiter, Permit, Unlimited


def _limiter(max_requests: int, period: float, **kw: object) -> LocalLimiter:
    return LocalLimiter(lc.RateLimit(max_requests, period, daily=None), **kw)  # type: ignore[arg-type]


async def test_waiters_are_served_in_order_and_survive_cancellation() -> None:
    limiter = _limiter(1, 0.01)
    first_permit = await limiter.acquire("loc")
    order: list[str] = []

    async def take(name: str) -> None:
        limiter.release(await limiter.acquire("loc"))
        order.append(name)

    first = asyncio.ensure_future(take("first"))
    cancelled = asyncio.ensure_future(take("cancelled"))
    last = asyncio.ensure_future(take("last"))
    await asyncio.sleep(0)
    cancelled.cancel()
    limiter.release(first_permit)
    await asyncio.wait_for(asyncio.gather(first, last), 2.0)
    assert order == ["first", "last"]
    assert cancelled.cancelled()


async def test_a_waiter_cancelled_as_it_is_handed_a_slot_passes_it_on() -> None:
    limiter = _limiter(2, 10.0)
    held = await limiter.acquire("loc")
    limiter.observe(held, RateLimitSnapshot(max=1))  # capacity 1: the next two queue
    waiter = asyncio.ensure_future(limiter.acquire("loc"))
    other = asyncio.ensure_future(limiter.acquire("loc"))
    await asyncio.sleep(0)
    limiter.observe(held, RateLimitSnapshot(max=2))  # hands `waiter` a slot at once...
    waiter.cancel()  # ...and it is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await asyncio.wait_for(other, 2.0)
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 2


async def test_a_slot_returns_one_period_after_release() -> None:
    limiter = _limiter(2, 0.5)  # a period far longer than a loaded machine's scheduling delay
    first = await limiter.acquire("loc")
    await limiter.acquire("loc")
    limiter.release(first)
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 2
    third = asyncio.ensure_future(limiter.acquire("loc"))
    await asyncio.sleep(0.02)
    assert not third.done()
    await asyncio.wait_for(third, 5.0)
    assert limiter.status("other") is None


async def test_waiting_past_the_deadline_raises_and_takes_no_slot() -> None:
    limiter = _limiter(1, 10.0)
    held = await limiter.acquire("loc")
    loop = asyncio.get_running_loop()
    with pytest.raises(lc.RateLimitTimeoutError, match="nothing was sent") as caught:
        await limiter.acquire("loc", loop.time() + 0.05)
    assert caught.value.status_code is None
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 1
    limiter.penalize("loc", 30.0)
    limiter.release(held)
    with pytest.raises(lc.RateLimitTimeoutError, match="paused"):
        await limiter.acquire("loc", loop.time() + 1.0)


async def test_penalize_pauses_the_location() -> None:
    limiter = _limiter(10, 1.0)
    limiter.release(await limiter.acquire("loc"))
    limiter.penalize("loc", 0.5)  # far longer than a loaded machine's scheduling delay
    status = limiter.status("loc")
    assert status is not None
    assert 0 < status.paused_for <= 0.5
    pending = asyncio.ensure_future(limiter.acquire("loc"))
    await asyncio.sleep(0.01)
    assert not pending.done()
    await asyncio.wait_for(pending, 5.0)


async def test_unlimited_never_waits() -> None:
    limiter: lc.Limiter = Unlimited()
    for _ in range(1000):
        assert await limiter.acquire("x") is None
    assert limiter.status("x") is None


async def test_a_stale_remaining_is_not_taken_for_someone_elses_use() -> None:
    """The server counted our earlier requests when this one arrived; their slots came back
    before its answer did. That is not foreign use, so nothing is held back."""
    limiter = _limiter(10, 0.05)
    earlier = [await limiter.acquire("loc") for _ in range(5)]
    permit = await limiter.acquire("loc")
    for done in earlier:
        limiter.release(done)
    await asyncio.sleep(0.1)  # past one period: the five earlier slots cooled and came back
    limiter.observe(permit, RateLimitSnapshot(remaining=4, max=10))
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 1


async def test_use_the_server_saw_beyond_ours_is_held_back() -> None:
    limiter = _limiter(10, 5.0)
    permit = await limiter.acquire("loc")
    limiter.observe(permit, RateLimitSnapshot(remaining=2, max=10))
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 1 + 7  # ours, plus the seven someone else spent


async def test_permits_never_sent_come_back_at_once_and_do_not_hide_foreign_use() -> None:
    limiter = _limiter(100, 5.0)
    sent = await limiter.acquire("loc")
    for _ in range(20):  # taken, then given up before sending (no connection in time)
        limiter.unused(await limiter.acquire("loc"))
    status = limiter.status("loc")
    assert status is not None
    assert (status.in_use, status.daily_used) == (1, 1)
    # The server counted 11 when it answered ours: 10 were someone else's.
    limiter.observe(sent, RateLimitSnapshot(remaining=89, max=100))
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 1 + 10


async def test_idle_locations_are_forgotten() -> None:
    limiter = _limiter(5, 0.02)
    permits = [await limiter.acquire(f"loc-{n}") for n in range(200)]
    assert limiter.active_locations == 200
    limiter.penalize("loc-0", 5.0)
    for permit in permits:
        limiter.release(permit)
    await asyncio.sleep(0.1)  # timers fire in time order: every slot has cooled by then
    assert limiter.active_locations == 1
    assert limiter.status("loc-0") is not None  # paused: kept
    assert limiter.status("loc-1") is None


async def test_a_token_bucket_joins_its_location_with_its_slots() -> None:
    limiter = _limiter(3, 10.0)
    anonymous = await limiter.acquire("token:abc")
    await limiter.acquire("loc")
    limiter.alias("token:abc", "loc")
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 2
    await limiter.acquire("loc")
    blocked = asyncio.ensure_future(limiter.acquire("loc"))
    await asyncio.sleep(0.01)
    assert not blocked.done()
    limiter.release(anonymous)  # forwarded to the location: cools there for a period
    await asyncio.sleep(0.01)
    assert not blocked.done()
    blocked.cancel()
    assert limiter.status("token:abc") is None


def test_a_limiter_outlives_its_event_loop() -> None:
    # asyncio.run() closes its loop with the limiter's timers in it; the next loop must still
    # get the cooled slots back (and the tick's released ones), not wait forever.
    limiter = _limiter(1, 0.02)

    async def take_and_release() -> None:
        limiter.release(await limiter.acquire("loc"))

    async def take_in_time(release: bool) -> Permit:
        loop = asyncio.get_running_loop()
        permit = await limiter.acquire("loc", loop.time() + 5.0)
        if release:  # the loop closes before the tick that would start its cooling
            limiter.release(permit)
        return permit

    asyncio.run(take_and_release())  # its slot cools on a loop that then closes
    assert asyncio.run(take_in_time(release=True)).key == "loc"
    assert asyncio.run(take_in_time(release=False)).key == "loc"


async def test_a_request_paused_on_a_token_bucket_waits_for_the_location_it_joined() -> None:
    limiter = _limiter(2, 10.0)
    held = [await limiter.acquire("loc") for _ in range(2)]  # the location's window is full
    limiter.penalize("token:abc", 0.05)  # a 429 on the token's own bucket
    loop = asyncio.get_running_loop()
    paused = asyncio.ensure_future(limiter.acquire("token:abc", loop.time() + 0.5))
    await asyncio.sleep(0)  # it sleeps out the pause
    limiter.alias("token:abc", "loc")  # the token turns out to be the location's
    with pytest.raises(lc.RateLimitTimeoutError):  # no slot of the full window for it
        await paused
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == len(held)


async def test_a_paused_location_nobody_asks_for_again_is_forgotten_after_its_pause() -> None:
    limiter = _limiter(5, 0.02)
    limiter.release(await limiter.acquire("loc"))
    limiter.penalize("loc", 0.05)  # a 429 whose caller then gave up (cancelled in its back-off)
    await asyncio.sleep(0.2)  # timers fire in time order: the slot cooled, the pause ended
    assert limiter.active_locations == 0
