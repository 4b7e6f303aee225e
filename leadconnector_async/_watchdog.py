"""The total-time limit of requests in flight, on one timer for the pool instead of one each.

aiohttp enforces ``ClientTimeout(total=...)`` with a timer handle, a timeout context and their
callbacks per request: a twentieth of its own per-request work, and objects the garbage
collector walks while the request is in flight. Here a request in flight is one dict entry (its
task and deadline), and one timer per tick cancels the tasks past their deadline, as
``asyncio.timeout`` would: the transport tells that cancellation from any other by
:meth:`Watchdog.expired` and turns it into its timeout error. A request times out up to one tick
late: a twentieth of the shortest timeout in flight, at most a second.
"""

from __future__ import annotations

import asyncio

_MAX_TICK = 1.0
_TICKS_PER_TIMEOUT = 20


class Watchdog:
    """Cancels each watched task still watched at its deadline (event-loop time)."""

    __slots__ = ("_cancelled", "_deadlines", "_tick", "_timer")

    def __init__(self) -> None:
        self._deadlines: dict[asyncio.Task[object], float] = {}
        self._cancelled: set[asyncio.Task[object]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._tick = _MAX_TICK

    def watch(self, task: asyncio.Task[object], timeout: float) -> None:
        """Cancel ``task`` if it is still watched ``timeout`` seconds from now."""
        loop = task.get_loop()
        now = loop.time()
        self._deadlines[task] = now + timeout
        if self._timer is None or timeout < self._tick * _TICKS_PER_TIMEOUT:
            self._arm(loop, now, min(self._tick, timeout / _TICKS_PER_TIMEOUT))

    def _arm(self, loop: asyncio.AbstractEventLoop, now: float, tick: float) -> None:
        self._tick = tick
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_at(now + tick, self._sweep, loop)

    def forget(self, task: asyncio.Task[object]) -> None:
        """``task`` left the request (done, failed or cancelled): stop watching it."""
        self._deadlines.pop(task, None)
        if self._cancelled:
            self._cancelled.discard(task)

    def expired(self, task: asyncio.Task[object]) -> bool:
        """Whether the ``CancelledError`` ``task`` just caught is this watchdog's and nobody
        else's (like ``asyncio.timeout``, it takes its own cancellation back)."""
        if task not in self._cancelled:
            return False
        self._cancelled.discard(task)
        return task.uncancel() == 0

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = loop.time()
        overdue = [task for task, deadline in self._deadlines.items() if deadline <= now]
        for task in overdue:
            del self._deadlines[task]
            if task.cancel():
                self._cancelled.add(task)
        if self._deadlines:
            self._timer = loop.call_at(now + self._tick, self._sweep, loop)
        else:
            self._tick = _MAX_TICK
