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


class _Lines:
    """The file line of every row handed to the bulk job, by job index (4 bytes a row)."""

    def __init__(self) -> None:
        self.of_index = array("I")
        self.last_read = 0

    def next_line(self, checkpoint: int) -> int:
        """The first line not yet finished, given the job's checkpoint."""
        if checkpoint < len(self.of_index):
            return self.of_index[checkpoint]
        return self.last_read + 1


async def run_import(
    client: LeadConnector, options: ImportOptions, out: TextIO, err: TextIO
) -> int:
    """Import ``options.path``; returns the exit code (0 all rows ok, 1 some rows failed).

    Raises:
        ImportFileError: The file cannot be read or its header has an unknown column.
    """
    start_line = _resume_line(options, err)
    rows = read_rows(options.path, tag_delimiter=options.tag_delimiter, start_line=start_line)
    rejects = RejectsFile(options.rejects_path, keep_below=start_line if start_line else None)
    lines = _Lines()
    display = ProgressDisplay(err)
    started = time.monotonic()
    try:
        contacts = _contacts(rows, lines, rejects)
        result = await _run_job(client, options, contacts, start_line, lines, rejects, display)
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


def _resume_line(options: ImportOptions, err: TextIO) -> int:
    if not options.resume:
        Checkpoint.clear(options.path)
        return 0
    checkpoint = Checkpoint.load(options.path)
    if checkpoint is None or not checkpoint.matches(options.path):
        reason = "none was recorded" if checkpoint is None else "the file changed since"
        print(f"--resume: starting from the top ({reason})", file=err)
        return 0
    print(f"--resume: continuing from line {checkpoint.next_line}", file=err)
    return checkpoint.next_line


def _contacts(
    rows: Iterator[Row | RowError], lines: _Lines, rejects: RejectsFile
) -> Iterator[ContactCreate]:
    """The rows' contacts, recording each one's line; bad rows go straight to the rejects."""
    for verdict in rows:
        lines.last_read = verdict.line
        if isinstance(verdict, Row):
            lines.of_index.append(verdict.line)
            yield verdict.contact
        else:
            rejects.write(verdict.line, verdict.column, verdict.reason, verdict.raw)


async def _run_job(
    client: LeadConnector,
    options: ImportOptions,
    contacts: Iterator[ContactCreate],
    start_line: int,
    lines: _Lines,
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
                if outcome.error is not None:
                    rejects.write(lines.of_index[outcome.index], None, str(outcome.error),
                                  _describe(outcome.item))  # fmt: skip
                if time.monotonic() >= next_save:
                    next_save = time.monotonic() + _CHECKPOINT_EVERY
                    _save_checkpoint(options.path, lines, job.checkpoint)
        finally:
            _save_checkpoint(options.path, lines, job.checkpoint)
    return job.result()


def _save_checkpoint(path: Path, lines: _Lines, job_checkpoint: int) -> None:
    Checkpoint.for_file(path, lines.next_line(job_checkpoint)).save(path)


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
