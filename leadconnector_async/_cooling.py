"""Slot returns waiting for their period to pass, oldest first, without an object per slot.

A limiter that keeps up with thousands of requests per second holds a period's worth of returns
(tens of thousands at 10 s). Kept as one tuple each, they are objects the garbage collector walks
on every full collection. Here the slots released in one turn of the event loop are one entry:
when they are due and a list holding each slot's owner once per slot.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from typing import Generic, TypeVar

S = TypeVar("S")


class CoolingQueue(Generic[S]):
    """Returns of one period length: when each batch is due (loop time) and whose slots it holds."""

    __slots__ = ("_batches", "_dues", "_each")

    def __init__(self) -> None:
        self._dues: deque[float] = deque()
        self._batches: deque[list[S]] = deque()
        self._each: deque[int] = deque()

    def push(self, due: float, owners: list[S], each: int = 1) -> None:
        """Queue ``each`` slots per item of ``owners`` (an owner may repeat) to come back at
        ``due``, never earlier than the last ``due`` pushed (both are loop time plus the period).
        """
        self._dues.append(due)
        self._batches.append(owners)
        self._each.append(each)

    def pop_due(self, now: float) -> Iterator[tuple[S, int]]:
        """Take every return due by ``now``, oldest first: each owner with its slot count."""
        dues, batches, each = self._dues, self._batches, self._each
        while dues and dues[0] <= now:
            dues.popleft()
            slots = each.popleft()
            for owner, count in Counter(batches.popleft()).items():
                yield owner, count * slots

    @property
    def next_due(self) -> float | None:
        """When the oldest return is due, or ``None`` when empty."""
        return self._dues[0] if self._dues else None
