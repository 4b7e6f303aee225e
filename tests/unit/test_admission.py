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
