"""A bulk job's input, read lazily a chunk at a time and numbered from the checkpoint."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from typing import Generic, TypeVar

from ._bulk_schedule import Row
from .errors import LeadConnectorError

__all__ = ["Reader", "Rows", "input_failure"]

T = TypeVar("T")

Rows = Iterable[T] | AsyncIterable[T]
"""A bulk job's input: any iterable or async iterable, read lazily."""


def input_failure(exc: Exception) -> LeadConnectorError:
    """What stops a job whose input raised ``exc``: the error itself when it is the library's
    (a request the input made failed), else one naming it (``__cause__``: ``exc``)."""
    if isinstance(exc, LeadConnectorError):
        return exc
    error = LeadConnectorError(
        f"reading the input failed: {type(exc).__name__}: {exc}; the rows read before it were "
        "sent, and the rest lie above the checkpoint for a resume"
    )
    error.__cause__ = exc
    return error


class Reader(Generic[T]):
    """Reads the input lazily, a chunk at a time, numbering rows from ``start_at``.

    An exception the input raises ends it: the rows read before it are returned, and
    :attr:`error` says what happened (see :func:`input_failure`).
    """

    def __init__(self, items: Rows[T], start_at: int, size: int) -> None:
        self._async = aiter(items) if isinstance(items, AsyncIterable) else None
        self._sync = iter(items) if isinstance(items, Iterable) and self._async is None else None
        self._to_skip = start_at
        self._index = start_at
        self._size = size
        self.error: LeadConnectorError | None = None

    async def chunk(self) -> list[Row[T]]:
        """The next rows with their indices; empty once the input is exhausted (or failed)."""
        items: list[T] = []
        if self.error is None:
            try:
                if self._to_skip:
                    await self._skip()
                await self._take(items, self._size)
            except Exception as exc:
                self.error = input_failure(exc)
        rows = list(zip(range(self._index, self._index + len(items)), items, strict=True))
        self._index += len(items)
        return rows

    async def _skip(self) -> None:
        while self._to_skip:
            skipped: list[T] = []
            more = await self._take(skipped, min(self._to_skip, 1_000))
            self._to_skip = self._to_skip - len(skipped) if more else 0

    async def _take(self, items: list[T], count: int) -> bool:
        """Append up to ``count`` rows to ``items``; whether the input had any left."""
        wanted = len(items) + count
        while len(items) < wanted:
            try:
                if self._sync is not None:
                    items.append(next(self._sync))
                else:
                    assert self._async is not None
                    items.append(await anext(self._async))
            except (StopIteration, StopAsyncIteration):
                return False
        return True
