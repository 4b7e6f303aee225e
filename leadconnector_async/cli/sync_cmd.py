"""``leadconnector sync FILE``: make the location's contacts what the file says, writing only
what differs (``--dry-run``: say what that would take, write nothing).

The file is read as ``import`` reads it (column mapping, ``custom:<name or key>`` columns, row
hygiene, rejects), and tells a row's problem from the job's as ``import`` does: a row's own goes
to the rejects; the job's (server unreachable or failing, token refused, daily budget spent)
stops the sync, and the rows it left unwritten are not rejects. A sync needs no journal: run it
again after an interruption or a stop, and the rows already written compare equal and cost
nothing.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .._bulk_tally import job_failure
from ..client import LeadConnector
from ..custom_fields import CustomFieldDirectory
from ..models.bulk import BulkProgress
from ..models.contacts import ContactCreate
from ..models.sync import SyncResult
from ..models.tags import TagsMode
from ..sync import SyncSettings
from ..sync._policy import check_arguments
from .exit_codes import EXIT_OK, EXIT_REJECTS, EXIT_STOPPED
from .exported import left_out_note
from .hygiene import as_written_note
from .import_cmd import raise_file_error
from .paths import check_apart, check_output
from .reading import ContactFile, ReadOptions, Row, count_rows, open_contacts
from .rejects import RejectsFile, rejects_path_for


@dataclass(frozen=True)
class SyncCommand:
    """What ``sync`` was asked to do."""

    path: Path
    dry_run: bool = False
    match: str = "email"
    tags: TagsMode = "add"
    rejects: Path | None = None
    concurrency: int = 20
    read: ReadOptions = field(default_factory=ReadOptions)

    @property
    def rejects_path(self) -> Path:
        return rejects_path_for(self.path, self.rejects)


def check_sync(command: SyncCommand) -> None:
    """Check the file's shape before credentials or requests.

    Raises:
        ImportFileError: The file cannot be read or a column is unknown.
        ConfigurationError: A bad ``--concurrency`` or ``--match``; the rejects file cannot be
            written (no such folder, a folder) or would overwrite the input file.
    """
    settings = SyncSettings(command.match, command.tags, concurrency=command.concurrency)
    check_arguments((), settings)
    check_apart(command.path, {"--rejects": command.rejects_path})
    check_output(command.rejects_path, "--rejects")
    with open_contacts(command.path, command.read):
        pass


async def run_sync(client: LeadConnector, command: SyncCommand, out: TextIO, err: TextIO) -> int:
    """Sync ``command.path``; returns the exit code (0 ok, 1 rows rejected, 3 stopped).

    Raises:
        ImportFileError: The file cannot be read, or a column names an unknown custom field
            (before anything is written).
        CustomFieldError: ``--match custom:FIELD`` names no custom field, or several (before
            the rejects file is opened).
    """
    from .progress import ProgressDisplay

    with open_contacts(command.path, command.read) as probe:
        named = probe.names_custom_fields or command.match.startswith("custom:")
    directory = await CustomFieldDirectory.fetch(client) if named else None
    if directory is not None and command.match.startswith("custom:"):
        directory.resolve(command.match.partition(":")[2])  # before the rejects file is opened
    display = ProgressDisplay(err)
    total = count_rows(command.path)
    lines = array("I")  # the file line of every row handed to the sync, by its index
    started = time.monotonic()
    result: SyncResult | None = None
    with open_contacts(command.path, command.read, custom_fields=directory) as contacts:
        rejects = RejectsFile(command.rejects_path, contacts.header, contacts.delimiter or ",")
        try:

            def on_progress(p: BulkProgress) -> None:
                # The sync stops on job_failure, so the rows it failed are those failed_by_job
                # counts: not rejects (the next run writes them), as in _reject_failed.
                rejected = p.failed - p.failed_by_job + rejects.count
                display.show(p.done, total, rejected, p.rate, p.eta, p.rate_limited)

            result = await client.contacts.sync(
                _rows(contacts, rejects, lines),
                match=command.match,
                tags=command.tags,
                dry_run=command.dry_run,
                concurrency=command.concurrency,
                stop_on_error=job_failure,
                total=total,
                on_progress=on_progress,
                custom_fields=directory,
            )
            raise_file_error(result.stopped_by)
        finally:
            display.finish()
            if result is not None:
                _reject_failed(command, directory, rejects, lines, result)
            rejects.close()
    assert result is not None  # the sync either returned or raised through the finally
    _summary(result, rejects, time.monotonic() - started, out)
    if result.dry_run and result.budget_stop_at is not None:
        print(
            f"a real run stops for today's request budget at line {lines[result.budget_stop_at]}"
            ", having written the rows before it: run it again once the budget resets",
            file=out,
        )
    if note := as_written_note(contacts.phones_as_written):
        print(note, file=out)
    if note := left_out_note(contacts.left_out):
        print(note, file=out)
    if result.stopped_by is not None:
        print(f"stopped: {type(result.stopped_by).__name__}: {result.stopped_by}", file=err)
        print(
            "run the same sync again once the cause is fixed: rows already written compare "
            "equal and cost nothing",
            file=err,
        )
        return EXIT_STOPPED
    return EXIT_REJECTS if rejects.count else EXIT_OK


def _rows(
    contacts: ContactFile, rejects: RejectsFile, lines: array[int]
) -> Iterator[ContactCreate]:
    for verdict in contacts:
        if isinstance(verdict, Row):
            lines.append(verdict.line)
            yield verdict.contact
        else:
            rejects.write(verdict.line, verdict.column, verdict.reason, verdict.raw)


def _reject_failed(
    command: SyncCommand,
    directory: CustomFieldDirectory | None,
    rejects: RejectsFile,
    lines: array[int],
    result: SyncResult,
) -> None:
    """Write the rows the sync failed for their own reasons to the rejects, as the file had
    them (read again: the sync keeps no row's cells). A row failed by the job's failure (the
    one that stopped it) is not a reject: the next run writes it."""
    rejected = [f for f in result.failed if not job_failure(f.error)]
    if not rejected:
        return
    reasons = {lines[f.index]: str(f.error) for f in rejected if f.index < len(lines)}
    with open_contacts(command.path, command.read, custom_fields=directory) as again:
        for verdict in again:
            if isinstance(verdict, Row) and verdict.line in reasons:
                rejects.write(verdict.line, None, reasons[verdict.line], verdict.raw)


def _summary(result: SyncResult, rejects: RejectsFile, elapsed: float, out: TextIO) -> None:
    if result.plan == "direct":
        print(f"plan: {result.note}", file=out)
    seconds = result.time_at_limit
    at_limit = f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.1f} s"
    budget = f", {result.budget_share:.2%} of today's budget" if result.budget_share else ""
    if result.dry_run:
        undecided = f", {result.undecided} to upsert" if result.undecided else ""
        print(
            f"dry run: would create {result.created}, update {result.updated}{undecided}, "
            f"leave {result.unchanged} unchanged; {rejects.count} rows rejected",
            file=out,
        )
        print(
            f"a real run sends {result.writes} write requests after {result.reads} read "
            f"requests: {at_limit} at the rate limit{budget}; nothing was written",
            file=out,
        )
    else:
        print(
            f"synced: created {result.created}, updated {result.updated}, unchanged "
            f"{result.unchanged}, rejected {rejects.count}; {result.requests} requests "
            f"({result.reads} reads, {at_limit} at the rate limit{budget}), 429s "
            f"{result.rate_limited}, elapsed {elapsed:.1f}s",
            file=out,
        )
    if rejects.count:
        print(f"rejected rows (line, column, reason): {rejects.path}", file=out)
