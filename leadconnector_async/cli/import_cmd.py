"""``leadconnector import FILE``: every row upserted (or created), rejected, or left for a resume.

A row's own problem (bad email, a 422, a repeat in the file) sends it to the rejects file with
its line and reason. A problem of the job (server unreachable, token refused, daily budget
spent) stops the import with its journal, so ``--resume`` carries on once it is fixed.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .._bulk_tally import job_failure
from .._job_options import check_job_options
from .._retry import may_have_been_applied
from ..bulk import BulkJob, each
from ..client import LeadConnector
from ..custom_fields import CustomFieldDirectory
from ..errors import LeadConnectorError
from ..models.bulk import BulkProgress
from ..models.tags import TagsMode
from .columns import IGNORE, ImportFileError
from .exit_codes import EXIT_OK, EXIT_REJECTS, EXIT_STOPPED
from .exported import left_out_note
from .hygiene import Hygiene, as_written_note, check_region
from .journal import Journal, JournalError, ResumeState, is_complete, journal_path, load_journal
from .paths import check_apart, check_output, same_file
from .progress import ProgressDisplay
from .reading import (
    ContactFile,
    ReadOptions,
    Row,
    RowError,
    count_rows,
    open_contacts,
)
from .rejects import RejectsFile, rejects_path_for
from .sending import Imported, RowSender
from .session import custom_field_definitions
from .tagging import TagAdder

_LEASE_ROWS = 64  # rows leased (journalled as maybe-sent) per fsync


@dataclass(frozen=True)
class ImportOptions:
    """What ``import`` was asked to do."""

    path: Path
    create: bool = False
    resume: bool = False
    restart: bool = False
    rejects: Path | None = None
    tags: TagsMode = "add"
    concurrency: int = 20
    read: ReadOptions = field(default_factory=ReadOptions)
    journal: Path | None = None

    @property
    def rejects_path(self) -> Path:
        return rejects_path_for(self.path, self.rejects)

    @property
    def journal_path(self) -> Path:
        """Where progress is saved: ``journal``, else beside the file (``FILE.journal``)."""
        return self.journal or journal_path(self.path)


@dataclass
class _Counts:
    created: int = 0
    updated: int = 0
    found: int = 0
    skipped: int = 0
    requests: int = 0
    rate_limited: int = 0
    elapsed: float = 0.0

    def add(self, imported: Imported) -> None:
        if imported.found:
            self.found += 1
        elif imported.created:
            self.created += 1
        else:
            self.updated += 1

    @property
    def ok(self) -> int:
        return self.created + self.updated + self.found


def options_from_args(args: argparse.Namespace) -> ImportOptions:
    """The import options the command line was given.

    Raises:
        ImportFileError: A ``--map`` without ``=``, or an unknown ``--default-region``.
    """
    return ImportOptions(
        args.file,
        args.create,
        args.resume,
        args.restart,
        args.rejects,
        args.tags,
        args.concurrency,
        read_options(args),
        args.journal,
    )


def read_options(args: argparse.Namespace) -> ReadOptions:
    """How the command line says to read the file (``import`` and ``sync`` alike).

    Raises:
        ImportFileError: A ``--map`` without ``=``, or an unknown ``--default-region``.
    """
    mapping: dict[str, str] = {}
    for pair in args.map:
        column, equals, target = pair.rpartition("=")
        if not equals or not column.strip():
            raise ImportFileError(f'--map {pair!r}: expected "Column=field"')
        mapping[column.strip()] = target.strip() or IGNORE
    region = args.default_region.upper() if args.default_region else None
    if region is not None:
        check_region(region)
    hygiene = Hygiene(tag_delimiters=args.tag_delimiter, default_region=region)
    return ReadOptions(args.delimiter, args.encoding, mapping, hygiene)


def check_import(options: ImportOptions) -> None:
    """Check the file and the saved progress before anything else happens (credentials,
    requests), so a usage error never costs saved progress.

    Raises:
        ImportFileError: As :func:`run_import`.
        ConfigurationError: A bad ``--concurrency``; the journal or the rejects file cannot be
            written (see :func:`~.paths.check_output`), or would overwrite the input file or
            each other.
    """
    check_job_options((), concurrency=options.concurrency, start_at=0, progress_interval=1.0)
    journal = options.journal_path
    check_apart(options.path, {"--journal": journal})  # before it is read as one
    check_output(journal, "--journal")
    with open_contacts(options.path, options.read):
        rejects = rejects_path(options, resume_state(options))
    check_apart(options.path, {"--rejects": rejects, "--journal": journal})
    check_output(rejects, "--rejects")


def resume_state(options: ImportOptions) -> ResumeState | None:
    """The interrupted run's state with ``--resume``; ``None`` for a fresh start.

    Raises:
        JournalError: ``--resume`` without a usable journal, or a journal exists and neither
            ``--resume`` nor ``--restart`` says what to do with it.
    """
    path = options.journal_path
    if options.resume:
        if not path.exists():
            elsewhere = "" if options.journal else " (--journal names one saved elsewhere)"
            raise JournalError(
                f"--resume: no saved progress for {options.path} in {path}{elsewhere}, "
                "so nothing was sent: run it without --resume"
            )
        return _check_rejects(options, load_journal(options.path, path))
    if path.exists() and not options.restart and not is_complete(options.path, path):
        raise JournalError(
            f"{options.path} has saved progress from an interrupted import "
            f"({path}): pass --resume to continue it, or --restart "
            "to import the file from the top"
        )
    return None


def rejects_path(options: ImportOptions, resumed: ResumeState | None) -> Path:
    """Where the rejects go: a resumed import's go where its journal says the earlier ones
    are, else as :attr:`ImportOptions.rejects_path`."""
    if resumed is not None and resumed.rejects is not None:
        return resumed.rejects
    return options.rejects_path


def _check_rejects(options: ImportOptions, resumed: ResumeState) -> ResumeState:
    """``resumed``, unless the resume would lose the earlier rejects: a ``--rejects`` other
    than the one the journal names, or a rejects file gone while the journal names rejects.

    Raises:
        JournalError: As said.
    """
    if resumed.complete:
        return resumed  # nothing to resume, nothing to lose
    recorded = resumed.rejects
    if recorded is not None and options.rejects and not same_file(options.rejects, recorded):
        raise JournalError(
            f"--rejects {options.rejects}: the interrupted import of {options.path} wrote its "
            f"rejects to {recorded}, and a resume adds to them there: resume without --rejects "
            "(or with that file), or use --restart to import the file from the top"
        )
    path = rejects_path(options, resumed)
    if resumed.rejected and not path.exists():
        raise JournalError(
            f"--resume: {path}, the rejects file of the interrupted import, is gone: it held "
            f"{len(resumed.rejected)} rejected rows that a resume does not read again. Put it "
            "back, or use --restart to import the file from the top"
        )
    return resumed


async def run_import(
    client: LeadConnector, options: ImportOptions, out: TextIO, err: TextIO
) -> int:
    """Import ``options.path``; returns the exit code (0 ok, 1 rows rejected, 3 stopped).

    Raises:
        ImportFileError: The file cannot be read, a column is unknown, or the journal cannot
            be used (all before anything is sent or any saved progress is touched).
    """
    with open_contacts(options.path, options.read) as probe:
        named = probe.names_custom_fields
    fields = await custom_field_definitions(client, err) if named else None
    directory = CustomFieldDirectory(fields) if fields is not None else None
    with open_contacts(options.path, options.read, custom_fields=directory) as contacts:
        resumed = resume_state(options)
        if resumed is not None and resumed.complete:
            print(f"--resume: {options.path} was imported completely; nothing to do", file=out)
            return EXIT_REJECTS if resumed.complete_rejects else EXIT_OK
        if resumed is not None:
            print(f"--resume: continuing ({len(resumed.rejected)} earlier rejects kept)", file=err)
        rejects = RejectsFile(
            rejects_path(options, resumed),
            contacts.header,
            contacts.delimiter or ",",
            keep=resumed.rejected.__contains__ if resumed else None,
        )
        journal = Journal(options.path, rejects, resumed, path=options.journal_path)
        finished = False
        try:
            counts, stopped = await _run(client, options, contacts, journal, rejects, resumed, err)
            finished = stopped is None
        finally:
            journal.close(finished=finished)
            rejects.close()
    _summary(counts, rejects, out)
    if note := as_written_note(contacts.phones_as_written):
        print(note, file=out)
    if note := left_out_note(contacts.left_out):
        print(note, file=out)
    if stopped is not None:
        print(f"stopped: {type(stopped).__name__}: {stopped}", file=err)
        print(
            f"progress is saved in {journal.path}: fix the cause, then rerun with --resume",
            file=err,
        )
        return EXIT_STOPPED
    return EXIT_REJECTS if rejects.count else EXIT_OK


async def _run(
    client: LeadConnector,
    options: ImportOptions,
    contacts: ContactFile,
    journal: Journal,
    rejects: RejectsFile,
    resumed: ResumeState | None,
    err: TextIO,
) -> tuple[_Counts, LeadConnectorError | None]:
    counts = _Counts()
    started = time.monotonic()
    display = ProgressDisplay(err)
    total = count_rows(options.path)
    sender = RowSender(
        client,
        create=options.create,
        tags=options.tags,
        maybe_sent=resumed.maybe_sent if resumed else None,
    )

    tagger = TagAdder(client, concurrency=options.concurrency)

    def on_progress(p: BulkProgress) -> None:
        done = counts.ok + counts.skipped + rejects.count + len(tagger)
        eta = max(0, total - done) / p.rate if p.rate > 0 else None
        display.show(done, max(total, done), rejects.count, p.rate, eta, p.rate_limited)

    rows = _leased_rows(contacts, journal, resumed, counts)
    # A job-level failure stops the job from sending more rows, and the rows in flight still
    # report: each is journalled as done or rejected, so a resume neither repeats nor has to
    # look up a row that was answered after the failure.
    job = BulkJob(
        client,
        rows,
        each(_journalled(sender, journal), Row),
        concurrency=options.concurrency,
        on_progress=on_progress,
        stop_on_error=job_failure,
    )
    stopped: LeadConnectorError | None = None
    try:
        async with job:
            async for outcome in job:
                row = outcome.item
                if outcome.error is None:
                    assert outcome.result is not None
                    if outcome.result.tags:
                        tagger.add(row, outcome.result)
                        if (
                            stopped is None
                            and tagger.due()
                            and (stopped := await _add_tags(tagger, journal, counts))
                        ):
                            break  # (the job does not know the tags stopped: end it here)
                        continue
                    counts.add(outcome.result)
                    journal.done(row.line)
                elif job_failure(outcome.error):
                    stopped = stopped or outcome.error  # left leased, for the resume
                else:
                    journal.rejected(row.line, None, str(outcome.error), row.raw)
        if stopped is None:
            stopped = await _add_tags(tagger, journal, counts)
    finally:
        display.finish()
    result = job.result()
    counts.requests = result.requests + tagger.requests
    counts.rate_limited = result.rate_limited + tagger.rate_limited
    counts.elapsed = time.monotonic() - started
    stopped = stopped or result.stopped_by  # (the rows failing to be read stop the job too)
    raise_file_error(stopped)
    return counts, stopped


def raise_file_error(stopped: LeadConnectorError | None) -> None:
    """Raise the ``OSError`` a job stopped for: a file failed under way (the input, or a file
    of ours the rows write to, such as the journal), which the command line reports as a file
    error once the rows in flight are finished and recorded. (The library's own errors never
    carry an ``OSError`` as their cause.)"""
    cause = stopped.__cause__ if stopped is not None else None
    if isinstance(cause, OSError):
        raise cause


def _journalled(
    sender: RowSender, journal: Journal
) -> Callable[[Row], Coroutine[Any, Any, Imported]]:
    """``sender``, telling ``journal`` which rows were handed to the server (a stop records
    the others as unsent, so their resume needs no lookup)."""

    async def send(row: Row) -> Imported:
        journal.sending(row.line)
        try:
            return await sender(row)
        except LeadConnectorError as error:
            if not may_have_been_applied(error):
                journal.unapplied(row.line)
            raise

    return send


async def _add_tags(
    tagger: TagAdder, journal: Journal, counts: _Counts
) -> LeadConnectorError | None:
    """Add the waiting rows' tags and finish those rows; the job-level error that stopped it."""
    answered, stopped = await tagger.flush()
    for tagged in answered:
        row = tagged.row
        if tagged.error is None:
            counts.add(tagged.imported)
            journal.done(row.line)
        else:
            reason = f"upserted, but its tags were not added: {tagged.error}"
            journal.rejected(row.line, "tags", reason, row.raw)
    return stopped


