"""What a change-only sync reports (``client.contacts.sync``): a plain dataclass, not wire data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..errors import LeadConnectorError
from .bulk import BulkFailure
from .contacts import ContactCreate

__all__ = ["SyncPlan", "SyncResult"]

SyncPlan = Literal["diff", "direct"]
"""``diff``: read the location and write only the differences; ``direct``: upsert every row
(chosen when reading the location would cost more requests than writing every row)."""


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a sync did (or, with ``dry_run=True``, what a real run would do).

    Every row read is counted once: ``created + updated + unchanged + undecided + len(failed)``,
    except after a stop (``stopped_by``): rows never sent, or written but their tags not yet
    added, are not counted then; they lie above ``checkpoint``, for a resume.

    Attributes:
        created: Rows that created a contact (dry run: rows matching no contact).
        updated: Rows that changed a contact: fields, tags, or both.
        unchanged: Rows the contact already matched: nothing was sent for them.
        failed: Rows that failed, each with its index, the row and why (no match key, a key
            several contacts share, a row repeating an earlier row's key, an unknown custom
            field, or the server's error); nothing was written for a row that failed before
            sending, and a row whose update or upsert failed gets no tags (when the server
            refused it, its error ends with what was written for the row).
        requests: HTTP requests this job sent: reads and writes, retries included.
        dry_run: True when nothing was written.
        checkpoint: Every row below this index is finished; resume with ``start_at=``. After
            a stop, rows not fully written (never sent, refused by the error that stopped the
            job, or written but their tags not yet added) stay above it.
        stopped_by: Why the job stopped early: a ``RateLimitError`` naming the daily budget
            (the writes needed exceed what is left today), a rejected token, an error
            ``stop_on_error`` picked, the input's exception (as ``__cause__``), ... or ``None``.
        plan: ``"diff"`` or ``"direct"`` (see :data:`SyncPlan`); ``note`` says why.
        note: Why the plan was chosen, when it was not the default ``diff``.
        reads: Requests spent reading (search pages, custom field definitions).
        writes: Write requests the plan needs (sent, in a real run; to be sent, in a dry run).
        location_size: Contacts the location holds, as its first search page said.
        time_at_limit: Seconds ``reads + writes`` take at the location's rate limit.
        budget_share: ``writes`` as a share of the requests left today (``None``: unknown);
            over 1 in a dry run whose writes exceed them.
        budget_stop_at: The index of the first row whose writes no longer fit in the requests
            left today: where a real run stops for the daily budget (``stopped_by``), and where
            a dry run, which plans every row, says it would (``None``: every write fits, or the
            budget is unknown).
        undecided: Rows a dry run of the ``direct`` plan cannot classify (it did not read the
            location); a real run upserts them.
        elapsed: Seconds the job ran.
        rate_limited: 429 answers seen (and retried) while it ran.
    """

    created: int
    updated: int
    unchanged: int
    failed: list[BulkFailure[ContactCreate]]
    requests: int
    dry_run: bool
    checkpoint: int
    stopped_by: LeadConnectorError | None = None
    plan: SyncPlan = "diff"
    note: str = ""
    reads: int = 0
    writes: int = 0
    location_size: int | None = None
    time_at_limit: float = 0.0
    budget_share: float | None = None
    budget_stop_at: int | None = None
    undecided: int = 0
    elapsed: float = 0.0
    rate_limited: int = 0

    @property
    def read(self) -> int:
        """Rows read from the input in this run."""
        return self.created + self.updated + self.unchanged + self.undecided + len(self.failed)
