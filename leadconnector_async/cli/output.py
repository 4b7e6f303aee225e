"""Writing exported contacts: NDJSON (the full contact) or CSV (columns that import again).

CSV has :data:`CSV_COLUMNS` plus one column per custom field: ``custom:<key>`` for every field
the location defines (``contact.plan`` -> ``custom:plan``), ``custom_id:<id>`` for any value of
a field not among them; a value that is not text is written as its JSON (a multi-select's
``["golf", "tennis"]``, read back as the list: see :func:`~.columns.cell_value`). Which columns
a CSV needs is known only at the end, so its rows are spooled to a temporary NDJSON file beside
the output and written out when the export ends.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import msgspec

from ..models.contacts import Contact
from ..models.custom_fields import CustomField
from .columns import CUSTOM_ID, CUSTOM_KEY, custom_cell
from .durable import flush_to_disk
from .paths import partial_path
from .reading import NDJSON_SUFFIXES

CSV_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_name",
    "address1",
    "city",
    "state",
    "postal_code",
    "country",
    "website",
    "timezone",
    "source",
    "tags",
    "dnd",
    "date_of_birth",
    "assigned_to",
    "date_added",
    "date_updated",
)


class ContactWriter:
    """Writes contacts to ``path`` (``None``: CSV on stdout): NDJSON for ``.ndjson``/``.jsonl``,
    else CSV; use it as a context manager. The file appears, complete, when the block ends
    without an error (until then the work is in ``path.partial`` or a temporary file); after an
    error there is no file, rather than a truncated one.

    Args:
        path: Where to write, or ``None`` for stdout.
        custom_fields: The location's custom field definitions, naming CSV columns by key.
        tag_delimiter: Joins a contact's tags in one CSV cell.
    """

    def __init__(
        self,
        path: Path | None,
        *,
        custom_fields: Sequence[CustomField] = (),
        tag_delimiter: str = ";",
    ) -> None:
        self.path = path
        self.count = 0
        self._ndjson = path is not None and path.suffix.lower() in NDJSON_SUFFIXES
        self._keys = {f.id: CUSTOM_KEY + f.bare_key for f in custom_fields if f.bare_key}
        self._seen_ids: dict[str, None] = {}
        self._tag_delimiter = tag_delimiter
        self._handle: IO[str] | None = None
        self._encoder = msgspec.json.Encoder()

    def __enter__(self) -> ContactWriter:
        if self._ndjson:
            assert self.path is not None
            self._handle = self._partial().open("w", encoding="utf-8")
        else:
            folder = self.path.parent if self.path is not None else None
            self._handle = tempfile.TemporaryFile("w+", encoding="utf-8", dir=folder)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._handle is not None
        try:
            try:
                if exc_type is None and not self._ndjson:
                    self._write_csv(self._handle)
                elif exc_type is None:
                    flush_to_disk(self._handle)  # before the rename: never a name on a torn file
            finally:
                self._handle.close()
            if self._ndjson and self.path is not None and exc_type is None:
                os.replace(self._partial(), self.path)
        finally:
            if self.path is not None:
                self._partial().unlink(missing_ok=True)  # gone once renamed; else never shown

    def _partial(self) -> Path:
        assert self.path is not None
        return partial_path(self.path)

    def write(self, contact: Contact) -> None:
        """Append one contact."""
        assert self._handle is not None, "use ContactWriter as a context manager"
        if self._ndjson:
            self._handle.write(self._encoder.encode(contact).decode() + "\n")
        else:
            row = self.csv_row(contact)
            self._handle.write(json.dumps(row) + "\n")
        self.count += 1

    def csv_row(self, contact: Contact) -> dict[str, str]:
        """The CSV cells of one contact (unset fields left out)."""
        row: dict[str, str] = {}
        for column in CSV_COLUMNS:
            value: Any = getattr(contact, column)
            if value is None:
                continue
            if column == "tags":
                value = self._tag_delimiter.join(value)
            elif column == "dnd":
                value = "true" if value else "false"
            row[column] = str(value)
        for custom in contact.custom_fields or ():
            if custom.id and custom.value is not None:
                name = self._keys.get(custom.id)
                if name is None:
                    name = f"{CUSTOM_ID}{custom.id}"
                    self._seen_ids[name] = None
                row[name] = custom_cell(custom.value)
        return row

    def _write_csv(self, spool: IO[str]) -> None:
        columns = [*CSV_COLUMNS, *sorted(self._keys.values()), *sorted(self._seen_ids)]
        spool.seek(0)
        if self.path is None:
            self._copy_csv(spool, sys.stdout, columns)
            sys.stdout.flush()
            return
        with self._partial().open("w", newline="", encoding="utf-8") as out:
            self._copy_csv(spool, out, columns)
            flush_to_disk(out)  # (as above)
        os.replace(self._partial(), self.path)

    @staticmethod
    def _copy_csv(spool: IO[str], out: IO[str], columns: list[str]) -> None:
        writer = csv.DictWriter(out, columns)
        writer.writeheader()
        for line in spool:
            writer.writerow(json.loads(line))
