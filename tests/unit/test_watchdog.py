"""The transport's watchdog on its own: what it cancels at a deadline, and what it spares."""

from __future__ import annotations

import asyncio

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
        await never
    except asyncio.CancelledError:
        assert watchdog.expired(task)  # (ours: taken back, so this task is not cancelled)
    finally:
        watchdog.forget(task)
    assert never.cancelled()
    assert task.cancelling() == 0
