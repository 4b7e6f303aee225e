"""What a sync compares: each field's value after the normalisation the API applies. Pure.

Values become canonical strings (``None`` for empty): strings trimmed, email lower-case, phone in
E.164 by the package's one phone rule (a number without a country code as written: never
guessed), dates of birth as ``YYYY-MM-DD``, booleans as ``true``/``false``, numbers and lists in
one spelling (a multi-select as a set). A field is compared by ``path``: the field's name, a
do-not-disturb channel's ``dnd_settings.<channel>.<key>``, or a custom field's ``cf:<id>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec
from msgspec import UNSET

from .._phones import PhoneNumberError, e164
from ..models.contacts import Contact, ContactCreate

__all__ = [
    "COMPARABLE",
    "ROW_FIELDS",
    "Entry",
    "canonical",
    "contact_entries",
    "row_entries",
    "tag",
]

_SEPARATELY = frozenset({"location_id", "tags", "custom_fields", "dnd_settings"})
ROW_FIELDS = tuple(name for name in ContactCreate.__struct_fields__ if name not in _SEPARATELY)
"""Row fields compared by their own name. Those a contact does not carry (``inbound_dnd_settings``)
never compare equal, so a row that sets one always writes it."""
COMPARABLE = tuple(name for name in ROW_FIELDS if name in Contact.__struct_fields__)
"""Row fields compared one to one with the contact's field of the same name."""

Entry = tuple[str, str | None]
"""A path and its canonical value (``None``: empty)."""

_YEAR_FIRST = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T ])")
_YEAR_LAST = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")
_ENCODE = msgspec.json.Encoder(order="sorted").encode


def _phone(text: str) -> str:
    """E.164 when the number says its country; otherwise as written (never guessed)."""
    try:
        return e164(text)
    except PhoneNumberError:
        return text


def _date(text: str) -> str:
    unified = re.sub(r"[/._]", "-", text.strip())
    if found := _YEAR_FIRST.match(unified):
        year, month, day = found.groups()
    elif found := _YEAR_LAST.match(unified):
        month, day, year = found.groups()
    else:
        return text.strip()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def canonical(value: Any, path: str = "") -> str | None:
    """``value`` in the one spelling both sides of a comparison use (``None``: empty)."""
    if value is None or value is UNSET:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if path == "email":
            return text.lower()
        if path == "phone":
            return _phone(text)
        return _date(text) if path == "date_of_birth" else text
    if isinstance(value, list | tuple):
        items = sorted(c for c in (canonical(v) for v in value) if c is not None)
        return "\x1f".join(items) if items else None
    return _ENCODE(msgspec.to_builtins(value)).decode() or None


def tag(text: str) -> str:
    """A tag as compared: trimmed (tags are a set, so order and repeats do not matter)."""
    return text.strip()


def _dnd_entries(settings: Any) -> Iterator[Entry]:
    if settings is None or settings is UNSET:
        return
    for channel, state in msgspec.to_builtins(settings).items():
        if isinstance(state, dict):
            for key, value in state.items():
                yield f"dnd_settings.{channel}.{key}", canonical(value)


def contact_entries(contact: Contact, paths: frozenset[str] | None = None) -> Iterator[Entry]:
    """Every non-empty comparable value of a stored contact, tags left out.

    ``paths``: only the plain fields named there (``None``: all); the rest are not normalised,
    which saves most of the work of reading a large location (a phone takes ~8 us).
    """
    for name in COMPARABLE:
        if paths is not None and name not in paths:
            continue
        value = canonical(getattr(contact, name), name)
        if value is not None:
            yield name, value
    yield from ((p, v) for p, v in _dnd_entries(contact.dnd_settings) if v is not None)
    for field in contact.custom_fields or ():
        value = canonical(field.value)
        if field.id and value is not None:
            yield f"cf:{field.id}", value


def row_entries(row: ContactCreate) -> Iterator[Entry]:
    """Every value a row sets (``None`` and ``UNSET`` mean "not mine"), tags left out.

    Custom fields must already be identified by id.
    """
    for name in ROW_FIELDS:
        value = getattr(row, name)
        if value is not None and value is not UNSET:
            yield name, canonical(value, name)
    yield from _dnd_entries(row.dnd_settings)
    for field in row.custom_fields or ():
        if isinstance(field.id, str):
            yield f"cf:{field.id}", canonical(field.field_value)
