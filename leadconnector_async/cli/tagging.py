"""The tags an import adds, batched through the bulk tags endpoint (many contacts a request).

In ``--tags add`` mode a row is upserted without its tags and then waits here; its tags are
added with other rows' through ``POST /contacts/bulk/tags/update/add``, grouped as ``sync``
groups them (:class:`~leadconnector_async.sync._tags.TagPlan`: by whole tag set or tag by tag,
whichever needs fewer requests). A row is finished only once every request holding it
succeeded, so a crash before then leaves it unfinished in the journal and ``--resume`` upserts
it again and adds its tags (both idempotent: nothing is created twice, no tag is lost).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .._bulk_tally import job_failure
from ..bulk import BulkJob, per_contact
from ..client import LeadConnector
from ..errors import LeadConnectorError
from ..sync._tags import TagBatch, TagPlan
from .reading import Row
from .sending import Imported

CHUNK_SIZE = 50  # contacts per request: the spec's most ids for a bulk call (bulk business)
FLUSH_ROWS = 500  # rows waiting for their tags at most ...
FLUSH_SECONDS = 15.0  # ... and seconds the oldest waits (at the published rate: ~150 rows)


@dataclass(slots=True)
class Tagged:
    """A row whose tags were sent: ``error`` is ``None`` when they were added."""

    row: Row
    imported: Imported
    error: LeadConnectorError | None = None
    batches: int = 0


class TagAdder:
    """Rows waiting for their tags, and the bulk requests that add them.

    Args:
        client: The client to send with.
        concurrency: Requests in flight at once (at most the pool's ``connection_limit``).
    """

    def __init__(self, client: LeadConnector, *, concurrency: int) -> None:
        self._client = client
        self._concurrency = concurrency
        self._plan = TagPlan(CHUNK_SIZE)
        self._waiting: dict[int, Tagged] = {}
        self._oldest = 0.0
        self.requests = self.rate_limited = 0

    def __len__(self) -> int:
        return len(self._waiting)

    def add(self, row: Row, imported: Imported) -> None:
        """``row`` was upserted as ``imported``; its ``imported.tags`` are still to add."""
        if not self._waiting:
            self._oldest = time.monotonic()
        self._plan.plan(imported.tags)
        self._plan.attach(row.line, imported.contact_id, imported.tags)
        self._waiting[row.line] = Tagged(row, imported)

    def due(self) -> bool:
        """True when enough rows (or old enough ones) wait to send their tags now."""
        return len(self._waiting) >= FLUSH_ROWS or (
            bool(self._waiting) and time.monotonic() - self._oldest >= FLUSH_SECONDS
        )

    async def flush(self) -> tuple[list[Tagged], LeadConnectorError | None]:
        """Send every waiting row's tags.

        Returns:
            The rows whose requests were all answered (``error`` set when one failed them),
            and the job-level error that stopped the sending, if one did (the rows it left
            are dropped unfinished: ``--resume`` sends them again).
        """
        batches, self._plan = self._plan.batches(), TagPlan(CHUNK_SIZE)
        waiting, self._waiting = self._waiting, {}
        for batch in batches:
            for line in batch.rows:
                waiting[line].batches += 1
        job: BulkJob[TagBatch, Any] = BulkJob(
            self._client, batches, self._send, concurrency=self._concurrency
        )
        answered: list[Tagged] = []
        stopped: LeadConnectorError | None = None
        async with job:
            async for outcome in job:
                if outcome.error is not None and job_failure(outcome.error):
                    stopped = outcome.error
                    break
                entries = outcome.result  # one entry (or error) per contact, as batch.rows
                for n, line in enumerate(outcome.item.rows):
                    tagged = waiting[line]
                    tagged.batches -= 1
                    error = outcome.error if entries is None else entries[n]
                    if isinstance(error, LeadConnectorError) and tagged.error is None:
                        tagged.error = error
                    if tagged.batches == 0:
                        answered.append(tagged)
        result = job.result()
        self.requests += result.requests
        self.rate_limited += result.rate_limited
        return answered, stopped

    async def _send(self, batches: list[TagBatch]) -> list[Any]:
        (batch,) = batches
        tags = list(batch.tags)
        add = per_contact(lambda ids: self._client.contacts.bulk_tags.add(ids, tags))
        return [await add(batch.contact_ids)]
