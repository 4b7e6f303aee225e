"""Request validation the way the API's whitelisting validator answers (422, message list).

A schema maps each allowed property to the Python types it accepts; ``required`` names those
that must be present. Unknown properties get ``"property X should not exist"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
class Schema:
    """Allowed properties (name -> accepted types) and the required ones."""

    properties: Mapping[str, tuple[type, ...]]
    required: frozenset[str] = field(default_factory=frozenset)


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
        if (isinstance(value, bool) and bool not in accepted) or not isinstance(value, accepted):
            messages.append(f"{name} must be {_TYPE_NAMES[accepted[0]]}")
    return messages


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
    "dateOfBirth": (str, dict, type(None)),
    "country": STR,
    "assignedTo": NSTR,
}

CREATE_CONTACT = Schema(
    {**_CONTACT_FIELDS, "locationId": STR, "gender": STR, "companyName": NSTR},
    frozenset({"locationId"}),
)
UPSERT_CONTACT = Schema(
    {**CREATE_CONTACT.properties, "createNewIfDuplicateAllowed": BOOL}, frozenset({"locationId"})
)
UPDATE_CONTACT = Schema(_CONTACT_FIELDS)
