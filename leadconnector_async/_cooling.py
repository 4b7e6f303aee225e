"""Slot returns waiting for their period to pass, oldest first, without an object per entry.

A limiter that keeps up with thousands of requests per second holds a period's worth of returns
(tens of thousands at 10 s). Kept as one tuple each, they are objects the garbage collector walks
on every full collection; kept as three parallel deques of floats, references and small ints,
they are not. Consecutive returns of one location within a tick share an entry (its due time
moves to the later one: a slot may come back a tick late, never early).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Generic, TypeVar

S = TypeVar("S")


class CoolingQueue(Generic[S]):
    """Returns of one period length: when each is due (loop time), for whom, how many slots."""

    __slots__ = ("_counts", "_dues", "_owners")

    def __init__(self) -> None:
        self._dues: deque[float] = deque()
        self._owners: deque[S] = deque()
        self._counts: deque[int] = deque()

    def push(self, due: float, owner: S, count: int, tick: float) -> None:
        """Queue ``count`` slots of ``owner`` to come back at ``due`` (never before)."""
        if self._owners and self._owners[-1] is owner and due - self._dues[-1] <= tick:
            self._dues[-1] = due
            self._counts[-1] += count
            return
        self._dues.append(due)
        self._owners.append(owner)
        self._counts.append(count)

    def pop_due(self, now: float) -> Iterator[tuple[S, int]]:
        """Take every return due by ``now``, oldest first."""
        dues, owners, counts = self._dues, self._owners, self._counts
        while dues and dues[0] <= now:
            dues.popleft()
            yield owners.popleft(), counts.popleft()

    @property
    def next_due(self) -> float | None:
        """When the oldest return is due, or ``None`` when empty."""
        return self._dues[0] if self._dues else None
