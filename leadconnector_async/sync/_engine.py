"""The sync job: read the location once, plan each row, write only the differences.

A bulk job underneath: writes go through :class:`~leadconnector_async.bulk.BulkJob` (same
concurrency, rate limiting, retries and cancellation), and rows are counted by the bulk
:class:`~leadconnector_async._bulk_tally.Tally` (same checkpoint and stop rules). A row is
finished when all of its writes are: its update, upsert or create, then the bulk-tag requests
that add its tags, which go last, grouped to take as few requests as possible. A row whose write
failed gets no tags: they are added only for contacts whose fields were written.

A row no contact has the key of is created (``POST /contacts/``), not upserted: an upsert matches
by email or phone in the order the location's settings give, so a new email whose phone is
another contact's would overwrite that contact. Where the location forbids duplicates the server
refuses such a create (``DuplicateContactError``, naming the contact), and the row fails alone.
A create is never sent twice (its outcome unknown, it fails the row instead), and a sync run
again reads the location again: a contact an earlier run created is then matched, not created
twice. Only the direct plan, which reads nothing, upserts.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, TypedDict

from .._bulk_input import input_failure
from .._bulk_tally import StopRule, Tally, job_failure
from .._request_tally import RequestTally
from ..bulk import BulkJob, ProgressCallback, Rows, per_contact
from ..custom_fields import CustomFieldDirectory
from ..errors import (
    APIError,
    ConfigurationError,
    DuplicateContactError,
    LeadConnectorError,
    RateLimitError,
)
from ..models.bulk import BulkOutcome, BulkProgress
from ..models.contacts import Contact, ContactCreate, ContactUpdate, UpsertResult
from ..models.sync import SyncPlan, SyncResult
from ..models.tags import TagsMode
from ._index import ContactIndex
from ._plan import MatchKey, Planner, RowPlan
from ._policy import budget_error, check_arguments, choose_plan, rate, requests_left
from ._read import LocationReader, by_id, needs_directory, numbered, paths_of, take
from ._tags import TagBatch, TagPlan
from ._waiting import Waiting

if TYPE_CHECKING:
    from ..client import LeadConnector

__all__ = ["SyncOptions", "SyncSettings", "run_sync"]

PEEK = 1000
"""Rows read before the location: when they are the whole input, the index keeps only the
fields they set, and their number chooses the plan."""

_IS_NEW = {"created": True, "updated": False}.get


class SyncOptions(TypedDict, total=False):
    """Keyword options of ``contacts.sync`` beyond match, tags, dry_run and concurrency."""

    location_id: str | None
    start_at: int
    total: int | None
    stop_on_error: bool | StopRule
    on_progress: ProgressCallback | None
    progress_interval: float
    tag_chunk_size: int
    custom_fields: CustomFieldDirectory | None
    default_region: str | None


@dataclass(frozen=True)
class SyncSettings:
    """What :func:`run_sync` was asked to do (see ``ContactsResource.sync``)."""

    match: str = "email"
    tags: TagsMode = "add"
    dry_run: bool = False
    concurrency: int = 20
    location_id: str | None = None
    start_at: int = 0
    total: int | None = None
    stop_on_error: bool | StopRule = False
    on_progress: ProgressCallback | None = None
    progress_interval: float = 0.5
    tag_chunk_size: int = 50
    custom_fields: CustomFieldDirectory | None = None
    default_region: str | None = None


@dataclass(frozen=True, slots=True)
class _Step:
    """One write of one row."""

    index: int
    plan: RowPlan


async def run_sync(
    client: LeadConnector, rows: Rows[ContactCreate], settings: SyncSettings
) -> SyncResult:
    """Run one sync to the end (or until it stops) and report it.

    Raises:
        ConfigurationError: A bad argument, or a ``custom:<field>`` match naming an unknown or
            ambiguous custom field, before anything is written.
    """
    job = _SyncJob(client, rows, settings)
    # Its own context, so that its reads count into its tally (its write jobs count their own).
    return await asyncio.create_task(job.run(), context=job.own.context())


class _SyncJob:
    def __init__(
        self, client: LeadConnector, rows: Rows[ContactCreate], settings: SyncSettings
    ) -> None:
        check_arguments(rows, settings)
        self._client = client
        self._rows = rows
        self._s = settings
        self._location = client.require_location(settings.location_id)
        self._directory = settings.custom_fields
        self._tally: Tally[ContactCreate, str] = Tally(
            settings.start_at, stop_on_error=settings.stop_on_error, is_new=_IS_NEW
        )
        self._tags = TagPlan(settings.tag_chunk_size)
        self._waiting: dict[int, Waiting] = {}
        self._writes = self._undecided = 0
        self._left: int | None = None
        self._budget_stop: RateLimitError | None = None
        self._budget_stop_at: int | None = None
        self._input_error: LeadConnectorError | None = None
        self._started = time.monotonic()
        self.own = RequestTally()  # reads; each write job counts its own
        self._jobs: list[BulkJob[_Step | TagBatch, Any]] = []

    async def run(self) -> SyncResult:
        rows = self._until_failure(numbered(self._rows, self._s.start_at))
        head = await take(rows, PEEK)
        whole = self._whole_input(head)
        named = whole() if whole is not None else (raw for _, raw in head)
        if any(needs_directory(row) for row in named) or self._s.match.startswith("custom:"):
            await self._fetch_directory()
        match = self._match_key()
        reader = LocationReader(self._client, self._location)
        first = await reader.first_page()
        count = len(head) if len(head) < PEEK else self._row_count()
        plan, note = choose_plan(first.total, count, match.custom_field_id is not None)
        index = None
        if plan == "diff":
            # Keep the paths the rows set when all of them are known; otherwise every path, so
            # that no later row sets a field the index cannot compare (and would write blindly).
            paths = paths_of(self._valid(whole()), match) if whole is not None else None
            index = await reader.into(ContactIndex(paths), match)
        else:
            await reader.aclose()
        reads = self.own.sent
        self._left = requests_left(self._client, self._location)
        planner = Planner(index, match, self._s.tags, self._location, self._s.default_region)
        steps = self._steps(_chain(head, rows), planner, direct=plan == "direct")
        if self._s.dry_run:
            async for _ in steps:
                pass
            await self._progress()
        else:
            await self._write(steps)
            stopped = self._tally.stopped_by
            if stopped is None or not self._tally.halts(stopped):
                await self._write_tags()
        if self._input_error is not None:
            self._tally.stop(self._input_error)
        self._sweep()
        return self._result(plan, note, reads, first.total)

    # -- planning ------------------------------------------------------------------------------

    async def _until_failure(
        self, rows: AsyncIterator[tuple[int, object]]
    ) -> AsyncIterator[tuple[int, object]]:
        """The rows, ending at an exception the input raises: the rows read before it are
        written, then the job stops with it (``stopped_by``), as a bulk job does."""
        try:
            async for item in rows:
                yield item
        except Exception as exc:
            self._input_error = input_failure(exc)

    async def _steps(
        self, rows: AsyncIterator[tuple[int, object]], planner: Planner, *, direct: bool
    ) -> AsyncIterator[_Step]:
        async for index, raw in rows:
            if self._tally.stopped_by is not None:
                return
            try:
                if self._directory is None and needs_directory(raw):
                    await self._fetch_directory()
                row = by_id(raw, self._directory)
            except ConfigurationError as error:
                self._tally.record(index, _as_row(raw), error)
                continue
            plan = planner.plan(row)
            if plan.kind in ("failed", "unchanged"):
                self._tally.record(index, row, plan.error or "unchanged")
                continue
            writes = self._writes + plan.writes
            over = self._left is not None and writes + self._tag_cost(plan) > self._left
            if over and self._budget_stop_at is None:
                self._budget_stop_at = index
            if over and not self._s.dry_run:  # (a dry run plans every row, and says where)
                assert self._left is not None
                self._budget_stop = budget_error(self._location, self._left)
                return
            self._writes = writes
            if plan.add_tags:
                self._tags.plan(plan.add_tags)
            verdict = "undecided" if direct and self._s.dry_run else _verdict(plan)
            if self._s.dry_run:
                self._undecided += verdict == "undecided"
                self._tally.record(index, row, verdict)
                continue
            if plan.kind == "tags" and plan.contact_id is not None:
                self._tags.attach(index, plan.contact_id, plan.add_tags)
            parts = int(plan.kind != "tags")
            self._waiting[index] = Waiting(row, verdict, parts, bool(plan.add_tags))
            if parts:
                yield _Step(index, plan)

    def _tag_cost(self, plan: RowPlan) -> int:
        return self._tags.cost_with(plan.add_tags) if plan.add_tags else self._tags.cost()

    # -- writing -------------------------------------------------------------------------------

    async def _write(self, steps: AsyncIterator[_Step]) -> None:
        job: BulkJob[_Step | TagBatch, Any] = self._job(steps)
        async with job:
            async for outcome in job:
                step = outcome.item
                assert isinstance(step, _Step)
                self._wrote(step, outcome)
        self._stop_with(job)

    async def _write_tags(self) -> None:
        batches = self._tags.batches()
        for batch in batches:
            for row in batch.rows:
                self._waiting[row].parts += 1
        for index, waiting in list(self._waiting.items()):
            waiting.tags_due = False
            self._finish_if_done(index, waiting)
        job: BulkJob[_Step | TagBatch, Any] = self._job(batches)
        async with job:
            async for outcome in job:
                done = outcome.item
                assert isinstance(done, TagBatch)
                results = outcome.result if outcome.error is None else None
                for n, row in enumerate(done.rows):
                    value = results[n] if results is not None else outcome.error
                    self._part_done(row, value if isinstance(value, LeadConnectorError) else None)
        self._stop_with(job)

    def _job(self, items: Any) -> BulkJob[_Step | TagBatch, Any]:
        job: BulkJob[_Step | TagBatch, Any] = BulkJob(
            self._client,
            items,
            self._send,
            concurrency=self._s.concurrency,
            on_progress=self._progress,
            progress_interval=self._s.progress_interval,
            stop_on_error=self._s.stop_on_error,
        )
        self._jobs.append(job)
        return job

    def _stop_with(self, job: BulkJob[_Step | TagBatch, Any]) -> None:
        """A write job's stop stops the sync, even when the row it failed is not finished
        (its tags were still to come)."""
        if (stopped := job.result().stopped_by) is not None:
            self._tally.stop(stopped)

    async def _send(self, items: list[_Step | TagBatch]) -> list[Any]:
        (item,) = items
        contacts = self._client.contacts
        if isinstance(item, TagBatch):
            tags = list(item.tags)
            add = per_contact(
                lambda ids: contacts.bulk_tags.add(ids, tags, location_id=self._location)
            )
            return [await add(item.contact_ids)]
        plan = item.plan
        if plan.kind == "update":
            assert plan.contact_id is not None
            assert isinstance(plan.body, ContactUpdate)
            return [await contacts.update(plan.contact_id, plan.body)]
        assert isinstance(plan.body, ContactCreate)
        if plan.kind == "create":
            return [await contacts.create(plan.body)]
        if plan.kind == "direct":
            return [await contacts.upsert(plan.body)]
        assert plan.contact_id is not None
        if plan.first is not None:
            await contacts.update(plan.contact_id, plan.first)
            self._waiting[item.index].first_written = True
        result = await contacts.upsert(plan.body)
        if result.new or result.contact.id != plan.contact_id:
            raise _elsewhere(plan.contact_id, result)
        return [result]

    def _wrote(self, step: _Step, outcome: BulkOutcome[Any, Any]) -> None:
        waiting, plan = self._waiting[step.index], step.plan
        if outcome.error is not None:
            waiting.tags_due = False  # its fields were not written: neither are its tags
            if isinstance(outcome.error, DuplicateContactError) and plan.kind == "create":
                outcome.error.message += _taken(outcome.error, self._s.match)
            _say_what_was_written(outcome.error, waiting.first_written, bool(plan.add_tags))
        else:
            contact_id = plan.contact_id
            if isinstance(outcome.result, UpsertResult) and plan.kind == "direct":
                waiting.verdict = "created" if outcome.result.new else "updated"
                contact_id = outcome.result.contact.id
            elif isinstance(outcome.result, Contact) and plan.kind == "create":
                contact_id = outcome.result.id
            if plan.add_tags and contact_id is not None:
                self._tags.attach(step.index, contact_id, plan.add_tags)
        self._part_done(step.index, outcome.error)

    def _part_done(self, index: int, error: LeadConnectorError | None) -> None:
        waiting = self._waiting[index]
        waiting.parts -= 1
        waiting.error = waiting.error or error
        self._finish_if_done(index, waiting)

    def _finish_if_done(self, index: int, waiting: Waiting) -> None:
        if waiting.parts <= 0 and not waiting.tags_due:
            del self._waiting[index]
            self._tally.record(index, waiting.row, waiting.error or waiting.verdict)

    def _sweep(self) -> None:
        """Rows with writes still out once the job stopped: one a write failed is reported
        with that error; the others (never sent, or their tags not sent) are not finished, so
        they stay above the checkpoint for a rerun or resume, as a bulk job's unsent rows do."""
        for index, waiting in sorted(self._waiting.items()):
            if waiting.error is not None:
                self._tally.record(index, waiting.row, waiting.error)
        self._waiting.clear()

    # -- the plan and the report ------------------------------------------------------------

    async def _fetch_directory(self) -> None:
        if self._directory is None:
            self._directory = await CustomFieldDirectory.fetch(self._client, self._location)

    def _match_key(self) -> MatchKey:
        name, _, reference = self._s.match.partition(":")
        if name != "custom":
            return MatchKey(name)
        assert self._directory is not None
        return MatchKey("custom", self._directory.resolve(reference).id)

    def _whole_input(self, head: list[tuple[int, object]]) -> Callable[[], Iterable[object]] | None:
        """How to go over every row of this run before planning, when that is possible: the
        peek, when it ended the input; a sequence, read again in place (not copied)."""
        if len(head) < PEEK:
            return lambda: (raw for _, raw in head)
        rows = self._rows
        if isinstance(rows, Sequence):
            return lambda: islice(rows, self._s.start_at, None)
        return None

    def _valid(self, rows: Iterable[object]) -> Iterator[ContactCreate]:
        for raw in rows:
            try:
                yield by_id(raw, self._directory)
            except ConfigurationError:
                continue

    def _row_count(self) -> int | None:
        if self._s.total is None and isinstance(self._rows, Sized):
            return max(0, len(self._rows) - self._s.start_at)
        return self._s.total

    def _requests(self) -> tuple[int, int]:
        """This job's requests and 429s so far: its reads and its write jobs'."""
        jobs = [job.result() for job in self._jobs]
        return (
            self.own.sent + sum(r.requests for r in jobs),
            self.own.rate_limited + sum(r.rate_limited for r in jobs),
        )

    async def _progress(self, _: BulkProgress | None = None) -> None:
        if self._s.on_progress is not None:
            elapsed = time.monotonic() - self._started
            progress = self._tally.progress(elapsed, self._s.total, self._requests()[1])
            reply = self._s.on_progress(progress)
            if inspect.isawaitable(reply):
                await reply

    def _result(self, plan: SyncPlan, note: str, reads: int, size: int | None) -> SyncResult:
        done = self._tally.result(time.monotonic() - self._started, *self._requests())
        writes = self._writes + self._tags.cost()
        return SyncResult(
            created=done.created,
            updated=done.updated,
            unchanged=done.ok - done.created - done.updated - self._undecided,
            failed=done.failed,
            requests=done.requests,
            dry_run=self._s.dry_run,
            checkpoint=done.checkpoint,
            stopped_by=done.stopped_by or self._budget_stop,
            budget_stop_at=self._budget_stop_at,
            plan=plan,
            note=note,
            reads=reads,
            writes=writes,
            location_size=size,
            time_at_limit=(reads + writes) / rate(self._client),
            undecided=self._undecided,
            budget_share=writes / self._left if self._left else None,
            elapsed=done.elapsed,
            rate_limited=done.rate_limited,
        )


