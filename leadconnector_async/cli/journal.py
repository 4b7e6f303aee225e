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
    """Where an interrupted import stopped: every row on a line before ``next_line`` is finished.

    ``size`` and ``mtime_ns`` identify the input file, so a checkpoint is never applied to a
    file that changed since.
    """

    input: str
    size: int
    mtime_ns: int
    next_line: int

    @staticmethod
    def path_for(input_path: Path) -> Path:
        return input_path.with_name(input_path.name + ".checkpoint.json")

    @classmethod
    def for_file(cls, input_path: Path, next_line: int) -> Checkpoint:
        stat = input_path.stat()
        return cls(str(input_path.resolve()), stat.st_size, stat.st_mtime_ns, next_line)

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
        return cls(**json.loads(path.read_text()))

    @classmethod
    def clear(cls, input_path: Path) -> None:
        cls.path_for(input_path).unlink(missing_ok=True)


REJECT_COLUMNS = ("line", "column", "reason", "data")


class RejectsFile:
    """Rows that could not be imported, with their line, column and reason, as CSV.

    On resume the rows a previous run rejected before ``keep_below`` are kept and later ones
    dropped, because the resumed run reads (and judges) those lines again.
    """

    def __init__(self, path: Path, *, keep_below: int | None = None) -> None:
        self.path = path
        self.count = 0
        kept = self._previous(keep_below) if keep_below is not None else []
        self._handle: IO[str] = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(REJECT_COLUMNS)
        self._writer.writerows(kept)
        self.count = len(kept)

    def _previous(self, keep_below: int) -> list[list[str]]:
        if not self.path.exists():
            return []
        with self.path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))[1:]
        return [row for row in rows if row and int(row[0]) < keep_below]

    def write(self, line: int, column: str | None, reason: str, data: Any) -> None:
        self._writer.writerow([line, column or "", reason, json.dumps(data, default=str)])
        self.count += 1

    def close(self) -> None:
        self._handle.close()
