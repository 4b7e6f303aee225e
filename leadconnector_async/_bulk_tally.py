"""A bulk job's bookkeeping: every finished row counted once, and the resume checkpoint.

Pure (no I/O, no event loop), so the accounting is tested on its own.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Generic, TypeVar

from ._retry import may_have_been_applied
from .endpoints import names_a_record
from .errors import (
    AuthenticationError,
    ClientClosedError,
    LeadConnectorError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RateLimiterUnavailableError,
    RedirectError,
    ServerError,
    TransportError,
)
from .models.bulk import BulkFailure, BulkOutcome, BulkProgress, BulkResult

T = TypeVar("T")
R = TypeVar("R")

StopRule = Callable[[LeadConnectorError], bool]
"""Says whether a failed row's error stops the whole job (``stop_on_error=`` of a job)."""


class Tally(Generic[T, R]):
    """Counts finished rows and tracks the checkpoint as rows finish in any order.

    A row whose error stops the job (:func:`stops_job`, or what a ``stop_on_error`` function
    picks) is counted as failed but not finished: the checkpoint stays below it, so a resume
    sends it again, unless the server may have applied it (a lost answer, a gateway's 502).

    Args:
        start_at: Index of the first row of this run.
        stop_on_error: ``True``: any failed row stops the job; a function: the failed rows it
            returns True for stop the job (and are left for a resume).
        is_new: From a row's result, whether it created (True) or updated (False) a contact.
    """

    def __init__(
        self,
        start_at: int,
        *,
        stop_on_error: bool | StopRule = False,
        is_new: Callable[[R], bool | None] | None = None,
    ) -> None:
        self.ok = self.created = self.updated = 0
        self.failures: list[BulkFailure[T]] = []
        self.failed_by_job = 0  # of the failures, those whose error halts the job
        self.checkpoint = start_at
        self.stopped_by: LeadConnectorError | None = None
        self._finished_above: list[int] = []  # a heap of finished indices past the checkpoint
        self._stop_on_any = bool(stop_on_error) and not callable(stop_on_error)
        self._rule = stop_on_error if callable(stop_on_error) else None
        self._is_new = is_new

    @property
    def done(self) -> int:
        """Rows finished so far, failed ones included."""
        return self.ok + len(self.failures)

    def record(self, index: int, item: T, value: R | LeadConnectorError) -> BulkOutcome[T, R]:
        """Count one finished row and return its outcome, checkpoint included."""
        finished = True
        if isinstance(value, LeadConnectorError):
            self.failures.append(BulkFailure(index, item, _without_traceback(value)))
            halts = self.halts(value)
            self.failed_by_job += halts
            if halts or self._stop_on_any:
                self.stop(value)
            finished = not halts or may_have_been_applied(value)
            result, error = None, value
        else:
            self.ok += 1
            new = self._is_new(value) if self._is_new is not None else None
            self.created += new is True
            self.updated += new is False
            result, error = value, None
        if finished:
            self._advance(index)
        return BulkOutcome(index, item, result, error, self.checkpoint)

    def halts(self, error: LeadConnectorError) -> bool:
        """Whether ``error`` fails the job rather than its row: it stops the job, and the row
        it failed is not finished."""
        return stops_job(error) or (self._rule is not None and self._rule(error))

    def stop(self, error: LeadConnectorError) -> None:
        """Stop the job for ``error``, unless it already stopped."""
        if self.stopped_by is None:
            self.stopped_by = error

    def progress(self, elapsed: float, total: int | None, rate_limited: int) -> BulkProgress:
        """The figures so far, with the rate and the time left at that rate."""
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = max(0, total - self.done) / rate if total is not None and rate > 0 else None
        return BulkProgress(
            done=self.done,
            failed=len(self.failures),
            total=total,
            elapsed=elapsed,
            rate=rate,
            eta=eta,
            rate_limited=rate_limited,
            checkpoint=self.checkpoint,
            failed_by_job=self.failed_by_job,
        )

    def result(self, elapsed: float, requests: int, rate_limited: int) -> BulkResult[T]:
        """Everything counted so far as a :class:`BulkResult`."""
        return BulkResult(
            ok=self.ok,
            failed=list(self.failures),
            created=self.created,
            updated=self.updated,
            elapsed=elapsed,
            requests=requests,
            rate_limited=rate_limited,
            checkpoint=self.checkpoint,
            stopped_by=self.stopped_by,
        )

    def _advance(self, index: int) -> None:
        if index != self.checkpoint:
            heapq.heappush(self._finished_above, index)
            return
        self.checkpoint += 1
        while self._finished_above and self._finished_above[0] == self.checkpoint:
            heapq.heappop(self._finished_above)
            self.checkpoint += 1


def stops_job(error: LeadConnectorError) -> bool:
    """Errors after which every further row would fail the same way: every job stops on them."""
    spent_daily_budget = isinstance(error, RateLimitError) and error.status_code is None
    return isinstance(error, AuthenticationError | ClientClosedError) or spent_daily_budget


def job_failure(error: LeadConnectorError) -> bool:
    """True for a failure of the job rather than of its row, as the command line's jobs tell
    them (every later row would fail alike: an unreachable or failing server, a rejected token
    or scope, a spent budget, an unreachable shared rate limiter, a redirect (the API never
    sends one: a wrong base URL or something in front of it), a 404 to a path that names no
    record, such as ``POST /contacts/upsert`` behind a wrong base URL); False for the row's own
    (400, 422, a 404 to a path naming the row's contact by id). A library job stops only on
    :func:`stops_job` unless given this as its ``stop_on_error``: one failing row does not
    prove an outage to every caller.
    """
    job_level = (
        PermissionDeniedError,
        RateLimitError,
        RedirectError,
        ServerError,
        TransportError,
        RateLimiterUnavailableError,
    )
    return stops_job(error) or isinstance(error, job_level) or _no_such_route(error)


def _no_such_route(error: LeadConnectorError) -> bool:
    """A 404 to a path with no id in it: what is missing is the route, nothing of the row's
    (a 400 saying "not found" stays the row's: it names something the row sent, such as a
    custom field)."""
    return (
        isinstance(error, NotFoundError)
        and error.status_code == 404
        and error.path_template is not None
        and not names_a_record(error.path_template)
    )


def _without_traceback(error: LeadConnectorError) -> LeadConnectorError:
    """Drop the tracebacks of ``error`` and of its causes: their frames hold the request and
    response alive (kilobytes per failed row) long after the message says what went wrong."""
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.__traceback__ = None
        link = link.__cause__ or link.__context__
    return error
