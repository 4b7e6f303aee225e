"""Which contact field each column of an import file fills.

A header is matched to a field after folding case, spaces and punctuation away, so ``First
Name``, ``first_name``, ``firstName`` and ``FIRST-NAME`` are one spelling; the usual headers of
CRM exports (``E-mail``, ``Phone Number``, ``Zip``, ``Company``, ...) are known too. ``--map
"Column=field"`` names the rest (``--map "Column=-"`` leaves a column out on purpose). Custom
fields are ``custom:<name or key>`` (resolved through the location's definitions when they are
known) or ``custom_id:<id>``.

Folding is for recognising fields only: a ``--map`` names the one column whose header is written
as its key is, or else the one that differs from it only in case and spaces, so ``--map
"E-mail=-"`` never leaves ``Email`` out too. A ``--map`` that could name two columns, or (in a
CSV) names none, is refused.

Every column must land somewhere: an unknown one, or two columns filling one field, stops the
import before anything is sent, naming the closest fields.

A custom field's CSV cell is its text, or the JSON of any other value: a multi-select's options
are ``["golf", "tennis"]``, which :func:`cell_value` reads back as the list (unless the field's
definition says it holds no list), so an exported file imports again as it was.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from ..custom_fields import CustomFieldDirectory, loose_name
from ..errors import CustomFieldError
from ..models.contacts import ContactCreate

LIST_TYPES = frozenset({"MULTIPLE_OPTIONS", "CHECKBOX"})
"""The custom field types whose value is a list of options."""
CUSTOM_KEY = "custom:"
CUSTOM_ID = "custom_id:"
IGNORE = "-"
READ_ONLY = frozenset({"id", "date_added", "date_updated"})
"""Columns an export writes that an import leaves out, so an exported CSV imports again."""
REJECT_COLUMNS = ("rejected_line", "rejected_column", "rejected_reason")
"""Columns a rejects file adds in front of the row; ignored on import, so it re-imports as is."""

_NOT_FROM_COLUMNS = {"custom_fields", "dnd_settings", "inbound_dnd_settings"}
_SPELLINGS = {
    "first_name": "first firstname givenname forename fname",
    "last_name": "last lastname surname familyname lname",
    "name": "fullname contactname",
    "email": "emailaddress mail email1 primaryemail",
    "phone": "phonenumber mobile mobilephone mobilenumber cell cellphone telephone tel phone1 "
    "primaryphone",
    "address1": "address streetaddress street addressline1",
    "city": "town",
    "state": "province region stateprovince",
    "postal_code": "zip zipcode postcode",
    "country": "countrycode",
    "website": "url web homepage",
    "timezone": "tz",
    "company_name": "company organization organisation business businessname",
    "source": "leadsource",
    "date_of_birth": "dob birthday birthdate",
    "tags": "tag labels",
    "dnd": "donotdisturb",
    "assigned_to": "owner ownerid",
}


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, unknown column)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    """Where one column's cells go: a ``ContactCreate`` field, a custom field, or nowhere."""

    field: str | None = None
    custom_id: str | None = None
    custom_key: str | None = None
    takes_list: bool | None = dataclasses.field(default=None, compare=False)
    """For a custom field: whether its definition holds a list (``None``: not known)."""

    @property
    def ignored(self) -> bool:
        return self.field is None and self.custom_id is None and self.custom_key is None

    def describe(self) -> str:
        if self.field is not None:
            return self.field
        if self.custom_id is not None:
            return f"{CUSTOM_ID}{self.custom_id}"
        return f"{CUSTOM_KEY}{self.custom_key}" if self.custom_key else "(ignored)"


