"""What a bulk job reports: per-row outcomes, periodic progress and the final result.

These are plain dataclasses, not wire structs: nothing here is sent or received.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from ..errors import LeadConnectorError

__all__ = ["BulkFailure", "BulkOutcome", "BulkProgress", "BulkResult"]

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class BulkFailure(Generic[T]):
    """One input row that failed.

    Attributes:
        index: The row's position in the input, counting from 0 (skipped rows included).
        item: The row as it was read.
        error: Why it failed, e.g. ``TransportError(outcome_unknown=True)`` when a create may or
            may not have been applied.
    """

    index: int
    item: T
    error: LeadConnectorError


@dataclass(frozen=True, slots=True)
class BulkOutcome(Generic[T, R]):
    """One finished row, as a streaming job yields it.

    Attributes:
        index: The row's position in the input, counting from 0.
        item: The row as it was read.
        result: What the call returned (``None`` when it failed).
        error: Why it failed (``None`` when it succeeded).
        checkpoint: Every row below this index is finished, this one included unless the
            error that stops the job failed it: restart with ``start_at=checkpoint``.
    """

    index: int
    item: T
    result: R | None
    error: LeadConnectorError | None
    checkpoint: int

    @property
    def ok(self) -> bool:
        """True when the row succeeded."""
        return self.error is None


@dataclass(frozen=True, slots=True)
class BulkProgress:
    """A job's figures so far, passed to ``on_progress`` every interval and at the end.

    Attributes:
        done: Rows finished in this run, failed ones included.
        failed: Rows that failed.
        total: Rows this run will process, when known (a sized input, or ``total=``).
        elapsed: Seconds since the job started.
        rate: Rows finished per second so far.
        eta: Seconds left at that rate, when the total is known.
        rate_limited: 429 answers to this job so far (retried by the client).
        checkpoint: Every row below this index is finished (see :class:`BulkOutcome`).
        failed_by_job: Of ``failed``, rows failed by an error that fails the job rather than
            the row: a rejected token, a closed client, the spent daily budget, or an error a
            ``stop_on_error`` function returns True for. ``failed - failed_by_job`` rows failed
            for reasons of their own.
    """

    done: int
    failed: int
    total: int | None
    elapsed: float
    rate: float
    eta: float | None
    rate_limited: int
    checkpoint: int
    failed_by_job: int = 0


@dataclass(frozen=True, slots=True)
class BulkResult(Generic[T]):
    """What a bulk job did: every row it read is either counted in ``ok`` or listed in ``failed``.

    Attributes:
        ok: Rows that succeeded.
        failed: Rows that failed, in the order they finished, each with its cause.
        created: Rows that created a contact (upsert: ``new`` was true; create: every success).
        updated: Rows that changed an existing contact. An upsert retried after a lost answer
            reports ``new=False`` for the contact its first attempt created, so after retries
            these two counts are approximate; ``ok`` is exact.
        elapsed: Seconds the job ran.
        requests: HTTP requests this job sent, retries included (not other calls on the client).
        rate_limited: How many of those the server answered 429.
        checkpoint: Every input row below this index is finished; restart with
            ``start_at=checkpoint`` to resume without skipping or repeating a row. Rows failed
            by the error that stopped the job are not finished: they stay above it.
        stopped_by: The error that stopped the job early (``stop_on_error``, a rejected
            token, a closed client or a spent daily budget), or ``None`` if all input was read.
    """

    ok: int
    failed: list[BulkFailure[T]]
    created: int
    updated: int
    elapsed: float
    requests: int
    rate_limited: int
    checkpoint: int
    stopped_by: LeadConnectorError | None = None

    @property
    def read(self) -> int:
        """Rows read from the input in this run (``ok + len(failed)``)."""
        return self.ok + len(self.failed)
