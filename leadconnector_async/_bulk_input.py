"""A bulk job's input, read lazily a chunk at a time and numbered from the checkpoint."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterable, Iterable
from itertools import islice
from typing import Generic, TypeVar

from ._bulk_schedule import Row

__all__ = ["Reader", "Rows"]

T = TypeVar("T")

Rows = Iterable[T] | AsyncIterable[T]
"""A bulk job's input: any iterable or async iterable, read lazily."""


class Reader(Generic[T]):
    """Reads the input lazily, a chunk at a time, numbering rows from ``start_at``."""

    def __init__(self, items: Rows[T], start_at: int, size: int) -> None:
        self._async = aiter(items) if isinstance(items, AsyncIterable) else None
        self._sync = iter(items) if isinstance(items, Iterable) and self._async is None else None
        self._to_skip = start_at
        self._index = start_at
        self._size = size

    async def chunk(self) -> list[Row[T]]:
        """The next rows with their indices; empty once the input is exhausted."""
        if self._to_skip:
            await self._skip(self._to_skip)
            self._to_skip = 0
        if self._sync is not None:
            items = list(islice(self._sync, self._size))
        else:
            items = await self._take(self._size)
        rows = list(zip(range(self._index, self._index + len(items)), items, strict=True))
        self._index += len(items)
        return rows

    async def _skip(self, count: int) -> None:
        if self._sync is not None:
            deque(islice(self._sync, count), maxlen=0)
            return
        for _ in range(count):
            if not await self._take(1):
                return

    async def _take(self, count: int) -> list[T]:
        assert self._async is not None
        items: list[T] = []
        while len(items) < count:
            try:
                items.append(await anext(self._async))
            except StopAsyncIteration:
                break
        return items