def fold(text: str) -> str:
    """``"E-Mail Address"`` -> ``"emailaddress"``: case, accents, spaces and punctuation away;
    letters and digits of every script stay (``"Имя"`` -> ``"имя"``)."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if ch.isalnum())


def _fields() -> dict[str, str]:
    """Folded spelling -> snake_case field name, for every field a column may fill."""
    info = msgspec.inspect.type_info(ContactCreate)
    assert isinstance(info, msgspec.inspect.StructType)
    names = {fold(f.name): f.name for f in info.fields if f.name not in _NOT_FROM_COLUMNS}
    for field, spellings in _SPELLINGS.items():
        names.update(dict.fromkeys(spellings.split(), field))
    return names


_OBJECTS = {
    "dndSettings": Target(field="dnd_settings"),
    "inboundDndSettings": Target(field="inbound_dnd_settings"),
}
"""The fields an NDJSON key fills with an object (no CSV cell can hold one)."""
FIELDS = _fields()
FIELD_NAMES = sorted(set(FIELDS.values()))
_LEFT_OUT = frozenset(fold(c) for c in (*READ_ONLY, *REJECT_COLUMNS))


class ColumnMap:
    """Resolves column names to :class:`Target` s; built once per file.

    Args:
        overrides: ``--map`` pairs: column name -> field spelling, ``custom:<name or key>``,
            ``custom_id:<id>`` or ``-`` (leave the column out). A pair names the column written
            as its key is, else the one that differs from it only in case and spaces.
        custom_fields: The location's custom field definitions, when known: ``custom:<x>``
            is then matched to a definition by id, key or name and sent by its id; without
            them it is sent as a key.

    Raises:
        ImportFileError: An override names an unknown field.
    """

    def __init__(
        self,
        overrides: Mapping[str, str] | None = None,
        custom_fields: CustomFieldDirectory | None = None,
    ) -> None:
        self._custom = custom_fields
        self._custom_errors: dict[str, str] = {}
        self._overrides: dict[str, Target] = {}
        self._loose: dict[str, list[str]] = {}  # loose_name(key) -> the keys spelt so
        for column, spelling in (overrides or {}).items():
            target = self._target(spelling.strip())
            if target is None:
                raise ImportFileError(f"--map {column}={spelling}: {self._hint(spelling)}")
            key = column.strip()
            self._overrides[key] = target
            self._loose.setdefault(loose_name(key), []).append(key)

    def targets(self, columns: Sequence[str], *, json_values: bool = False) -> list[Target | None]:
        """Where each of the columns of one file (or, with ``json_values``, the keys of one
        NDJSON record, which may also be ``dndSettings`` and ``inboundDndSettings`` objects)
        goes; ``None`` for an unknown one.

        Raises:
            ImportFileError: A ``--map`` could name two of these columns, or two ``--map``
                could name one.
        """
        targets = self._apply(columns, self._override_keys(columns))
        if json_values:
            targets = [t or _OBJECTS.get(c.strip()) for c, t in zip(columns, targets, strict=True)]
        return targets

    def resolve(self, columns: Iterable[str]) -> list[Target]:
        """Every column's target, in order (the columns of a whole file: a ``--map`` that names
        none of them is refused).

        Raises:
            ImportFileError: A column is unknown, or two columns fill the same field, or a
                ``--map`` names no column or could name two; the message names each column
                with the closest fields and the ``--map`` to use.
        """
        columns = list(columns)
        keys = self._override_keys(columns)
        self._refuse_unused(columns, keys)
        targets = self._apply(columns, keys)
        unknown = [c for c, t in zip(columns, targets, strict=True) if t is None]
        if unknown:
            hints = "; ".join(f"{c!r}: {self._hint(c)}" for c in unknown)
            raise ImportFileError(
                f'unknown column(s): {hints}. Name them with --map "Column=field" '
                f'(or --map "Column=-" to leave one out); fields are {", ".join(FIELD_NAMES)}, '
                f"'{CUSTOM_KEY}<name or key>' and '{CUSTOM_ID}<id>'"
            )
        resolved = [t for t in targets if t is not None]
        _refuse_repeats(columns, resolved)
        return resolved

    def _override_keys(self, columns: Sequence[str]) -> list[str | None]:
        """The ``--map`` key naming each column, if any: the key written as the column is,
        else the one key equal to it but for case and spaces that names no column exactly."""
        names = [c.strip() for c in columns]
        exact = self._overrides.keys() & set(names)
        keys: list[str | None] = []
        named: dict[str, str] = {}
        for column, name in zip(columns, names, strict=True):
            if name in self._overrides:
                found = [name]
            else:
                found = [k for k in self._loose.get(loose_name(name), ()) if k not in exact]
            if len(found) > 1:
                raise ImportFileError(
                    f"--map {found[0]!r} and --map {found[1]!r} both name column {column!r}: "
                    "keep one, written as the header writes it"
                )
            key = found[0] if found else None
            if key is not None and key in named:
                raise ImportFileError(
                    f"--map {key!r} names both {named[key]!r} and {column!r}: "
                    + (_ALIKE if named[key].strip() == name else "write it as one header does")
                )
            if key is not None:
                named[key] = column
            keys.append(key)
        return keys

    def _refuse_unused(self, columns: list[str], keys: list[str | None]) -> None:
        for key in self._overrides.keys() - set(keys):
            names = sorted({c.strip() for c in columns})
            close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
            hint = f" (closest {close[0]!r})" if close else ""
            raise ImportFileError(
                f"--map {key!r}: the file has no column by that name{hint}; write it as the "
                "header does"
            )

    def _apply(self, columns: Sequence[str], keys: list[str | None]) -> list[Target | None]:
        return [
            self._recognised(column) if key is None else self._overrides[key]
            for column, key in zip(columns, keys, strict=True)
        ]

    def _recognised(self, column: str) -> Target | None:
        if fold(column) in _LEFT_OUT:
            return Target()
        return self._target(column.strip())

    def _target(self, spelling: str) -> Target | None:
        if spelling == IGNORE:
            return Target()
        if spelling.startswith(CUSTOM_ID):
            return Target(custom_id=spelling[len(CUSTOM_ID) :].strip())
        if spelling.startswith(CUSTOM_KEY):
            return self._custom_target(spelling[len(CUSTOM_KEY) :].strip())
        field = FIELDS.get(fold(spelling))
        return Target(field=field) if field is not None else None

    def _custom_target(self, name: str) -> Target | None:
        if self._custom is None:
            return Target(custom_key=name)
        try:
            definition = self._custom.resolve(name)
        except CustomFieldError as exc:
            self._custom_errors[name] = str(exc)
            return None
        return Target(custom_id=definition.id, takes_list=definition.data_type in LIST_TYPES)

    def _hint(self, column: str) -> str:
        if column.strip().startswith(CUSTOM_KEY):
            name = column.strip()[len(CUSTOM_KEY) :].strip()
            return self._custom_errors.get(name, "unknown custom field")
        return _unknown_hint(column)


def _unknown_hint(column: str) -> str:
    close = difflib.get_close_matches(fold(column), list(FIELDS), n=3, cutoff=0.6)
    named = list(dict.fromkeys(FIELDS[c] for c in close))
    return f"closest fields {', '.join(named)}" if named else "no field is close"


def _refuse_repeats(columns: list[str], targets: list[Target]) -> None:
    seen: dict[Target, str] = {}
    for column, target in zip(columns, targets, strict=True):
        if target.ignored:
            continue
        if target in seen:
            raise ImportFileError(
                f"columns {seen[target]!r} and {column!r} both fill {target.describe()}: one "
                f"would overwrite the other. {_apart(seen[target], column)}"
            )
        seen[target] = column


def _apart(first: str, second: str) -> str:
    """How to tell two columns apart: a ``--map`` for the second, unless no key can name it
    alone (two headers written alike)."""
    if first.strip() == second.strip():
        return _ALIKE
    return f'Leave one out with --map "{second}=-" or map it to another field'


_ALIKE = "the header names two columns alike, which no --map can tell apart: rename one"


def custom_cell(value: object) -> str:
    """A custom field's value as a CSV cell: text as it is, anything else as its JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def cell_value(target: Target, cell: str) -> Any:
    """A CSV cell's value for ``target``: for a custom field, a JSON array of strings (how
    :func:`custom_cell` writes a multi-select) is the list, unless the field's definition holds
    no list (a text field may hold ``["a"]`` as text); any other cell is its text."""
    text = cell.strip()
    custom = target.custom_id is not None or target.custom_key is not None
    if not custom or target.takes_list is False or (text[:1], text[-1:]) != ("[", "]"):
        return cell
    try:
        value = json.loads(text)
    except ValueError:
        return cell
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return cell
