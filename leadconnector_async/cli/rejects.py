"""The rejects file: every row that could not be imported, as the input had it, with why.

For a CSV input it is a CSV with the input's header behind three columns (``rejected_line``,
``rejected_column``, ``rejected_reason``) that an import ignores, so it can be fixed and imported
again as is. For NDJSON it is NDJSON: each rejected object with those three keys added.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .columns import REJECT_COLUMNS
from .durable import flush_to_disk
from .paths import partial_path
from .reading import NDJSON_SUFFIXES


def rejects_path_for(path: Path, given: Path | None) -> Path:
    """Where the rejects of ``path`` go: ``given``, else beside it (``FILE.rejects.csv``, or
    ``FILE.rejects.ndjson`` for NDJSON)."""
    suffix = ".rejects.ndjson" if path.suffix.lower() in NDJSON_SUFFIXES else ".rejects.csv"
    return given or path.with_name(path.name + suffix)


class RejectsFile:
    """Appends rejected rows; :meth:`sync` makes them durable.

    Args:
        path: Where the rejects go.
        header: The input's CSV header, or ``None`` for NDJSON.
        delimiter: The input's CSV delimiter.
        keep: When resuming, the lines whose rejects an earlier run recorded: those rows of an
            existing file are kept (and counted), the others dropped (their rows are read again).
    """

    def __init__(
        self,
        path: Path,
        header: list[str] | None,
        delimiter: str = ",",
        *,
        keep: Callable[[int], bool] | None = None,
    ) -> None:
        self.path = path
        self.count = 0
        self._header = header
        self._delimiter = delimiter
        kept = self._previous(keep) if keep is not None else []
        partial = partial_path(path)
        self._handle = partial.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._handle, delimiter=delimiter)
        if header is not None:
            self._csv.writerow([*REJECT_COLUMNS, *header])
        for row in kept:
            if isinstance(row, str):
                self._handle.write(row)
            else:
                self._csv.writerow(row)
        self.count = len(kept)
        self.sync()
        os.replace(partial, path)

    def write(self, line: int, column: str | None, reason: str, raw: Any) -> None:
        """Append one rejected row (``raw``: its cells, or its JSON object)."""
        if self._header is None:
            record = raw if isinstance(raw, dict) else {"row": raw}
            tagged = {
                **record,
                **dict(zip(REJECT_COLUMNS, (line, column or "", reason), strict=True)),
            }
            self._handle.write(json.dumps(tagged, ensure_ascii=False, default=str) + "\n")
        else:
            cells = raw if isinstance(raw, list) else []
            self._csv.writerow([line, column or "", reason, *cells])
        self.count += 1

    def sync(self) -> None:
        """Flush and fsync what was written."""
        flush_to_disk(self._handle)

    def close(self) -> None:
        self.sync()
        self._handle.close()

    def _previous(self, keep: Callable[[int], bool]) -> list[str] | list[list[str]]:
        """The earlier run's reject rows (as text) whose line ``keep`` accepts."""
        try:
            handle = self.path.open(newline="", encoding="utf-8")
        except FileNotFoundError:
            return []
        with handle:
            if self._header is None:
                lines = [t if t.endswith("\n") else t + "\n" for t in handle if t.strip()]
                return [t for t in lines if keep(_ndjson_line(t))]
            rows = list(csv.reader(handle, delimiter=self._delimiter))[1:]
            return [r for r in rows if r and r[0].isdigit() and keep(int(r[0]))]


def _ndjson_line(text: str) -> int:
    """The input line an NDJSON reject names; 0 for a line torn by a kill before it was
    synced (the journal never names such a reject, so it is read and written again)."""
    try:
        record = json.loads(text)
        return int(record.get(REJECT_COLUMNS[0], 0)) if isinstance(record, dict) else 0
    except (ValueError, TypeError):
        return 0
