"""The transport's watchdog on its own: what it cancels at a deadline, and what it spares."""

from __future__ import annotations

import asyncio
import contextlib

from leadconnector_async._watchdog import Watchdog


async def _watched(watchdog: Watchdog, answer: asyncio.Future[str], deadline: float) -> str:
    task = asyncio.current_task()
    assert task is not None
    watchdog.watch(task, deadline)
    try:
        return await answer
    finally:
        watchdog.forget(task)


async def test_an_answer_in_by_the_deadline_is_read_though_the_loop_gets_to_it_late() -> None:
    # The answer lands in the same loop step as the deadline (a busy loop handles a response
    # that came in and the deadline's timer together): it is read, not cut off, which would
    # throw it away with its connection.
    loop = asyncio.get_running_loop()
    watchdog = Watchdog()
    answer: asyncio.Future[str] = loop.create_future()
    at = loop.time() + 0.01
    loop.call_at(at, answer.set_result, "answered")  # scheduled first: runs first in the step
    task = asyncio.ensure_future(_watched(watchdog, answer, at))
    assert await task == "answered"
    assert not watchdog.expired(task)


async def test_a_task_still_waiting_after_its_deadline_is_cancelled_as_expired() -> None:
    watchdog = Watchdog()
    loop = asyncio.get_running_loop()
    never: asyncio.Future[str] = loop.create_future()
    task = asyncio.current_task()
    assert task is not None
    watchdog.watch(task, loop.time() + 0.001)
    try:
        async with asyncio.timeout(5):  # (fails rather than hangs if no sweep ever comes)
            await never
    except asyncio.CancelledError:
        assert watchdog.expired(task)  # (ours: taken back, so this task is not cancelled)
    finally:
        watchdog.forget(task)
    assert never.cancelled()
    assert task.cancelling() == 0


async def test_a_request_watched_while_a_sweep_is_due_arms_no_second_timer() -> None:
    # A request sent with its budget spent is watched in the loop step the timer fires, before
    # the sweep: it must not start a second chain of timers (one sweep of every request in
    # flight per deadline, for as long as any is in flight).
    loop = asyncio.get_running_loop()
    watchdog = Watchdog()

    async def in_flight() -> None:
        await loop.create_future()

    keeper, first, late = (asyncio.ensure_future(in_flight()) for _ in range(3))
    watchdog.watch(keeper, loop.time() + 60)  # a request in flight throughout
    at = loop.time() + 0.01
    watchdog.watch(first, at)
    loop.call_at(at, lambda: watchdog.watch(late, at - 0.001))  # (runs after the timer's)
    for task in (first, late):
        with contextlib.suppress(asyncio.CancelledError):
            await task
    # The loop's own timer heap: only it shows a timer the watchdog lost track of.
    ours = [
        handle
        for handle in loop._scheduled  # type: ignore[attr-defined]
        if not handle.cancelled() and getattr(handle._callback, "__self__", None) is watchdog
    ]
    keeper.cancel()
    assert len(ours) == 1  # the one for the keeper's deadline
