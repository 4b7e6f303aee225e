"""What an import leaves behind, durable against ``kill -9``: the journal and the rejects file.

The journal (``FILE.journal``, or where ``--journal`` says) is append-only JSON lines: a header
naming the input file and its rejects file (a ``--resume`` keeps the earlier rejects there), then
``{"lease": L}`` records (rows on lines up to L may have been sent: written and fsynced before
any of them is) and ``{"upto": U, "done": [...], "rejected": [...]}`` records (every row before
line U is finished, and so are the listed lines). The rejects file is flushed and fsynced
before the journal records a row as rejected, so every rejected line the journal names is in it.
A run that stops (a job-level error, Ctrl-C) ends with ``{"unsent": [...]}``: leased rows it
knows no request of its own or of an earlier run can have applied (never handed to the server,
or refused before acting); a later lease of such a row says ``{"relet": [...]}``.

``--resume`` replays the journal: finished rows are skipped, the rejects it names are kept, and
rows that were leased but not finished (in flight at the crash) are known, so a create can be
checked on the server before it is sent again. Rows recorded as unsent are sent as any other:
no lookup, and no reject for a row that has nothing to look up by. A finished import leaves a
journal that says ``{"complete": true}``: resuming it does nothing, and a new import of the file
replaces it.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .columns import ImportFileError
from .durable import flush_to_disk
from .paths import partial_path
from .rejects import RejectsFile

_BATCH_ROWS = 50  # finished rows between syncs at most ...
_BATCH_SECONDS = 0.5  # ... and seconds between syncs at most


class JournalError(ImportFileError):
    """The journal cannot be used: missing when resuming, damaged, or for a changed file."""


@dataclass
class ResumeState:
    """What an interrupted run finished, replayed from its journal."""

    upto: int = 0
    finished: set[int] = field(default_factory=set)
    rejected: set[int] = field(default_factory=set)
    lease: int = 0
    unsent: set[int] = field(default_factory=set)
    """Leased, unfinished rows that no run can have applied."""
    complete: bool = False
    """The run finished every row; there is nothing to resume."""
    complete_rejects: int = 0
    rejects: Path | None = None
    """Where the interrupted run wrote its rejects (``None`` in a journal from before the
    journal recorded it)."""

    def is_finished(self, line: int) -> bool:
        """True when the interrupted run finished the row on ``line`` (done or rejected)."""
        return line < self.upto or line in self.finished

    def maybe_sent(self, line: int) -> bool:
        """True when the row on ``line`` may have reached the server without being finished."""
        return line <= self.lease and not self.is_finished(line) and line not in self.unsent


def journal_path(input_path: Path) -> Path:
    return input_path.with_name(input_path.name + ".journal")


_REJECTS = "rejects"  # the header's record of the rejects file, beside the input's identity


def _identity(input_path: Path) -> dict[str, Any]:
    stat = input_path.stat()
    return {"input": str(input_path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def load_journal(input_path: Path, path: Path | None = None) -> ResumeState:
    """Replay the journal of ``input_path`` (at ``path``, default :func:`journal_path`).

    Raises:
        JournalError: There is none, it is damaged, or the input changed since it was written.
    """
    path = path or journal_path(input_path)
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise JournalError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        header, *records = [json.loads(line) for line in _whole_lines(lines)]
        rejects = header.pop(_REJECTS, None)
        if header != _identity(input_path):
            raise JournalError(
                f"{input_path} changed since {path.name} was written: resuming could skip or "
                "repeat rows. Use --restart to import it from the top"
            )
        state = _replay(records)
        state.rejects = Path(rejects) if rejects is not None else None
        return state
    except (ValueError, TypeError, KeyError, AttributeError):
        raise JournalError(
            f"{path} is damaged; use --restart to import {input_path.name} from the top"
        ) from None


def is_complete(input_path: Path, path: Path | None = None) -> bool:
    """True when the journal of ``input_path`` (at ``path``, default :func:`journal_path`) says
    its import finished (whatever the file looks like now)."""
    try:
        return b'"complete"' in (path or journal_path(input_path)).read_bytes()
    except OSError:
        return False


def _whole_lines(lines: list[bytes]) -> list[bytes]:
    """Every line but a last one torn by a crash mid-write."""
    if lines and not lines[-1].endswith(b"}"):
        return lines[:-1]
    return lines


def _replay(records: list[dict[str, Any]]) -> ResumeState:
    state = ResumeState()
    finished: list[int] = []
    for record in records:
        if record.get("complete"):
            state.complete, state.complete_rejects = True, int(record.get("rejects", 0))
        state.lease = max(state.lease, int(record.get("lease", 0)))
        state.unsent.difference_update(int(n) for n in record.get("relet", ()))
        state.unsent.update(int(n) for n in record.get("unsent", ()))
        state.upto = max(state.upto, int(record.get("upto", 0)))
        finished.extend(int(n) for n in record.get("done", ()))
        rejected = [int(n) for n in record.get("rejected", ())]
        finished.extend(rejected)
        state.rejected.update(rejected)
    state.finished = {n for n in finished if n >= state.upto}
    return state


class Journal:
    """Records an import's progress durably (see the module docstring).

    Args:
        input_path: The file being imported.
        rejects: Where rejected rows go; synced before the journal names them.
        resumed: The interrupted run's state, when resuming (the journal is appended to).
        path: Where the journal is (default :func:`journal_path`).
    """

    def __init__(
        self,
        input_path: Path,
        rejects: RejectsFile,
        resumed: ResumeState | None = None,
        *,
        path: Path | None = None,
    ) -> None:
        self.path = path or journal_path(input_path)
        self._rejects = rejects
        self._handle = self.path.open("ab" if resumed is not None else "wb")
        if resumed is None:
            # The rejects file is recorded so a resume keeps the earlier rejects there, whatever
            # --rejects it is given.
            self._append({**_identity(input_path), _REJECTS: os.path.abspath(rejects.path)})
        self._lease = resumed.lease if resumed is not None else 0
        # The interrupted runs' unsent rows: leasing one again must be recorded (it is below
        # the lease's high-water mark).
        self._unsent = set(resumed.unsent) if resumed is not None else set()
        self._resumed = resumed
        self._open: set[int] = set()
        self._handed: set[int] = set()  # open rows whose requests may have reached the server
        self._last_line = 0
        self._done: list[int] = []
        self._rejected: list[int] = []
        self._next_sync = time.monotonic() + _BATCH_SECONDS

    def lease(self, lines: list[int]) -> None:
        """Durably record that the rows on ``lines`` may now be sent; call before sending."""
        self._open.update(lines)
        self._last_line = max(self._last_line, *lines)
        relet = sorted(self._unsent.intersection(lines))
        if self._last_line > self._lease or relet:
            self._lease = max(self._lease, self._last_line)
            self._unsent.difference_update(relet)
            self.sync({"lease": self._lease, "relet": relet} if relet else {"lease": self._lease})

    def sending(self, line: int) -> None:
        """A request for the leased row on ``line`` may now reach the server."""
        self._handed.add(line)

    def unapplied(self, line: int) -> None:
        """The request for the row on ``line`` was refused before it could act: unless an
        earlier run may have sent the row, it is unsent again."""
        self._handed.discard(line)

    def skipped(self, line: int) -> None:
        """The row on ``line`` was finished by an earlier run."""
        self._last_line = max(self._last_line, line)

    def done(self, line: int) -> None:
        """The row on ``line`` is finished and nothing about it needs keeping."""
        self._finish(line, self._done)

    def rejected(self, line: int, column: str | None, reason: str, raw: Any) -> None:
        """The row on ``line`` is finished as a reject (written to the rejects file)."""
        self._rejects.write(line, column, reason, raw)
        self._finish(line, self._rejected)

    def _finish(self, line: int, kind: list[int]) -> None:
        self._open.discard(line)
        self._handed.discard(line)
        self._last_line = max(self._last_line, line)
        kind.append(line)
        if (
            len(self._done) + len(self._rejected) >= _BATCH_ROWS
            or time.monotonic() >= self._next_sync
        ):
            self.sync()

    def sync(self, extra: dict[str, Any] | None = None) -> None:
        """Make everything recorded so far durable: the rejects first, then the journal."""
        self._rejects.sync()
        upto = min(self._open) if self._open else self._last_line + 1
        record = {"upto": upto, "done": self._done, "rejected": self._rejected, **(extra or {})}
        self._append(record)
        self._done, self._rejected = [], []
        self._next_sync = time.monotonic() + _BATCH_SECONDS

    def close(self, *, finished: bool) -> None:
        """Sync and close. When the import ``finished``, the journal is replaced by a short one
        saying so, so a ``--resume`` after a crash at the very end repeats nothing. A run that
        did not finish records its leased rows that no run sent (see the module docstring)."""
        unsent = [] if finished else self._unsent_rows()
        self.sync({"unsent": unsent} if unsent else None)
        self._handle.close()
        if finished:
            header = self.path.read_bytes().split(b"\n", 1)[0]
            partial = partial_path(self.path)
            with partial.open("wb") as handle:
                done = {"complete": True, "rejects": self._rejects.count}
                handle.write(header + b"\n" + json.dumps(done).encode() + b"\n")
                flush_to_disk(handle)
            os.replace(partial, self.path)

    def _unsent_rows(self) -> list[int]:
        """The leased, unfinished rows that neither this run nor an earlier one handed over."""
        resumed = self._resumed
        return sorted(
            line
            for line in self._open - self._handed
            if resumed is None or not resumed.maybe_sent(line)
        )

    def _append(self, record: dict[str, Any]) -> None:
        self._handle.write(json.dumps(record, separators=(",", ":")).encode() + b"\n")
        flush_to_disk(self._handle)
