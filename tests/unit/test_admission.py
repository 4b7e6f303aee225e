"""The pool's admission gate on its own: turns by location, cancellation keeps it whole."""

from __future__ import annotations

import asyncio

import pytest

import leadconnector_async as lc
from leadconnector_async._admission import Admission


async def test_locations_take_turns_and_a_place_is_never_lost() -> None:
    gate = Admission(1)
    assert gate.try_enter()
    order: list[str] = []

    async def enter(key: str) -> None:
        await gate.enter(key)
        order.append(key)
        gate.leave()

    waiting = [asyncio.ensure_future(enter(key)) for key in ("a", "a", "a", "b", "c")]
    cancelled = asyncio.ensure_future(enter("b"))
    await asyncio.sleep(0)
    assert gate.waiting == 6
    cancelled.cancel()
    gate.leave()
    await asyncio.gather(*waiting)
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert order == ["a", "b", "c", "a", "a"]
    assert (gate.free, gate.waiting) == (1, 0)


async def test_a_task_cancelled_while_waiting_is_cancelled_not_timed_out() -> None:
    gate = Admission(1)
    assert gate.try_enter()
    loop = asyncio.get_running_loop()
    waiting = asyncio.ensure_future(gate.enter("a", loop.time() + 60))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert gate.waiting == 0


async def test_a_wait_cancelled_before_it_starts_queues_nothing_and_holds_no_place() -> None:
    gate = Admission(1)
    assert gate.try_enter()
    loop = asyncio.get_running_loop()
    never_started = asyncio.ensure_future(gate.enter("a", loop.time() + 60))
    never_started.cancel()  # before its first step
    with pytest.raises(asyncio.CancelledError):
        await never_started
    assert gate.waiting == 0
    gate.leave()
    assert gate.free == 1  # the place came back: nobody was queued for it


async def test_a_deadline_ends_the_wait_and_frees_nothing_twice() -> None:
    gate = Admission(1)
    assert gate.try_enter()
    loop = asyncio.get_running_loop()
    with pytest.raises(lc.TransportError, match="nothing was sent") as caught:
        await gate.enter("a", loop.time() + 0.01)
    assert not caught.value.outcome_unknown
    assert gate.waiting == 0
    gate.leave()
    assert gate.try_enter()
    assert not gate.try_enter()


