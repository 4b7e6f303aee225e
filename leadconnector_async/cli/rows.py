"""Reading import files: CSV or NDJSON rows mapped to ``ContactCreate``, one verdict per row.

Columns (CSV headers or NDJSON keys) are the ``ContactCreate`` field names, in snake_case or the
API's camelCase (``first_name`` or ``firstName``), plus:

- ``tags``: a list in NDJSON, or one CSV cell split on the tag delimiter (default ``;``);
- ``custom:<key>``: a custom field identified by its key (``custom:favourite_colour``);
- ``custom_id:<id>``: a custom field identified by its id;
- ``id``, ``date_added``, ``date_updated``: read-only columns an export writes; ignored on import
  so an exported CSV can be imported again.

An unknown CSV column stops the import before anything is sent (its data would otherwise be
lost); an unknown NDJSON key or a bad value rejects only its row.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import msgspec

from ..models.contacts import ContactCreate, CustomFieldInput

CUSTOM_KEY = "custom:"
CUSTOM_ID = "custom_id:"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_SKIPPED_FIELDS = {"custom_fields"}  # written through the custom:/custom_id: columns instead
READ_ONLY = frozenset({"id", "date_added", "date_updated"})


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, unknown column)."""


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was rejected."""

    line: int
    column: str | None
    reason: str
    raw: dict[str, Any]

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Row:
    """One row that maps cleanly to a contact."""

    line: int
    contact: ContactCreate


def _field_names() -> dict[str, str]:
    """Accepted column name (snake_case or wire camelCase) -> the field's wire name."""
    names: dict[str, str] = {}
    info = msgspec.inspect.type_info(ContactCreate)
    assert isinstance(info, msgspec.inspect.StructType)
    for field in info.fields:
        if field.name in _SKIPPED_FIELDS:
            continue
        names[field.name] = field.encode_name
        names[field.encode_name] = field.encode_name
    return names


FIELDS = _field_names()
SNAKE_NAMES = sorted(k for k in FIELDS if k == k.lower())


def check_columns(columns: list[str]) -> None:
    """Raise :class:`ImportFileError` naming every column we do not know."""
    unknown = [
        c
        for c in columns
        if c not in FIELDS and c not in READ_ONLY and not c.startswith((CUSTOM_KEY, CUSTOM_ID))
    ]
    if unknown:
        raise ImportFileError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; known columns are the "
            f"ContactCreate fields ({', '.join(SNAKE_NAMES)}), "
            f"'{CUSTOM_KEY}<key>' and '{CUSTOM_ID}<id>'"
        )


def read_rows(
    path: Path, *, tag_delimiter: str = ";", start_line: int = 0
) -> Iterator[Row | RowError]:
    """A verdict for every data row of ``path`` (CSV, or NDJSON for .ndjson/.jsonl), lazily.

    The file and its CSV header are checked at once, before the first row is asked for.

    Args:
        path: The file to read.
        tag_delimiter: What separates tags inside one CSV cell.
        start_line: Rows on lines before this one are skipped unread (resuming).

    Raises:
        ImportFileError: The file is missing or unreadable, or its header has an unknown column.
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if path.suffix in (".ndjson", ".jsonl"):
        records = _ndjson_records(handle)
    else:
        records = _csv_records(handle, path)
    return _verdicts(records, tag_delimiter, start_line)


def count_rows(path: Path) -> int:
    """About how many data rows ``path`` holds (its line count less a CSV header), for ETAs."""
    newlines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            newlines += chunk.count(b"\n")
    return max(0, newlines - (0 if path.suffix in (".ndjson", ".jsonl") else 1))


def _verdicts(
    records: Iterator[tuple[int, dict[str, Any] | RowError]], tag_delimiter: str, start_line: int
) -> Iterator[Row | RowError]:
    for line, record in records:
        if line < start_line:
            continue
        yield record if isinstance(record, RowError) else to_row(line, record, tag_delimiter)


def _csv_records(handle: IO[str], path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        handle.close()
        raise ImportFileError(f"{path}: the header is not valid CSV: {exc}") from None
    columns = [c.strip() for c in header or []]
    try:
        check_columns(columns)
    except ImportFileError:
        handle.close()
        raise
    return _csv_body(handle, reader, columns)


def _csv_body(
    handle: IO[str], reader: Any, columns: list[str]
) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    with handle:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                yield reader.line_num, RowError(reader.line_num, None, f"not valid CSV: {exc}", {})
                continue
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                reason = f"has {len(cells)} cells, the header has {len(columns)}"
                yield line, RowError(line, None, reason, {"cells": cells})
                continue
            yield line, {c: v for c, v in zip(columns, cells, strict=True) if v.strip() != ""}


def _ndjson_records(handle: IO[str]) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    with handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except ValueError as exc:
                yield line, RowError(line, None, f"not valid JSON: {exc}", {"text": text[:200]})
                continue
            if not isinstance(record, dict):
                yield line, RowError(line, None, "is not a JSON object", {"text": text[:200]})
                continue
            try:
                check_columns(list(record))
            except ImportFileError as exc:
                yield line, RowError(line, None, str(exc), record)
                continue
            yield line, record


def to_row(line: int, record: dict[str, Any], tag_delimiter: str) -> Row | RowError:
    """Map one record to a :class:`Row`, or say which column is wrong."""
    fields: dict[str, Any] = {}
    custom: list[CustomFieldInput] = []
    for column, value in record.items():
        try:
            if column in READ_ONLY:
                continue
            if column.startswith(CUSTOM_KEY):
                custom.append(CustomFieldInput(key=column[len(CUSTOM_KEY) :], field_value=value))
            elif column.startswith(CUSTOM_ID):
                custom.append(CustomFieldInput(id=column[len(CUSTOM_ID) :], field_value=value))
            else:
                name = FIELDS[column]
                fields[name] = _convert(name, value, tag_delimiter)
        except ValueError as exc:
            return RowError(line, column, str(exc), record)
    if custom:
        fields["customFields"] = custom
    try:
        return Row(line, msgspec.convert(fields, ContactCreate))
    except msgspec.ValidationError as exc:
        return RowError(line, None, str(exc), record)


def _convert(name: str, value: Any, tag_delimiter: str) -> Any:
    if name == "tags":
        if isinstance(value, str):
            return [t.strip() for t in value.split(tag_delimiter) if t.strip()]
        return value
    if name == "dnd" and isinstance(value, str):
        if value.strip().lower() not in _BOOLEANS:
            raise ValueError(f"{value!r} is not a boolean (true/false, yes/no, 1/0)")
        return _BOOLEANS[value.strip().lower()]
    if name == "email" and isinstance(value, str):
        value = value.strip()
        if not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not a valid email address")
    return value