def _leased_rows(
    contacts: ContactFile, journal: Journal, resumed: ResumeState | None, counts: _Counts
) -> Iterator[Row]:
    """The rows to send, each leased in the journal before it is handed out; rejected rows go
    to the rejects, and rows an earlier run finished are skipped."""
    batch: list[Row | RowError] = []

    def flush() -> Iterator[Row]:
        rows = [v for v in batch if isinstance(v, Row)]
        if rows:
            journal.lease([r.line for r in rows])
        for verdict in batch:
            if isinstance(verdict, RowError):
                journal.rejected(verdict.line, verdict.column, verdict.reason, verdict.raw)
        batch.clear()
        return iter(rows)

    for verdict in contacts:
        if resumed is not None and resumed.is_finished(verdict.line):
            journal.skipped(verdict.line)
            # an earlier reject is counted as kept in the rejects file, not again here
            counts.skipped += verdict.line not in resumed.rejected
            continue
        batch.append(verdict)
        if len(batch) >= _LEASE_ROWS:
            yield from flush()
    yield from flush()


def _summary(counts: _Counts, rejects: RejectsFile, out: TextIO) -> None:
    found = f", {counts.found} found already created" if counts.found else ""
    skipped = f", {counts.skipped} finished earlier" if counts.skipped else ""
    print(
        f"imported: ok {counts.ok} (created {counts.created}, updated {counts.updated}{found}), "
        f"rejected {rejects.count}{skipped}, requests {counts.requests}, "
        f"429s {counts.rate_limited}, "
        f"elapsed {counts.elapsed:.1f}s",
        file=out,
    )
    if rejects.count:
        print(f"rejected rows (fix them and import this file as is): {rejects.path}", file=out)
