"""Deadlines on one timer: the waits past theirs are cancelled, the ones that ended cost nothing."""

from __future__ import annotations

import asyncio

from leadconnector_async._deadlines import Deadlines


async def test_waits_that_ended_keep_no_timer_armed() -> None:
    loop = asyncio.get_running_loop()
    deadlines = Deadlines()
    now = loop.time()
    late: asyncio.Future[None] = loop.create_future()
    answered = [loop.create_future() for _ in range(2)]
    deadlines.add(now + 0.01, late)
    deadlines.add(now + 600, answered[0])
    deadlines.add(now + 1200, answered[1])
    for waiter in answered:
        waiter.set_result(None)
        deadlines.ended()
    try:
        await late
    except asyncio.CancelledError:
        pass
    finally:
        deadlines.ended()
    assert late.cancelled()
    # The two that were answered need no timer at their deadlines: none is left armed.
    assert deadlines._timer is None
