"""Reading contact files as people have them: one verdict per row, with its line.

CSV (any file not named ``.ndjson``/``.jsonl``): the encoding is sniffed from the first 64 KiB
(see :func:`sniff_encoding`): a byte-order mark's, else UTF-8, unless they have bytes above 127
of which not one forms a UTF-8 character: then Windows-1252 (Excel's). UTF-16 without a
byte-order mark is refused unless ``--encoding`` names it. A row holding bytes that are not text
in that encoding, or a NUL character in a value it sends, is rejected alone. The delimiter is
whichever of ``,`` ``;`` tab ``|`` splits the header into the most columns. CRLF and quoted
newlines and delimiters are CSV as usual; a row's line is the line it starts on.
NDJSON: one JSON object per line, keys named like CSV headers; its encoding is sniffed alike.
An NDJSON export's own keys are read back as :mod:`.exported` says.

Use :func:`open_contacts`; it checks the whole file's shape (readable, every column known)
before the first row is asked for, then yields a :class:`Row` or a :class:`RowError` per row.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import msgspec

from ..custom_fields import CustomFieldDirectory
from ..models.contacts import ContactCreate, CustomFieldInput
from .columns import CUSTOM_KEY, ColumnMap, ImportFileError, Target, cell_value
from .exported import ExportKeyError, importable
from .hygiene import Hygiene, SeenInFile, is_as_written

NDJSON_SUFFIXES = (".ndjson", ".jsonl")
DELIMITERS = ",;\t|"
_SAMPLE = 1 << 16
_CELL_LIMIT = (1 << 31) - 1  # the most a C long holds everywhere: no cell is cut short
_WIRE_NAMES = {f.name: f.encode_name for f in msgspec.structs.fields(ContactCreate)}
# Decoded with ``surrogateescape``, a byte that is not UTF-8 is a lone surrogate U+DC80-U+DCFF,
# and a character above U+007F that is not one was made of a valid multi-byte sequence.
_INVALID_UTF8 = re.compile("[\udc80-\udcff]")
_MULTIBYTE_UTF8 = re.compile("[^\x00-\x7f\udc80-\udcff]")


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file; ``None`` means sniff it.

    Args:
        delimiter: CSV delimiter (sniffed from the header when ``None``).
        encoding: Text encoding (sniffed by :func:`sniff_encoding` when ``None``).
        mapping: ``--map`` pairs, column -> field (see :class:`~.columns.ColumnMap`).
        hygiene: How cells are cleaned (tag delimiters, default phone region).
    """

    delimiter: str | None = None
    encoding: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    hygiene: Hygiene = field(default_factory=Hygiene)


