"""Row hygiene: each cell cleaned the way the API would store it, or a reason it cannot be.

Text is trimmed; emails are checked and lower-cased; phones are normalised to E.164 by the
package's one phone rule (a ``+`` country code, or ``default_region`` for national numbers);
without ``default_region`` a national number (``(512) 555-0101``) is kept as written, trimmed,
for the API to read in the location's country;
tags are split on any of the tag delimiters; ``dnd`` takes the usual spellings of yes and no.
Two rows of one file with the same email or phone are reported, never merged silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .._phones import NoCountryCodeError, e164, is_region
from .columns import ImportFileError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A national number as a CRM export writes it: digits and the usual separators, 7 to 15 digits.
_NATIONAL = re.compile(r"[\d\s().\-/]+")
_NATIONAL_DIGITS = range(7, 16)
_BOOLEANS = {
    "true": True,
    "yes": True,
    "y": True,
    "1": True,
    "false": False,
    "no": False,
    "n": False,
    "0": False,
}
DEFAULT_TAG_DELIMITERS = ",;"


def check_region(region: str) -> None:
    """Raise :class:`ImportFileError` unless ``region`` is a country phone numbers know."""
    if not is_region(region):
        raise ImportFileError(f"--default-region {region}: not a country code (e.g. US, GB, DE)")


def normalise_phone(text: str, default_region: str | None) -> str:
    """``"+1 (415) 555-0132"`` -> ``"+14155550132"``; a national number is read in
    ``default_region``, or returned as written when there is none (see :func:`is_as_written`).

    Raises:
        ValueError: Not a valid phone number (the message says why).
    """
    try:
        return e164(text, default_region, valid_only=True)
    except NoCountryCodeError:
        if default_region is None and _looks_national(text):
            return text
        raise ValueError(
            f"{text!r} has no country code: write it as +<country code>... or pass "
            "--default-region (e.g. US, GB)"
        ) from None


def _looks_national(text: str) -> bool:
    return bool(_NATIONAL.fullmatch(text)) and len(phone_digits(text)) in _NATIONAL_DIGITS


def phone_digits(phone: str) -> str:
    """The digits of ``phone``: how two numbers of one file are compared."""
    return re.sub(r"\D", "", phone)


def is_as_written(phone: object) -> bool:
    """True for a cleaned phone sent as written (no country code, no ``default_region``):
    every normalised one starts with ``+``."""
    return isinstance(phone, str) and not phone.startswith("+")


def as_written_note(count: int) -> str | None:
    """The summary's one line about phones sent as written, when there were any."""
    if not count:
        return None
    return (
        f"note: {count} phone numbers have no country code: they go to the API as written "
        "(trimmed), which reads them in the location's country; --default-region (e.g. US) "
        "normalises them to E.164 before sending"
    )


@dataclass(frozen=True)
class Hygiene:
    """How cells are cleaned.

    Args:
        tag_delimiters: Every character here separates tags in one cell.
        default_region: ISO country (``US``) for phone numbers written without ``+``.
    """

    tag_delimiters: str = DEFAULT_TAG_DELIMITERS
    default_region: str | None = None

    def clean(self, field: str, value: Any) -> Any:
        """The cleaned value of one cell for ``field`` (a ``ContactCreate`` field name).

        Raises:
            ValueError: The value cannot be stored as that field (the message says why).
        """
        if not isinstance(value, str):
            return value
        value = value.strip()
        if field == "tags":
            return self.tags(value)
        if field == "email":
            if not _EMAIL.match(value):
                raise ValueError(f"{value!r} is not a valid email address")
            return value.lower()
        if field == "phone":
            return normalise_phone(value, self.default_region)
        if field == "dnd":
            if value.lower() not in _BOOLEANS:
                raise ValueError(f"{value!r} is not a boolean (true/false, yes/no, 1/0)")
            return _BOOLEANS[value.lower()]
        return value

    def tags(self, cell: str) -> list[str]:
        """``"vip; newsletter,vip"`` -> ``["vip", "newsletter"]``."""
        parts = (
            re.split(f"[{re.escape(self.tag_delimiters)}]", cell) if self.tag_delimiters else [cell]
        )
        return list(dict.fromkeys(t.strip() for t in parts if t.strip()))


@dataclass
class SeenInFile:
    """Remembers each email and phone of a file, to report the second row that has one
    (phones compared by their digits: ``(512) 555-0101`` repeats ``512.555.0101``)."""

    _first_line: dict[tuple[str, str], int] = field(default_factory=dict)

    def repeat(self, line: int, email: object, phone: object) -> tuple[str, str] | None:
        """``(column, reason)`` when an earlier row had this email or phone, else ``None``."""
        phone_key = phone_digits(phone) if isinstance(phone, str) else None
        keys = [(c, v) for c, v in (("email", email), ("phone", phone_key)) if isinstance(v, str)]
        for key in keys:
            first = self._first_line.get(key)
            if first is not None and first != line:
                column = key[0]
                value = phone if column == "phone" else key[1]
                return column, f"same {column} as line {first} ({value}): a repeat in this file"
        for key in keys:
            self._first_line[key] = line
        return None
