"""Deadlines on one timer: the waits past theirs end, the ones that ended cost nothing."""

from __future__ import annotations

import asyncio

import pytest

from leadconnector_async._deadlines import Deadlines


async def test_waits_that_ended_keep_no_timer_armed() -> None:
    loop = asyncio.get_running_loop()
    deadlines = Deadlines()
    now = loop.time()

    async def wait(deadline: float, waiter: asyncio.Future[None]) -> None:
        await deadlines.wait(
            waiter, deadline, pass_on=lambda: None, withdraw=lambda: None, timed_out=TimeoutError
        )

    answered = [loop.create_future() for _ in range(2)]
    waits = [
        asyncio.ensure_future(wait(now + 600, answered[0])),
        asyncio.ensure_future(wait(now + 1200, answered[1])),
    ]
    await asyncio.sleep(0)  # (both registered)
    for waiter in answered:
        waiter.set_result(None)
    await asyncio.gather(*waits)
    with pytest.raises(TimeoutError):
        await wait(now + 0.01, loop.create_future())
    # The two that were answered need no timer at their deadlines: none is left armed.
    assert deadlines._timer is None


async def test_a_wait_past_its_deadline_times_out_without_cancelling_anything() -> None:
    loop = asyncio.get_running_loop()
    deadlines = Deadlines()
    waiter: asyncio.Future[None] = loop.create_future()
    withdrawn: list[bool] = []
    with pytest.raises(TimeoutError):
        await deadlines.wait(
            waiter,
            loop.time() + 0.01,
            pass_on=lambda: None,
            withdraw=lambda: withdrawn.append(True),
            timed_out=TimeoutError,
        )
    assert withdrawn == [True]  # out of its queue
    assert not waiter.cancelled()  # handed the end of its wait, not cancelled
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0
