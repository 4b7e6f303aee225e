"""What an import leaves behind: the rejects file, and the checkpoint to resume from."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class Checkpoint:
    """Where an interrupted import stopped: every row on a line before ``next_line`` is finished,
    and so are the rows on ``done_lines`` (finished out of order, past ``next_line``).

    ``size`` and ``mtime_ns`` identify the input file, so a checkpoint is never applied to a
    file that changed since.
    """

    input: str
    size: int
    mtime_ns: int
    next_line: int
    done_lines: tuple[int, ...] = ()

    def is_done(self, line: int) -> bool:
        """True when the row on ``line`` was finished by the interrupted run."""
        return line < self.next_line or line in self.done_lines

    @staticmethod
    def path_for(input_path: Path) -> Path:
        return input_path.with_name(input_path.name + ".checkpoint.json")

    @classmethod
    def for_file(
        cls, input_path: Path, next_line: int, done_lines: tuple[int, ...] = ()
    ) -> Checkpoint:
        stat = input_path.stat()
        resolved = str(input_path.resolve())
        return cls(resolved, stat.st_size, stat.st_mtime_ns, next_line, done_lines)

    def matches(self, input_path: Path) -> bool:
        """True when ``input_path`` is the unchanged file this checkpoint was written for."""
        stat = input_path.stat()
        return (self.input, self.size, self.mtime_ns) == (
            str(input_path.resolve()), stat.st_size, stat.st_mtime_ns,
        )  # fmt: skip

    def save(self, input_path: Path) -> None:
        """Write atomically, so a crash mid-write never leaves a torn checkpoint."""
        target = self.path_for(input_path)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(json.dumps(asdict(self)))
        os.replace(partial, target)

    @classmethod
    def load(cls, input_path: Path) -> Checkpoint | None:
        path = cls.path_for(input_path)
        if not path.exists():
            return None
        fields = json.loads(path.read_text())
        return cls(**{**fields, "done_lines": tuple(fields.get("done_lines", ()))})

    @classmethod
    def clear(cls, input_path: Path) -> None:
        cls.path_for(input_path).unlink(missing_ok=True)


REJECT_COLUMNS = ("line", "column", "reason", "data")


class RejectsFile:
    """Rows that could not be imported, with their line, column and reason, as CSV.

    On resume, the rows a previous run rejected on lines it finished are kept and the others
    dropped, because the resumed run reads (and judges) those lines again.
    """

    def __init__(self, path: Path, *, resumed: Checkpoint | None = None) -> None:
        self.path = path
        self.count = 0
        kept = self._previous(resumed) if resumed is not None else []
        self._handle: IO[str] = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(REJECT_COLUMNS)
        self._writer.writerows(kept)
        self.count = len(kept)

    def _previous(self, resumed: Checkpoint) -> list[list[str]]:
        if not self.path.exists():
            return []
        with self.path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))[1:]
        return [row for row in rows if row and resumed.is_done(int(row[0]))]

    def write(self, line: int, column: str | None, reason: str, data: Any) -> None:
        self._writer.writerow([line, column or "", reason, json.dumps(data, default=str)])
        self.count += 1

    def close(self) -> None:
        self._handle.close()