class _Clock:
    """A loop clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _queued(gate: Admission, keys: list[str]) -> list[asyncio.Task[float | None]]:
    waiting = [asyncio.ensure_future(gate.enter(key)) for key in keys]
    await asyncio.sleep(0)  # each reaches its queue
    return waiting


async def _six_waiting_at_8_a_second(
    clock: _Clock,
) -> tuple[Admission, list[asyncio.Task[float | None]]]:
    """A one-place gate, ten locations queued, four admitted in 0.5 s: six wait, 8 a second."""
    gate = Admission(1, clock)
    assert gate.try_enter()
    waiting = await _queued(gate, [f"loc{n}" for n in range(10)])
    clock.now += 0.5
    for _ in range(4):
        gate.leave()
    return gate, waiting


async def test_nobody_is_refused_until_the_pool_is_saturated_and_its_rate_measured() -> None:
    clock = _Clock()
    gate = Admission(1, clock)
    assert not gate.hopeless("a", clock.now - 1)  # a place is free: nothing to predict
    assert gate.try_enter()
    waiting = await _queued(gate, [f"loc{n}" for n in range(10)])
    assert gate.saturated
    assert not gate.hopeless("z", clock.now - 1)  # no rate measured yet: never refused
    for _ in range(10):
        gate.leave()
    await asyncio.gather(*waiting)
    assert not gate.saturated


async def test_a_second_request_of_a_waiting_location_waits_a_whole_turn_of_the_others() -> None:
    clock = _Clock()
    gate, waiting = await _six_waiting_at_8_a_second(clock)
    # Six locations wait (loc9 last), each goes once before loc9's second request: 6 / 8 a
    # second = 0.75 s at least.
    assert gate.hopeless("loc9", clock.now + 0.7)
    assert not gate.hopeless("loc9", clock.now + 0.8)
    with pytest.raises(lc.PoolTimeoutError, match="nothing was sent") as caught:
        await gate.enter("loc9", clock.now + 0.7)
    assert not caught.value.outcome_unknown
    assert gate.waiting == 6  # refused at once, never queued
    # A token refresh is never refused early: it waits its turn (its callers wait on it).
    refresh = asyncio.ensure_future(gate.enter("loc9", clock.now + 0.7, refuse_early=False))
    await asyncio.sleep(0)
    assert gate.waiting == 7
    for _ in range(8):
        gate.leave()
    await asyncio.gather(*waiting, refresh)
    assert (gate.free, gate.waiting) == (1, 0)


async def test_a_location_with_nothing_waiting_is_never_refused_early() -> None:
    # Its request waits one round of turns at most, and a caller that would ask again at once
    # after a refusal (a job working through its location) is not refused over and over.
    clock = _Clock()
    gate, waiting = await _six_waiting_at_8_a_second(clock)
    assert gate.hopeless("loc9", clock.now + 0.1)  # the overloaded pool's judgement stands
    assert not gate.hopeless("new", clock.now + 0.1)  # six turns ahead, 0.75 s: still queued
    queued = asyncio.ensure_future(gate.enter("new", clock.now + 0.1))
    await asyncio.sleep(0)
    assert gate.waiting == 7
    for _ in range(8):
        gate.leave()
    await asyncio.gather(*waiting, queued)
    assert (gate.free, gate.waiting) == (1, 0)


async def test_a_location_with_requests_ahead_waits_a_turn_for_each() -> None:
    clock = _Clock()
    gate = Admission(1, clock)
    assert gate.try_enter()
    waiting = await _queued(gate, ["a", "b", "a", "b", "a", "b"])
    clock.now += 1.0
    gate.leave()  # a's turn, 1 s after it joined
    clock.now += 1.0
    gate.leave()  # b's turn
    # a: two ahead of a new request (b goes first, then a, b, a): its next turn is due now,
    # then one turn (1 s) for each of the two ahead.
    assert gate.hopeless("a", clock.now + 1.9)
    assert not gate.hopeless("a", clock.now + 2.1)
    clock.now += 1.5  # a's last turn was 2.5 s ago: its turns take at least that long now
    assert gate.hopeless("a", clock.now + 4.9)
    assert not gate.hopeless("a", clock.now + 5.1)
    for _ in range(5):
        gate.leave()
    await asyncio.gather(*waiting)
    assert (gate.free, gate.waiting) == (1, 0)


async def test_once_it_refuses_one_a_request_may_wait_a_tenth_of_its_budget() -> None:
    clock = _Clock()
    gate, waiting = await _six_waiting_at_8_a_second(clock)  # loc9's next turn: 0.75 s away
    assert not gate.hopeless("loc9", clock.now + 0.8)
    with pytest.raises(lc.PoolTimeoutError):
        await gate.enter("loc9", clock.now + 0.7)
    # Arrivals outrun the pool: a request may now wait a tenth of its budget, not all of it.
    assert gate.hopeless("loc9", clock.now + 0.8)
    assert gate.hopeless("loc9", clock.now + 7.4)
    assert not gate.hopeless("loc9", clock.now + 7.6)
    clock.now += 0.81  # a whole budget (0.8 s) without another refusal: the whole budget again
    assert not gate.hopeless("loc9", clock.now + 0.8)
    for _ in range(7):
        gate.leave()
    await asyncio.gather(*waiting)
    assert (gate.free, gate.waiting) == (1, 0)


async def test_overloaded_each_asking_location_may_still_wait_for_its_turn() -> None:
    # Past saturation, with more locations asking than a tenth of a budget serves, each of them
    # must still be able to wait for a turn, or the turn order would no longer be fair.
    clock = _Clock()
    gate, waiting = await _six_waiting_at_8_a_second(clock)
    with pytest.raises(lc.PoolTimeoutError):
        await gate.enter("loc9", clock.now + 0.7)  # overloaded from now on
    for n in range(40):
        gate.hopeless(f"asker{n}", clock.now + 60)  # 41 locations ask in this window
    clock.now += 0.5
    for _ in range(4):
        gate.leave()
    # Two locations wait (0.25 s at 8 a second), loc9 last: more than a tenth of 1 s, but
    # within the two rounds of 41 locations (~10 s) the overloaded pool still lets one wait.
    assert not gate.hopeless("loc9", clock.now + 1.0)
    for _ in range(3):
        gate.leave()
    await asyncio.gather(*waiting)
    assert (gate.free, gate.waiting) == (1, 0)


async def test_waits_that_ended_do_not_pile_up_behind_a_deadline() -> None:
    # A backlog of 5,000, then 20,000 requests that each wait briefly: the deadline heap keeps
    # about as many entries as are waiting, not the backlog's high-water mark of ended waits.
    gate = Admission(1)
    assert gate.try_enter()
    deadline = asyncio.get_running_loop().time() + 600
    backlog = [asyncio.ensure_future(gate.enter(f"loc{n}", deadline)) for n in range(5000)]
    await asyncio.sleep(0)
    for _ in backlog:
        gate.leave()
    await asyncio.gather(*backlog)
    most = 0
    for n in range(20_000):
        waiting = asyncio.ensure_future(gate.enter(f"loc{n}", deadline))
        await asyncio.sleep(0)
        most = max(most, len(gate._deadlines._heap))
        gate.leave()
        await waiting
    assert gate.waiting == 0
    assert most <= 1025


async def test_a_waiting_request_learns_when_its_place_was_handed_over() -> None:
    now = [10.0]
    gate = Admission(1, clock=lambda: now[0])
    assert await gate.enter("a") is None  # a place was free: no wait, no hand-over time
    waiting = asyncio.ensure_future(gate.enter("b"))
    await asyncio.sleep(0)
    now[0] = 12.5
    gate.leave()
    assert await waiting == 12.5
