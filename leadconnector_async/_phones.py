"""The package's one phone rule: E.164 as the API stores it, by Google's libphonenumber rules.

Sync (matching and comparing) and the command line (import hygiene) both use :func:`e164`, so a
number is read the same way wherever it comes from. A number without a country code is never
guessed: it needs a ``default_region`` (``GB`` reads ``020 7946 0958`` as ``+442079460958``).
``phonenumbers`` (from ``phonenumberslite``) is imported on first use, not with the package.
"""

from __future__ import annotations

import re
from functools import cache
from types import ModuleType

__all__ = ["NoCountryCodeError", "PhoneNumberError", "e164", "is_region"]


class PhoneNumberError(ValueError):
    """Text that cannot be written as an E.164 phone number (the message says why)."""


class NoCountryCodeError(PhoneNumberError):
    """A number written without a country code, and no default region to read it in."""


_LEADING_00 = re.compile(r"^\s*00(?=[\s\-./()]*[1-9])")
_NOT_DIGITS = re.compile(r"\D")


@cache
def _library() -> ModuleType:
    import phonenumbers

    return phonenumbers


def is_region(region: str) -> bool:
    """Whether ``region`` is a country code phone numbers know (``US``, ``GB``, ``DE``)."""
    return region in _library().SUPPORTED_REGIONS


def e164(text: str, default_region: str | None = None, *, valid_only: bool = False) -> str:
    """``"+44 (0)20 7946 0958"`` -> ``"+442079460958"``.

    Args:
        text: A phone number as written: ``+`` or ``00`` and a country code, or a national
            number (read in ``default_region``). An extension is dropped, as E.164 has none.
        default_region: ISO country (``US``) for numbers written without a country code.
        valid_only: Also refuse a number libphonenumber knows cannot exist (a wrong length,
            an unassigned area code); otherwise any number it can read is written.

    Raises:
        NoCountryCodeError: No country code and no ``default_region``.
        PhoneNumberError: Not a phone number (or, with ``valid_only``, not a valid one).
    """
    lib = _library()
    try:
        number = lib.parse(_international(text, default_region), default_region)
    except lib.NumberParseException as exc:
        if exc.error_type == lib.NumberParseException.INVALID_COUNTRY_CODE:
            raise NoCountryCodeError(
                f"{text!r} has no country code: write it as +<country code>... "
                "or give a default region (e.g. US, GB)"
            ) from None
        raise PhoneNumberError(f"{text!r} is not a phone number ({exc._msg})") from None
    if valid_only and not lib.is_valid_number(number):
        region = f" in region {default_region}" if default_region else ""
        raise PhoneNumberError(f"{text!r} is not a valid phone number{region}")
    formatted: str = lib.format_number(number, lib.PhoneNumberFormat.E164)
    return formatted


def _international(text: str, region: str | None) -> str:
    """``text`` with a leading ``00`` (the ITU international prefix) written ``+``, unless
    ``region`` dials abroad with a prefix that starts so (``00`` in GB, ``0011`` in AU), which
    libphonenumber reads itself. Elsewhere it would read ``0044 ...`` as a national number: in
    the US, ``+100442079460958``."""
    if not _LEADING_00.match(text):
        return text
    metadata = _library().PhoneMetadata.metadata_for_region(region) if region else None
    own = metadata.international_prefix if metadata is not None else None
    if own and re.match(own, _NOT_DIGITS.sub("", text)):
        return text
    return _LEADING_00.sub("+", text, count=1)
