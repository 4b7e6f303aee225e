"""Which rows a bulk job sends next: a queue per location, so a busy one never holds the rest.

A location is *busy* while its calls would wait for a rate-limit slot (the client says so without
blocking). Free workers go in turns to locations that are not busy; only when none can send do
they wait for a busy one. No location holds more than an even share of the workers among the
locations with rows buffered or in flight, so a slow or stalled one never takes the others' turn.
Once the input has shown rows of two locations, the job reads ahead past rows of busy locations,
up to ``read_ahead`` buffered rows, so the other locations keep working.

Pure bookkeeping (no I/O): the job adds the rows it reads, takes the chunks to send, and reports
the chunks that finished.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

Row = tuple[int, T]
"""One input row and its index."""


class _Location(Generic[T]):
    __slots__ = ("in_flight", "queued", "rows")

    def __init__(self) -> None:
        self.rows: deque[Row[T]] = deque()
        self.in_flight = 0  # chunks handed to workers and not finished
        self.queued = False  # has an entry in the turns


_NONE_YET = object()
_RECENT_CHUNKS = 4  # rows read lately, in chunks per worker, whose locations share the workers


class Schedule(Generic[T]):
    """Per-location queues of read rows, and the choice of the next chunk to send.

    Args:
        workers: Workers the job has (chunks in flight at most).
        chunk_size: Rows per chunk.
        read_ahead: Most rows buffered (read, not yet handed to a worker).
        busy: Whether a location's calls would wait for a rate-limit slot right now.
    """

    def __init__(
        self,
        workers: int,
        chunk_size: int,
        read_ahead: int,
        busy: Callable[[str | None], bool],
    ) -> None:
        self._workers = workers
        self._chunk_size = chunk_size
        self._read_ahead = max(read_ahead, chunk_size)
        # Locations of the rows read lately: each gets a share of the workers, whether or not
        # it has rows buffered at the moment (its next rows may not have been read yet).
        self._recent: deque[str | None] = deque(maxlen=_RECENT_CHUNKS * workers * chunk_size)
        self._recent_rows: Counter[str | None] = Counter()
        self._input_ended = False
        self._busy = busy
        self._locations: dict[str | None, _Location[T]] = {}
        # Locations in turn order; one whose rows ran out leaves when its turn comes.
        self._turns: deque[str | None] = deque()
        self._first_key: object = _NONE_YET
        self._mixed = False  # rows of more than one location were read
        self.buffered = 0
        self.in_flight = 0

    @property
    def may_read(self) -> bool:
        """Whether reading more rows is useful: nothing is buffered, or the input mixes
        locations and the buffer has room."""
        return not self.buffered or (self._mixed and self.buffered < self._read_ahead)

    def add(self, key: str | None, row: Row[T]) -> bool:
        """Buffer a row read for location ``key``; True when that location may send a full
        chunk now without waiting (take it with :meth:`take_from`)."""
        if self._first_key is _NONE_YET:
            self._first_key = key
        self._mixed = self._mixed or key != self._first_key
        self._remember(key)
        location = self._locations.get(key)
        if location is None:
            location = self._locations[key] = _Location()
        if not location.queued:
            location.queued = True
            self._turns.append(key)
        location.rows.append(row)
        self.buffered += 1
        return (
            len(location.rows) >= self._chunk_size
            and location.in_flight < self._share()
            and not self._busy(key)
        )

    def take(self, *, partial: bool, wait: bool) -> tuple[str | None, list[Row[T]]] | None:
        """The next chunk to send and its location, or ``None`` if no location may send now.

        Args:
            partial: Whether a chunk shorter than ``chunk_size`` may go (nothing more to read).
            wait: Whether a busy location may get a worker to wait for its slot.
        """
        share = self._share()
        for _ in range(len(self._turns)):
            key = self._turns.popleft()
            location = self._locations[key]
            if not location.rows:
                location.queued = False
                self._forget_if_idle(key, location)
                continue
            self._turns.append(key)
            if not partial and len(location.rows) < self._chunk_size:
                continue
            if location.in_flight < share and (wait or not self._busy(key)):
                return key, self._hand_out(location)
        return None

    def take_from(self, key: str | None) -> list[Row[T]]:
        """A chunk of location ``key``, which :meth:`add` just said may send."""
        return self._hand_out(self._locations[key])

    def input_ended(self) -> None:
        """No more rows will be added: share the workers among the locations left."""
        self._input_ended = True

    def finished(self, key: str | None) -> None:
        """A chunk of location ``key`` finished."""
        location = self._locations[key]
        location.in_flight -= 1
        self.in_flight -= 1
        self._forget_if_idle(key, location)

    def _share(self) -> int:
        """Most chunks one location may have in flight: an even share of the workers (at
        least one) among the locations of the rows read lately, or once the input has ended,
        among those with rows buffered or in flight."""
        active = len(self._locations) if self._input_ended else len(self._recent_rows)
        return max(1, self._workers // max(1, active))

    def _remember(self, key: str | None) -> None:
        recent = self._recent
        if len(recent) == recent.maxlen:
            oldest = recent[0]
            self._recent_rows[oldest] -= 1
            if not self._recent_rows[oldest]:
                del self._recent_rows[oldest]
        recent.append(key)
        self._recent_rows[key] += 1

    def _hand_out(self, location: _Location[T]) -> list[Row[T]]:
        rows = [location.rows.popleft() for _ in range(min(self._chunk_size, len(location.rows)))]
        self.buffered -= len(rows)
        location.in_flight += 1
        self.in_flight += 1
        return rows

    def _forget_if_idle(self, key: str | None, location: _Location[T]) -> None:
        if not (location.in_flight or location.rows or location.queued):
            del self._locations[key]
