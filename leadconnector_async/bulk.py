"""One generic concurrent bulk runner: bounded concurrency, lazy input, every row accounted for.

A :class:`BulkJob` has ``concurrency`` workers, each sending one chunk (``chunk_size`` rows) at a
time. It reads its input lazily, and rows of many locations are sent per location (see
:mod:`._bulk_schedule`): a location waiting for its rate limit never holds the others' workers,
and the job reads ahead past its rows, up to ``read_ahead`` rows, so memory stays bounded however
long the input is. Every chunk goes through the client's ``send`` loop (rate limiter, token,
retries), and every row sent comes out exactly once: as a :class:`BulkOutcome` when you iterate
the job, summed up in a :class:`BulkResult` when you ``await job.run()``. A failed row keeps its
error without the traceback (which would hold the request and response alive).

Rows finish out of order, so the checkpoint is a low-water mark: the first row not yet finished.
A restart with ``start_at=checkpoint`` neither skips nor repeats a row that was reported; rows
above it that had already finished are sent again, so resumable jobs should use an operation that
is safe to repeat (upsert, update, delete), not create. When a job stops early, rows read ahead
but not sent are not reported (they lie above the checkpoint, so a resume sends them), and rows
that failed with the error that stops it are reported but stay above the checkpoint too (the
server refused them, or they were never sent), unless the server may have applied them.

An exception the input raises ends the reading, not the job: the rows read before it are sent,
the rows in flight finish, and the job stops with ``stopped_by`` naming it (see
:func:`._bulk_input.input_failure`), its checkpoint past every row read.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sized
from typing import Any, Generic, TypedDict, TypeVar

from ._bulk_input import Reader, Rows
from ._bulk_schedule import Row, Schedule
from ._bulk_senders import RowShape, SendChunk, each, per_contact
from ._bulk_tally import StopRule, Tally
from ._closing import AsyncClosing
from ._job_options import check_job_options
from ._request_tally import RequestTally
from .client import LeadConnector
from .errors import LeadConnectorError
from .models.bulk import BulkOutcome, BulkProgress, BulkResult

__all__ = ["BulkJob", "BulkOptions", "RowShape", "Rows", "SendChunk", "each", "per_contact"]

T = TypeVar("T")
R = TypeVar("R")

ProgressCallback = Callable[[BulkProgress], object]
"""Receives progress; may be a coroutine function (it is awaited)."""

_Finished = list[tuple[int, T, R | LeadConnectorError]]
_Assignment = tuple[str | None, list[Row[T]]]


class BulkOptions(TypedDict, total=False):
    """Keyword options every bulk method accepts; see :class:`BulkJob` for each one."""

    start_at: int
    total: int | None
    stop_on_error: bool | StopRule
    on_progress: ProgressCallback | None
    progress_interval: float
    read_ahead: int


class BulkJob(Generic[T, R], AsyncClosing):
    """A bulk job: iterate it for outcomes as rows finish, or ``await job.run()`` for the result.

    When you may leave the loop early, use ``async with job: async for outcome in job: ...``:
    leaving the block cancels the rows still in flight and waits for them. Cancelling the task
    that runs the job does the same.

    Args:
        client: Sends every request (its rate limiter, token and retries apply).
        items: The rows: any iterable or async iterable, read lazily. An exception it raises
            ends the input: the rows read are still sent and reported, then the job stops,
            ``BulkResult.stopped_by`` naming the exception (its ``__cause__``), the checkpoint
            past every row read.
        send: Sends one chunk of rows and returns one result or error per row.
        concurrency: Chunks in flight at once; never more than the client's pool carries at
            once (``connection_limit``): more would only wait for a connection, and be refused
            (``PoolTimeoutError``) once that wait outgrew a call's time budget.
        chunk_size: Rows per chunk (1: one request per row).
        start_at: Input rows to skip without sending them (a previous run's checkpoint).
        total: Rows this run will process, for progress; ``len(items) - start_at`` when sized.
        stop_on_error: ``True``: stop reading input at the first failed row. A function of the
            error: stop at the first failed row it returns True for, and treat such rows as
            the job's failure (like the ones below). A rejected token, a closed client or a
            spent daily budget always stops the job. Rows already in flight finish and are
            reported; ``BulkResult.stopped_by`` says why it stopped. Rows failed by the job's
            failure stay above the checkpoint, so a resume sends them again (unless the
            server may have applied them: a lost answer, a gateway's 502).
        on_progress: Called with a :class:`BulkProgress` every ``progress_interval`` seconds
            and once at the end (awaited if it returns an awaitable).
        progress_interval: Seconds between progress calls.
        is_new: From a row's result, whether it created (True) or updated (False) a contact.
        location_of: The location a row's call counts against (``None``: the client's). Rows
            are sent per location, so a location waiting for its rate limit (or answering
            slowly) never holds the others' workers.
        read_ahead: Most rows read ahead of the workers. Once the input has shown rows of two
            locations, the job reads past rows of busy locations up to this many, so the
            others keep working; a job on one location reads only what it sends.

    Raises:
        ConfigurationError: A bad argument, before anything is read or sent.
    """

    def __init__(
        self,
        client: LeadConnector,
        items: Rows[T],
        send: SendChunk[T, R],
        *,
        concurrency: int = 20,
        chunk_size: int = 1,
        start_at: int = 0,
        total: int | None = None,
        stop_on_error: bool | StopRule = False,
        on_progress: ProgressCallback | None = None,
        progress_interval: float = 0.5,
        is_new: Callable[[R], bool | None] | None = None,
        location_of: Callable[[T], str | None] | None = None,
        read_ahead: int = 10_000,
    ) -> None:
        check_job_options(
            items,
            concurrency=concurrency,
            start_at=start_at,
            progress_interval=progress_interval,
            chunk_size=chunk_size,
            read_ahead=read_ahead,
        )
        if total is None and isinstance(items, Sized):
            total = max(0, len(items) - start_at)
        self._client = client
        self._reader = Reader(items, start_at, chunk_size)
        self._send = send
        gate = client._pool.admission
        self._concurrency = concurrency if gate is None else min(concurrency, gate.capacity)
        self._location_of = location_of
        self._schedule: Schedule[T] = Schedule(
            self._concurrency, chunk_size, read_ahead, client.would_wait
        )
        self._exhausted = False
        self._total = total
        self._on_progress = on_progress
        self._interval = progress_interval
        self._tally: Tally[T, R] = Tally(start_at, stop_on_error=stop_on_error, is_new=is_new)
        self._started: float | None = None
        self._ended: float | None = None
        self._next_report = 0.0
        self._requests = RequestTally()  # this job's own requests, whatever shares the client
        self._outcomes = self._generate()

    @property
    def checkpoint(self) -> int:
        """Every input row below this index is finished and was reported."""
        return self._tally.checkpoint

    def __aiter__(self) -> AsyncIterator[BulkOutcome[T, R]]:
        return self._outcomes

    async def aclose(self) -> None:
        """Stop the job: cancel the rows in flight and wait for them to end."""
        await self._outcomes.aclose()

    async def run(self) -> BulkResult[T]:
        """Run the job to the end (or until it stops) and return what it did."""
        async with self:
            async for _ in self:
                pass
        return self.result()

    def progress(self) -> BulkProgress:
        """The job's figures so far."""
        return self._tally.progress(self._elapsed(), self._total, self._requests.rate_limited)

    def result(self) -> BulkResult[T]:
        """What the job did so far (all of it once iteration ended)."""
        requests = self._requests
        return self._tally.result(self._elapsed(), requests.sent, requests.rate_limited)

    async def _generate(self) -> AsyncGenerator[BulkOutcome[T, R], None]:
        self._started = time.monotonic()
        self._next_report = self._started + self._interval
        finished: deque[tuple[str | None, _Finished[T, R]]] = deque()
        idle: list[asyncio.Future[_Assignment[T]]] = []
        wake = asyncio.Event()
        workers = [
            asyncio.create_task(self._work(idle, finished, wake), context=self._requests.context())
            for _ in range(self._concurrency)
        ]
        try:
            while True:
                wake.clear()  # set again by any worker that finishes or becomes idle from here
                while finished:
                    key, rows = finished.popleft()
                    self._schedule.finished(key)
                    for row in rows:
                        yield self._tally.record(*row)
                if not self._tally.stopped_by:
                    await self._dispatch(idle)
                if time.monotonic() >= self._next_report:
                    await self._report()
                if self._over() and not finished:
                    break
                await self._wait(wake)
            if self._reader.error is not None:
                self._tally.stop(self._reader.error)
            self._end()
            await self._report()
        finally:
            self._end()
            await _cancel(workers)

    async def _work(
        self,
        idle: list[asyncio.Future[_Assignment[T]]],
        finished: deque[tuple[str | None, _Finished[T, R]]],
        wake: asyncio.Event,
    ) -> None:
        """One of the job's fixed workers: send the chunks it is handed until told to stop."""
        loop = asyncio.get_running_loop()
        while True:
            handed: asyncio.Future[_Assignment[T]] = loop.create_future()
            idle.append(handed)
            wake.set()
            key, rows = await handed
            finished.append((key, await self._send_chunk(rows)))

    async def _dispatch(self, idle: list[asyncio.Future[_Assignment[T]]]) -> None:
        """Hand a chunk to each idle worker: first to locations that can send now (reading
        ahead past rows of busy ones), then to busy ones, to wait for their slots."""
        schedule = self._schedule
        while idle:
            chunk = (
                schedule.take(partial=False, wait=False)
                or await self._read_until_ready()
                or schedule.take(partial=True, wait=False)
                or schedule.take(partial=True, wait=True)
            )
            if chunk is None:
                break
            idle.pop().set_result(chunk)

    async def _read_until_ready(self) -> _Assignment[T] | None:
        """Read rows until one's location can send a full chunk now, or reading must stop."""
        schedule = self._schedule
        while not self._exhausted and schedule.may_read:
            ready = await self._read_into(schedule)
            if ready:
                return ready[0], schedule.take_from(ready[0])
        return None

    async def _read_into(self, schedule: Schedule[T]) -> list[str | None]:
        """Buffer the next chunk of input; return the first location of it that may send now."""
        rows = await self._reader.chunk()
        if not rows:
            self._exhausted = True
            schedule.input_ended()
        ready: list[str | None] = []
        for row in rows:
            key = self._location_of(row[1]) if self._location_of is not None else None
            if key == self._client.location_id:
                key = None  # the client's own location, named or not: one queue
            if schedule.add(key, row) and not ready:
                ready.append(key)
        return ready

    def _over(self) -> bool:
        """Whether nothing is in flight and nothing more will be sent."""
        schedule = self._schedule
        nothing_left = self._exhausted and not schedule.buffered
        return not schedule.in_flight and (nothing_left or self._tally.stopped_by is not None)

    async def _send_chunk(self, rows: list[Row[T]]) -> _Finished[T, R]:
        try:
            results = await self._send([item for _, item in rows])
        except LeadConnectorError as error:
            results = [error] * len(rows)
        except Exception as exc:  # a row we could not even send still has to be accounted for
            unexpected = LeadConnectorError(f"unexpected {type(exc).__name__}: {exc}")
            unexpected.__cause__ = exc
            results = [unexpected] * len(rows)
        return [(index, item, value) for (index, item), value in zip(rows, results, strict=True)]

    async def _wait(self, wake: asyncio.Event) -> None:
        """Wait for a worker to finish or become idle, reporting progress on time meanwhile."""
        if self._on_progress is None:
            await wake.wait()
            return
        try:
            async with asyncio.timeout(self._next_report - time.monotonic()):
                await wake.wait()
        except TimeoutError:
            await self._report()

    async def _report(self) -> None:
        self._next_report = time.monotonic() + self._interval
        if self._on_progress is not None:
            reply = self._on_progress(self.progress())
            if inspect.isawaitable(reply):
                await reply

    def _end(self) -> None:
        if self._ended is None:
            self._ended = time.monotonic()

    def _elapsed(self) -> float:
        if self._started is None:
            return 0.0
        return (self._ended or time.monotonic()) - self._started


async def _cancel(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
