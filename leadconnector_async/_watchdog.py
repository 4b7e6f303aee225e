"""The total-time limit of requests in flight, on one timer for the pool instead of one each.

aiohttp enforces ``ClientTimeout(total=...)`` with a timer handle, a timeout context and their
callbacks per request: ~280 of its ~4,000 Python operations per request, and objects the garbage
collector walks while the request is in flight. Here a request in flight is one dict entry (its
task and deadline), and one timer, armed for the earliest deadline, cancels the tasks past
theirs, as ``asyncio.timeout`` would but one loop step after the timer fires (an answer
already in is read first; see ``Watchdog._due``): the transport tells that cancellation from any
other by :meth:`Watchdog.expired` and turns it into its timeout error. The timer only ever moves
earlier when a request arrives, so no stream of arrivals can postpone it.
"""

from __future__ import annotations

import asyncio


class Watchdog:
    """Cancels each watched task still watched at its deadline (event-loop time)."""

    __slots__ = ("_cancelled", "_deadlines", "_pending", "_timer", "_timer_at")

    def __init__(self) -> None:
        self._deadlines: dict[asyncio.Task[object], float] = {}
        # Tasks that already had cancellations pending when watched, and how many: ours is
        # told apart from those by the count, as asyncio.timeout does.
        self._pending: dict[asyncio.Task[object], int] = {}
        self._cancelled: set[asyncio.Task[object]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    def watch(self, task: asyncio.Task[object], deadline: float) -> None:
        """Cancel ``task`` if it is still watched at ``deadline`` (its loop's time)."""
        self._deadlines[task] = deadline
        pending = task.cancelling()
        if pending:
            self._pending[task] = pending
        if self._timer is None or deadline < self._timer_at:
            self._arm(task.get_loop(), deadline)

    def forget(self, task: asyncio.Task[object]) -> None:
        """``task`` left the request (done, failed or cancelled): stop watching it."""
        self._deadlines.pop(task, None)
        if self._cancelled:
            self._cancelled.discard(task)
        if self._pending:
            self._pending.pop(task, None)

    def expired(self, task: asyncio.Task[object]) -> bool:
        """Whether the ``CancelledError`` ``task`` just caught is this watchdog's and nobody
        else's (like ``asyncio.timeout``, it takes its own cancellation back)."""
        if task not in self._cancelled:
            return False
        self._cancelled.discard(task)
        return task.uncancel() <= self._pending.get(task, 0)

    def _arm(self, loop: asyncio.AbstractEventLoop, at: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = at
        self._timer = loop.call_at(at, self._due, loop)

    def _due(self, loop: asyncio.AbstractEventLoop) -> None:
        # Cancelled one loop step later: a response that came in while the loop was busy has
        # woken its task in this step (I/O is handled before timers), and so is read whole
        # instead of being thrown away with its connection, which the next request would have
        # to open again out of what is left of its own budget. Until then the sweep is the
        # timer: a request watched meanwhile with an earlier deadline arms no second one.
        self._timer_at = float("-inf")
        loop.call_soon(self._sweep, loop)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = loop.time()
        deadlines = self._deadlines
        for task in [task for task, deadline in deadlines.items() if deadline <= now]:
            del deadlines[task]
            if task.cancel():
                self._cancelled.add(task)
        if deadlines:
            self._arm(loop, min(deadlines.values()))