@dataclass(frozen=True, slots=True)
class Row:
    """One row that maps cleanly to a contact; ``raw`` is the row as the file had it."""

    line: int
    contact: ContactCreate
    raw: list[str] | dict[str, Any]


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was rejected; ``raw`` is the row as the file had it."""

    line: int
    column: str | None
    reason: str
    raw: list[str] | dict[str, Any]

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


def open_contacts(
    path: Path,
    options: ReadOptions | None = None,
    *,
    custom_fields: CustomFieldDirectory | None = None,
) -> ContactFile:
    """Open ``path`` and check its shape; iterate the result for each row's verdict.

    Args:
        path: A CSV file, or NDJSON when named ``.ndjson``/``.jsonl``.
        options: Delimiter, encoding, column overrides, hygiene.
        custom_fields: The location's custom field definitions, to resolve ``custom:<name>``.

    Raises:
        ImportFileError: Missing or unreadable file, UTF-16 without a byte-order mark (and no
            encoding given), no header, an unknown or repeated column.
    """
    options = options or ReadOptions()
    columns = ColumnMap(options.mapping, custom_fields)
    try:
        with path.open("rb") as probe:
            sample = probe.read(_SAMPLE)
            whole = not probe.read(1)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    encoding = options.encoding or sniff_encoding(sample, whole=whole)
    try:
        codecs.lookup(encoding)
        handle = path.open(encoding=encoding, errors="surrogateescape", newline="")
    except LookupError:
        raise ImportFileError(f"--encoding {encoding}: no such text encoding") from None
    try:
        handle.read(1)  # decodes the first block: UTF-16 without a BOM fails here, not mid-read
        handle.seek(0)
    except UnicodeError as exc:
        handle.close()
        raise ImportFileError(
            f"cannot read {path} as {encoding}: {exc}; name its encoding with --encoding"
        ) from None
    if path.suffix.lower() in NDJSON_SUFFIXES:
        named = b'"' + CUSTOM_KEY.encode() in sample
        return ContactFile(path, handle, encoding, columns, options.hygiene, custom_named=named)
    try:
        head = handle.readline()
        delimiter = options.delimiter or sniff_delimiter(head)
        header = [c.strip().lstrip("\ufeff").strip() for c in _cells(head, delimiter)]
        if not any(header):
            raise ImportFileError(f"{path} has no header row (the first line names the columns)")
        # Trailing delimiters (Excel) leave columns unnamed: no field, and a row with a value
        # in one is rejected (see ContactFile._csv_rows), so nothing there is dropped unseen.
        resolved = iter(columns.resolve([c for c in header if c]))
        targets = [next(resolved) if c else Target() for c in header]
    except BaseException:
        handle.close()
        raise
    return ContactFile(
        path,
        handle,
        encoding,
        columns,
        options.hygiene,
        header=header,
        targets=targets,
        delimiter=delimiter,
    )


def sniff_encoding(sample: bytes, *, whole: bool = False) -> str:
    """The encoding a file starting with ``sample`` most likely has.

    A byte-order mark names it. UTF-16 without one (a NUL byte beside each ASCII letter) is
    refused rather than guessed: read as an 8-bit encoding, its header still matches once the
    NULs are folded away, and every cell would be sent with a NUL between its letters. Else the
    file is UTF-8 unless ``sample`` has bytes above 127 and not one valid multi-byte UTF-8
    character: then it is in a legacy 8-bit encoding, taken as Windows-1252 (Excel's). A file
    with UTF-8 characters and invalid bytes besides (rows pasted in from another system) is
    UTF-8 with damaged rows, each rejected alone: read as Windows-1252, every correct accented
    letter in it would be stored garbled (``Zoë`` as ``ZoÃ«``) without a word. Bytes past
    ``sample`` are not looked at; a row there that is not valid in the encoding chosen is
    rejected alone (``--encoding`` chooses another).

    Args:
        sample: The file's first bytes.
        whole: ``sample`` is the whole file, so a character cut at its end is not a character
            cut by the sample's end but an invalid byte.

    Raises:
        ImportFileError: ``sample`` looks like UTF-16 without a byte-order mark.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _utf16_without_bom(sample)
    if utf16 is not None:
        raise ImportFileError(
            "the file looks like UTF-16 text without a byte-order mark (a NUL byte beside each "
            f"letter): pass --encoding {utf16}, or save it as UTF-8"
        )
    text = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(sample, final=whole)
    if _INVALID_UTF8.search(text) and not _MULTIBYTE_UTF8.search(text):
        return "cp1252"
    return "utf-8"


def _utf16_without_bom(sample: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``sample`` reads as that encoding: a quarter or
    more of its byte pairs have a NUL on one side (ASCII letters, digits, delimiters) and few
    have one on the other. Zeros a damaged file holds fall on both sides alike."""
    pairs = len(sample) // 2
    nul_first, nul_second = sample[0 : 2 * pairs : 2].count(0), sample[1 : 2 * pairs : 2].count(0)
    for encoding, many, few in (
        ("utf-16-le", nul_second, nul_first),
        ("utf-16-be", nul_first, nul_second),
    ):
        if pairs and 4 * many >= pairs and 8 * few <= many:
            return encoding
    return None


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter that splits the header line into the most columns (``,`` on a
    tie)."""
    return max(DELIMITERS, key=lambda d: (len(_cells(header_line, d)), d == ","))


def _cells(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])


class ContactFile:
    """An open contact file: iterate it once for a :class:`Row` or :class:`RowError` per row.

    ``header`` (CSV only) is the file's column names as written, ``delimiter`` and
    ``encoding`` what reading settled on. Close it, or use it as a context manager.
    """

    def __init__(
        self,
        path: Path,
        handle: IO[str],
        encoding: str,
        columns: ColumnMap,
        hygiene: Hygiene,
        *,
        header: list[str] | None = None,
        targets: list[Target] | None = None,
        delimiter: str | None = None,
        custom_named: bool = False,
    ) -> None:
        self.path, self.encoding, self.header, self.delimiter = path, encoding, header, delimiter
        # Columns name custom fields by name or key: reopen with the location's definitions.
        self.names_custom_fields = custom_named or any(t.custom_key for t in targets or ())
        self._handle, self._columns, self._hygiene = handle, columns, hygiene
        self._targets = targets or []
        self._seen = SeenInFile()
        self.phones_as_written = 0
        """Rows read so far whose phone is sent as written (no country code, no region)."""
        self.left_out: dict[str, int] = {}
        """Keys of data an NDJSON export holds that no import writes, with the rows that had
        them (see :mod:`.exported`)."""

    def __iter__(self) -> Iterator[Row | RowError]:
        rows = self._csv_rows() if self.header is not None else self._ndjson_rows()
        for verdict in rows:
            if isinstance(verdict, Row):
                c = verdict.contact
                repeat = self._seen.repeat(verdict.line, c.email, c.phone)
                if repeat is not None:
                    verdict = RowError(verdict.line, repeat[0], repeat[1], verdict.raw)
                else:
                    self.phones_as_written += is_as_written(c.phone)
            yield verdict

    def __enter__(self) -> ContactFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._handle.close()

    def _csv_rows(self) -> Iterator[Row | RowError]:
        assert self.header is not None
        # strict: a quote never closed is an error at the end of the file, not one last row
        # made of every line after it
        reader = csv.reader(self._handle, delimiter=self.delimiter or ",", strict=True)
        reader_line = 1  # the header's line
        unnamed_columns = [n for n, name in enumerate(self.header) if not name]
        while True:
            line = reader_line + 1
            try:
                cells = _next_record(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RowError(line, None, _csv_error(exc, line, 1 + reader.line_num), [])
                continue
            finally:
                reader_line = 1 + reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if _undecodable(cells):
                yield RowError(line, None, self._undecodable_reason, _decodable(cells))
            elif len(cells) != len(self.header):
                reason = f"has {len(cells)} cells, the header has {len(self.header)}"
                yield RowError(line, None, reason, cells)
            elif unnamed := [n + 1 for n in unnamed_columns if cells[n].strip()]:
                reason = (
                    f"has a value in column {unnamed[0]}, which the header leaves unnamed: "
                    "name that column in the header (and --map it if need be), or clear it"
                )
                yield RowError(line, None, reason, cells)
            else:
                named = zip(self.header, self._targets, cells, strict=True)
                yield self._verdict(line, ((c, t, cell_value(t, v)) for c, t, v in named), cells)

    def _ndjson_rows(self) -> Iterator[Row | RowError]:
        for line, text in enumerate(self._handle, start=1):
            if not text.strip():
                continue
            undecodable = _undecodable([text])
            if undecodable:
                [text] = _decodable([text])
            record = _json_object(text)
            if isinstance(record, str):
                reason = self._undecodable_reason if undecodable else record
                yield RowError(line, None, reason, {"text": text[:200]})
                continue
            if undecodable:
                yield RowError(line, None, self._undecodable_reason, record)
                continue
            try:
                fields, left_out = importable(record)
                targets = self._columns.targets(list(fields), json_values=True)
            except ExportKeyError as exc:
                yield RowError(line, exc.key, str(exc), record)
                continue
            except ImportFileError as exc:
                yield RowError(line, None, str(exc), record)
                continue
            unknown = [k for k, t in zip(fields, targets, strict=True) if t is None]
            if unknown:
                reason = f"unknown key(s) {', '.join(map(repr, unknown))}"
                yield RowError(line, None, reason, record)
                continue
            named = zip(fields, targets, fields.values(), strict=True)
            verdict = self._verdict(line, named, record)
            if isinstance(verdict, Row):
                for key in left_out:
                    self.left_out[key] = self.left_out.get(key, 0) + 1
            yield verdict

    @property
    def _undecodable_reason(self) -> str:
        """Why a row holding bytes that are not text in the file's encoding is rejected."""
        other = "utf-8" if self.encoding == "cp1252" else "cp1252"
        return (
            f"is not valid {self.encoding} text (the rejects file shows each undecodable byte "
            f"as U+FFFD): correct the row, or pass --encoding if the whole file is in another "
            f"encoding (e.g. {other})"
        )

    def _verdict(
        self, line: int, named: Iterator[tuple[str, Target | None, Any]], raw: Any
    ) -> Row | RowError:
        fields: dict[str, Any] = {}
        custom: list[CustomFieldInput] = []
        filled: dict[Target, str] = {}  # NDJSON keys spelt apart may name one field
        for column, target, value in named:
            if target is None or target.ignored or _blank(value):
                continue
            if _holds_nul(value):
                reason = (
                    "holds a NUL character (\\x00), which is not text: remove it, or pass "
                    "--encoding if the whole file is UTF-16"
                )
                return RowError(line, column, reason, raw)
            if target in filled:
                reason = (
                    f"{filled[target]!r} and {column!r} both fill {target.describe()}: "
                    "keep one of them"
                )
                return RowError(line, column, reason, raw)
            filled[target] = column
            try:
                if target.field is not None:
                    cleaned = self._hygiene.clean(target.field, value)
                    if cleaned != []:  # a tags cell of delimiters only holds no tag
                        fields[_WIRE_NAMES[target.field]] = cleaned
                    continue
                value = value.strip() if isinstance(value, str) else value
                custom.append(_custom_input(target, value))
            except ValueError as exc:
                return RowError(line, column, str(exc), raw)
        if custom:
            fields[_WIRE_NAMES["custom_fields"]] = custom
        try:
            return Row(line, msgspec.convert(fields, ContactCreate), raw)
        except msgspec.ValidationError as exc:
            return RowError(line, None, str(exc), raw)


def _json_object(text: str) -> dict[str, Any] | str:
    """The JSON object on one NDJSON line, or why the line is not one."""
    try:
        record = json.loads(text, object_pairs_hook=_refuse_repeated_keys)
    except ValueError as exc:
        return f"not valid JSON: {exc}"
    return record if isinstance(record, dict) else "is not a JSON object"


def _holds_nul(value: Any) -> bool:
    """True when ``value`` (a cell, or a JSON value with its lists and objects) has a NUL
    character: no contact field holds one, and it is what a file in another encoding shows."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    return False


def _blank(value: Any) -> bool:
    """True for a cell that holds nothing: none, or only spaces (``" "`` is as empty as ``""``
    in every column, so it neither fills a field nor rejects its row)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict; ``ValueError`` when it has a key twice (``json`` would keep
    the last value and drop the first unseen)."""
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in record:
            raise ValueError(f"it has the key {key!r} twice")
        record[key] = value
    return record


def _next_record(reader: Iterator[list[str]]) -> list[str]:
    """The next CSV record, however long its cells: past the ``csv`` module's limit (128 KiB)
    a cell is an error with the rest of its line left unread, and the lines after it, still
    inside the cell, would be read as rows of their own."""
    limit = csv.field_size_limit(_CELL_LIMIT)
    try:
        return next(reader)
    finally:
        csv.field_size_limit(limit)


def _csv_error(exc: csv.Error, first: int, last: int) -> str:
    if "unexpected end of data" in str(exc):
        return (
            f"a quote opened in this row is never closed: lines {first}-{last} (the rest of "
            "the file) were read as this one row and none of them was imported; close the quote"
        )
    return f"not valid CSV: {exc}"


def _custom_input(target: Target, value: Any) -> CustomFieldInput:
    if target.custom_id is not None:
        return CustomFieldInput(id=target.custom_id, field_value=value)
    assert target.custom_key is not None
    return CustomFieldInput(key=target.custom_key, field_value=value)


def _undecodable(cells: list[str]) -> bool:
    """True when a row's text holds bytes its encoding could not decode (read with
    ``surrogateescape``, they are lone surrogates, which no UTF-8 rejects file can hold)."""
    try:
        "".join(cells).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _decodable(cells: list[str]) -> list[str]:
    """The cells with each undecodable byte as U+FFFD, for the rejects file."""
    return [c.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for c in cells]


def count_rows(path: Path) -> int:
    """About how many data rows ``path`` holds (its line count less a CSV header), for ETAs."""
    newlines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            newlines += chunk.count(b"\n")
    return max(0, newlines - (0 if path.suffix.lower() in NDJSON_SUFFIXES else 1))
