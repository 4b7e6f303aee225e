"""``leadconnector import FILE``: upsert (or create) every row, rejects to a file, resumable."""

from __future__ import annotations

import asyncio
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import msgspec

from ..client import LeadConnector
from ..models.bulk import BulkProgress, BulkResult
from ..models.contacts import ContactCreate
from .journal import Checkpoint, RejectsFile
from .progress import ProgressDisplay
from .rows import Row, RowError, count_rows, read_rows

_CHECKPOINT_EVERY = 1.0  # seconds between checkpoint writes during a run


@dataclass(frozen=True)
class ImportOptions:
    """What ``import`` was asked to do."""

    path: Path
    create: bool = False
    resume: bool = False
    rejects: Path | None = None
    tag_delimiter: str = ";"
    concurrency: int = 20

    @property
    def rejects_path(self) -> Path:
        return self.rejects or self.path.with_name(self.path.name + ".rejects.csv")


class _Ledger:
    """The file line of every row handed to the bulk job, by job index (4 bytes a row), and
    the rows finished past the job's checkpoint (at most ``concurrency`` of them)."""

    def __init__(self) -> None:
        self.of_index = array("I")
        self.last_read = 0
        self._finished_past: set[int] = set()

    def finished(self, index: int, job_checkpoint: int) -> None:
        self._finished_past.add(index)
        self._finished_past = {i for i in self._finished_past if i >= job_checkpoint}

    def checkpoint(self, path: Path, job_checkpoint: int) -> Checkpoint:
        """Where a rerun with ``--resume`` starts, and which later rows it skips."""
        if job_checkpoint < len(self.of_index):
            next_line = self.of_index[job_checkpoint]
        else:
            next_line = self.last_read + 1
        done = tuple(sorted(self.of_index[i] for i in self._finished_past if i >= job_checkpoint))
        return Checkpoint.for_file(path, next_line, done)


async def run_import(
    client: LeadConnector, options: ImportOptions, out: TextIO, err: TextIO
) -> int:
    """Import ``options.path``; returns the exit code (0 all rows ok, 1 some rows failed).

    Raises:
        ImportFileError: The file cannot be read or its header has an unknown column.
    """
    resumed = _resume_point(options, err)
    start_line = resumed.next_line if resumed else 0
    rows = read_rows(options.path, tag_delimiter=options.tag_delimiter, start_line=start_line)
    rejects = RejectsFile(options.rejects_path, resumed=resumed)
    ledger = _Ledger()
    display = ProgressDisplay(err)
    started = time.monotonic()
    try:
        contacts = _contacts(rows, ledger, rejects, resumed)
        result = await _run_job(client, options, contacts, start_line, ledger, rejects, display)
    except asyncio.CancelledError:
        display.finish()
        print(
            f"interrupted: finished rows are saved; rerun with --resume to continue from "
            f"{Checkpoint.path_for(options.path).name}",
            file=err,
        )
        raise
    finally:
        rejects.close()
    display.finish()
    Checkpoint.clear(options.path)
    _summary(result, rejects, time.monotonic() - started, out)
    return 0 if rejects.count == 0 and result.stopped_by is None else 1


def _resume_point(options: ImportOptions, err: TextIO) -> Checkpoint | None:
    if not options.resume:
        Checkpoint.clear(options.path)
        return None
    checkpoint = Checkpoint.load(options.path)
    if checkpoint is None or not checkpoint.matches(options.path):
        reason = "none was recorded" if checkpoint is None else "the file changed since"
        print(f"--resume: starting from the top ({reason})", file=err)
        return None
    print(f"--resume: continuing from line {checkpoint.next_line}", file=err)
    return checkpoint


def _contacts(
    rows: Iterator[Row | RowError],
    ledger: _Ledger,
    rejects: RejectsFile,
    resumed: Checkpoint | None,
) -> Iterator[ContactCreate]:
    """The rows' contacts, recording each one's line; bad rows go straight to the rejects.

    Rows the interrupted run already finished are skipped, so a resume repeats none of them.
    """
    for verdict in rows:
        ledger.last_read = verdict.line
        if resumed is not None and resumed.is_done(verdict.line):
            continue
        if isinstance(verdict, Row):
            ledger.of_index.append(verdict.line)
            yield verdict.contact
        else:
            rejects.write(verdict.line, verdict.column, verdict.reason, verdict.raw)


async def _run_job(
    client: LeadConnector,
    options: ImportOptions,
    contacts: Iterator[ContactCreate],
    start_line: int,
    ledger: _Ledger,
    rejects: RejectsFile,
    display: ProgressDisplay,
) -> BulkResult[ContactCreate]:
    def on_progress(p: BulkProgress) -> None:
        display.show(p.done, p.failed + rejects.count, p.total, p.rate, p.eta, p.rate_limited)

    contacts_api = client.contacts
    stream = contacts_api.bulk_create_stream if options.create else contacts_api.bulk_upsert_stream
    estimate = max(0, count_rows(options.path) - max(0, start_line - 2))
    job = stream(contacts, concurrency=options.concurrency, total=estimate, on_progress=on_progress)
    next_save = 0.0
    async with job:
        try:
            async for outcome in job:
                ledger.finished(outcome.index, job.checkpoint)
                if outcome.error is not None:
                    rejects.write(ledger.of_index[outcome.index], None, str(outcome.error),
                                  _describe(outcome.item))  # fmt: skip
                if time.monotonic() >= next_save:
                    next_save = time.monotonic() + _CHECKPOINT_EVERY
                    ledger.checkpoint(options.path, job.checkpoint).save(options.path)
        finally:
            ledger.checkpoint(options.path, job.checkpoint).save(options.path)
    return job.result()


def _describe(contact: ContactCreate) -> object:
    return msgspec.to_builtins(contact)


def _summary(
    result: BulkResult[ContactCreate], rejects: RejectsFile, elapsed: float, out: TextIO
) -> None:
    rate = result.read / elapsed if elapsed > 0 else 0.0
    print(
        f"imported: ok {result.ok} (created {result.created}, updated {result.updated}), "
        f"failed {rejects.count}, 429s {result.rate_limited}, "
        f"elapsed {elapsed:.1f}s, {rate:.1f} rows/s",
        file=out,
    )
    if rejects.count:
        print(f"rejected rows (line, column, reason): {rejects.path}", file=out)
    if result.stopped_by is not None:
        print(f"stopped early: {result.stopped_by}", file=out)
