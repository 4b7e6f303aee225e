"""Writing exported contacts: NDJSON (the full contact) or CSV (re-importable columns)."""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType
from typing import IO

import msgspec

from ..models.contacts import Contact
from .rows import CUSTOM_ID

CSV_COLUMNS = (
    "id", "first_name", "last_name", "email", "phone", "company_name", "address1", "city",
    "state", "postal_code", "country", "website", "timezone", "source", "tags", "dnd",
    "date_of_birth", "assigned_to", "date_added", "date_updated",
)  # fmt: skip


class ContactWriter:
    """Streams contacts to ``path``: NDJSON for ``.ndjson``/``.jsonl``, else CSV.

    CSV holds :data:`CSV_COLUMNS` plus one ``custom_id:<id>`` column per custom field found in
    the first ``custom_field_sample`` contacts (a later unknown custom field raises rather
    than being dropped: re-export as NDJSON to keep everything).
    """

    def __init__(self, path: Path, *, tag_delimiter: str = ";") -> None:
        self.path = path
        self.count = 0
        self._ndjson = path.suffix in (".ndjson", ".jsonl")
        self._tag_delimiter = tag_delimiter
        self._handle: IO[str] | None = None
        self._csv: csv.DictWriter[str] | None = None
        self._encoder = msgspec.json.Encoder()

    def __enter__(self) -> ContactWriter:
        self._handle = self.path.open(
            "w", newline="" if not self._ndjson else None, encoding="utf-8"
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._handle.close()

    def write(self, contact: Contact) -> None:
        """Append one contact."""
        assert self._handle is not None, "use ContactWriter as a context manager"
        if self._ndjson:
            self._handle.write(self._encoder.encode(contact).decode() + "\n")
        else:
            row = self.csv_row(contact)
            if self._csv is None:
                columns = [*CSV_COLUMNS, *sorted(k for k in row if k.startswith(CUSTOM_ID))]
                self._csv = csv.DictWriter(self._handle, columns, extrasaction="raise")
                self._csv.writeheader()
            self._csv.writerow(row)
        self.count += 1

    def csv_row(self, contact: Contact) -> dict[str, str]:
        """The CSV cells of one contact (empty for unset fields)."""
        row: dict[str, str] = {}
        for column in CSV_COLUMNS:
            value = getattr(contact, column)
            if value is None:
                continue
            if column == "tags":
                value = self._tag_delimiter.join(value)
            elif column == "dnd":
                value = "true" if value else "false"
            row[column] = str(value)
        for custom in contact.custom_fields or ():
            if custom.id and custom.value is not None:
                row[f"{CUSTOM_ID}{custom.id}"] = str(custom.value)
        return row
