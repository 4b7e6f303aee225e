"""Deadlines for many waiting futures on one timer.

``asyncio.timeout`` costs a timeout object, a timer handle, a context copy and a bound method per
waiter: at thousands of queued requests that is what the garbage collector walks. Here a waiter
is one heap entry, and one timer (armed for the earliest deadline) ends the waits whose
deadline passed. It hands such a waiter a marker instead of a place rather than cancelling it:
its task then wakes with a result, not with a ``CancelledError`` thrown through every frame of
the call to be told from the task's own cancellation and swapped for the timeout error (in a
saturated pool whose calls run out of budget, the expiries are thousands a second).
:meth:`Deadlines.wait` also handles a place handed over as its task was cancelled.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable
from itertools import count
from typing import Any, TypeVar

W = TypeVar("W")

_COMPACT_SLACK = 1024
_EXPIRED: Any = object()  # what a waiter whose deadline passed is handed instead of a place


class Deadlines:
    """Ends the wait of each registered future still pending at its deadline (loop time)."""

    __slots__ = ("_heap", "_order", "_timer", "_timer_at", "_waiting")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, asyncio.Future[Any]]] = []
        self._order = count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._waiting = 0  # calls of wait() with a deadline that have not returned yet

    def _add(self, deadline: float, waiter: asyncio.Future[Any]) -> None:
        """End ``waiter``'s wait at ``deadline`` unless it is done by then."""
        heap = self._heap
        if len(heap) > 2 * self._waiting + _COMPACT_SLACK:
            # Entries of waits that ended: drop them (amortised O(1)). Otherwise a busy pool
            # keeps a whole budget's worth (thousands of tuples and futures) for the collector.
            self._compact()
        heapq.heappush(heap, (deadline, next(self._order), waiter))
        if self._timer is None or deadline < self._timer_at:
            self._arm(waiter.get_loop(), deadline)

    def _arm(self, loop: asyncio.AbstractEventLoop, at: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = at
        self._timer = loop.call_at(at, self._expire, loop)

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        heap, now = self._heap, loop.time()
        while heap and heap[0][0] <= now:
            waiter = heapq.heappop(heap)[2]
            if not waiter.done():
                waiter.set_result(_EXPIRED)
        while heap and heap[0][2].done():  # a wait that ended before its deadline: no timer
            heapq.heappop(heap)
        if heap:
            self._arm(loop, heap[0][0])

    async def wait(
        self,
        waiter: asyncio.Future[W],
        deadline: float | None,
        *,
        pass_on: Callable[[], None],
        withdraw: Callable[[], None],
        timed_out: Callable[[], Exception],
    ) -> W:
        """Wait until ``waiter`` is handed a place (its result set, returned) or ``deadline``
        passes.

        Args:
            waiter: The queued future the place is handed to.
            deadline: Loop time to give up at (``None``: none).
            pass_on: Called when the task's cancellation lands just as the place was handed
                over: the place goes to the next in line.
            withdraw: Called when the wait ends without a place (cancelled, or past its
                deadline), to take ``waiter`` out of its queue.
            timed_out: The error raised when the deadline ended the wait.
        """
        if deadline is not None:
            self._add(deadline, waiter)
            self._waiting += 1
        try:
            result = await waiter
        except asyncio.CancelledError:  # the task's own: a deadline hands over _EXPIRED
            if waiter.done() and not waiter.cancelled() and waiter.result() is not _EXPIRED:
                pass_on()
            else:
                withdraw()
            raise
        finally:
            if deadline is not None:
                self._waiting -= 1
        if result is _EXPIRED:
            withdraw()
            raise timed_out()
        return result

    def _compact(self) -> None:
        self._heap = [entry for entry in self._heap if not entry[2].done()]
        heapq.heapify(self._heap)
