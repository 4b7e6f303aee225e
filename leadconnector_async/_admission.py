"""Admission to the connection pool: at most what its connections carry, locations in turn.

A request that has its location's send slot still needs a connection. Letting every such request
into aiohttp at once would build each one (request object, timer, futures) only to park it in
the connector's first-come queue, where a location with many requests waiting crowds out one
with a few. Here a request that cannot be sent yet is one future in its location's queue, and
when a connection frees up the locations with waiting requests take turns (round robin), so
each gets its share of what the pool can carry.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque

from ._deadlines import Deadlines, expired
from .errors import TransportError


class Admission:
    """At most ``capacity`` requests in the transport at once; locations in turn beyond that.

    Use ``if not gate.try_enter(): await gate.enter(key, deadline)`` before sending and
    ``gate.leave()`` once the response is in (or the attempt failed).

    Args:
        capacity: Requests the pool carries at once (its connection limit).
    """

    __slots__ = ("_deadlines", "_queues", "free")

    def __init__(self, capacity: int) -> None:
        self.free = capacity
        # Locations with waiting requests, in turn order. An OrderedDict, not a dict: taking the
        # first of a dict after many deletions at its front scans their leftovers (quadratic).
        self._queues: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()
        self._deadlines = Deadlines()

    def try_enter(self) -> bool:
        """Take a place at once if one is free and nobody is waiting (the O(1) path)."""
        if self.free > 0 and not self._queues:
            self.free -= 1
            return True
        return False

    async def enter(self, key: str, deadline: float | None = None) -> None:
        """Wait for a place, taking turns with the other locations that wait.

        Raises:
            TransportError: No place by ``deadline`` (event-loop time); nothing was sent.
        """
        if self.try_enter():
            return
        waiter = asyncio.get_running_loop().create_future()
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
        queue.append(waiter)
        if deadline is not None:
            self._deadlines.add(deadline, waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.leave()  # handed a place as we gave up: pass it on
                raise
            self._forget(key, waiter)
            if expired(waiter):
                raise TransportError(
                    "no connection of the pool came free within the call's time budget; "
                    "nothing was sent",
                    outcome_unknown=False,
                ) from None
            raise

    def leave(self) -> None:
        """Free a place: the next location in turn with a waiting request gets it."""
        queues = self._queues
        while queues:
            key, queue = queues.popitem(last=False)
            waiter = queue.popleft()
            if queue:
                queues[key] = queue  # to the back of the line
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1

    @property
    def waiting(self) -> int:
        """Requests waiting for a place."""
        return sum(len(queue) for queue in self._queues.values())

    def _forget(self, key: str, waiter: asyncio.Future[None]) -> None:
        queue = self._queues.get(key)
        if queue is None:
            return
        try:
            queue.remove(waiter)
        except ValueError:
            return
        if not queue:
            del self._queues[key]
