"""Request validation the way the API's whitelisting validator answers (422, message list).

A schema maps each allowed property to the Python types it accepts; ``required`` names those
that must be present; ``formats`` says what some string properties must look like. Unknown
properties get ``"property X should not exist"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

_TYPE_NAMES = {
    str: "a string",
    bool: "a boolean",
    list: "an array",
    dict: "an object",
    int: "a number",
    float: "a number",
    type(None): "null",
}


@dataclass(frozen=True)
class Format:
    """What a string property must look like: ``accepts(value)``, else ``message``."""

    accepts: Callable[[str], bool]
    message: str


@dataclass(frozen=True)
class Schema:
    """Allowed properties (name -> accepted types), the required ones, and string formats."""

    properties: Mapping[str, tuple[type, ...]]
    required: frozenset[str] = field(default_factory=frozenset)
    formats: Mapping[str, Format] = field(default_factory=dict)


def validate(body: Any, schema: Schema) -> list[str]:
    """Every validation message for ``body``; empty when it is acceptable."""
    if not isinstance(body, dict):
        return ["request body must be a JSON object"]
    messages = [
        f"property {name} should not exist" for name in body if name not in schema.properties
    ]
    for name in sorted(schema.required):
        if body.get(name) in (None, ""):
            messages.append(f"{name} should not be empty")
    for name, value in body.items():
        accepted = schema.properties.get(name)
        if accepted is None or (value is None and type(None) in accepted):
            continue
        shape = schema.formats.get(name)
        if (isinstance(value, bool) and bool not in accepted) or not isinstance(value, accepted):
            messages.append(f"{name} must be {_TYPE_NAMES[accepted[0]]}")
        elif shape is not None and isinstance(value, str) and not shape.accepts(value):
            messages.append(shape.message)
    return messages


BIRTH_DATE_FORMATS = tuple(
    pattern.replace("-", separator) for separator in "-/._" for pattern in ("%Y-%m-%d", "%m-%d-%Y")
)
"""The spellings the API accepts for ``dateOfBirth`` (reference brief section 8)."""


def birth_date(text: str) -> datetime | None:
    """``text`` read in one of :data:`BIRTH_DATE_FORMATS`, or ``None`` when it is in none."""
    for pattern in BIRTH_DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


_SPELLED = ", ".join(
    pattern.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
    for pattern in BIRTH_DATE_FORMATS
)
_BIRTH_DATE = Format(
    lambda text: birth_date(text) is not None,
    f"dateOfBirth must be a date in one of the formats {_SPELLED}",
)


STR = (str,)
NSTR = (str, type(None))
BOOL = (bool,)
LIST = (list,)
OBJ = (dict,)
NUM = (int, float)

_CONTACT_FIELDS: dict[str, tuple[type, ...]] = {
    "firstName": NSTR,
    "lastName": NSTR,
    "name": NSTR,
    "email": NSTR,
    "phone": NSTR,
    "address1": NSTR,
    "city": NSTR,
    "state": NSTR,
    "postalCode": STR,
    "website": NSTR,
    "timezone": NSTR,
    "dnd": BOOL,
    "dndSettings": OBJ,
    "inboundDndSettings": OBJ,
    "tags": LIST,
    "customFields": LIST,
    "source": NSTR,
    "dateOfBirth": NSTR,
    "country": STR,
    "assignedTo": NSTR,
}

_CONTACT_FORMATS = {"dateOfBirth": _BIRTH_DATE}

CREATE_CONTACT = Schema(
    {**_CONTACT_FIELDS, "locationId": STR, "gender": STR, "companyName": NSTR},
    frozenset({"locationId"}),
    _CONTACT_FORMATS,
)
UPSERT_CONTACT = Schema(
    {**CREATE_CONTACT.properties, "createNewIfDuplicateAllowed": BOOL},
    frozenset({"locationId"}),
    _CONTACT_FORMATS,
)
UPDATE_CONTACT = Schema(_CONTACT_FIELDS, formats=_CONTACT_FORMATS)