async def _chain(
    head: list[tuple[int, object]], rest: AsyncIterator[tuple[int, object]]
) -> AsyncIterator[tuple[int, object]]:
    """``head`` (emptied as it goes: its rows are not held to the end), then ``rest``."""
    head.reverse()
    while head:
        yield head.pop()
    async for item in rest:
        yield item


def _elsewhere(contact_id: str, result: UpsertResult) -> LeadConnectorError:
    """The upsert for a matched contact wrote to another one (it matched or created it)."""
    what = "created" if result.new else "updated"
    return LeadConnectorError(
        f"the upsert meant for contact {contact_id} {what} contact {result.contact.id} instead "
        "(the location's duplicate settings match by another field, or the contact was "
        "deleted since it was read); check both contacts"
    )


def _taken(error: DuplicateContactError, match: str) -> str:
    """What a create the location refused as a duplicate collided with (said after the
    server's message): the existing contact is never written to in the row's place."""
    field = error.matching_field or "email or phone"
    contact = f"contact {error.existing_id}" if error.existing_id else "another contact"
    if field == match:  # the row's own key: the contact is newer than the read of the location
        return (
            f"; not created: {contact} already has this row's {field}, and was not in the "
            "location when the sync read it (run the sync again to compare the row with it)"
        )
    return (
        f"; not created, and {contact}, which already has this row's {field}, was left as it "
        f"is (the row matches no contact by {match})"
    )


def _say_what_was_written(error: LeadConnectorError, first_written: bool, tags: bool) -> None:
    """Add to a row's own refusal (400, 404, 422) what was written for the row.

    Not to a job's failure: it is the job's ``stopped_by`` too, and says so itself.
    """
    if not isinstance(error, APIError) or job_failure(error):
        return
    if not first_written:
        error.message += "; nothing was written for this row"
    elif tags:
        error.message += "; the update of its other fields was written, its tags were not added"
    else:
        error.message += "; the update of its other fields was written"


def _verdict(plan: RowPlan) -> str:
    return "created" if plan.kind in ("create", "direct") else "updated"


def _as_row(raw: object) -> ContactCreate:
    return raw if isinstance(raw, ContactCreate) else ContactCreate()
