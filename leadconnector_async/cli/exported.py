"""Reading an NDJSON export back: its keys as an import takes them.

An NDJSON export is each contact as the API returns it, so it imports (and syncs) again as it
was once its keys are read as follows, before each is looked up like a CSV header:

- keys the server sets itself (:data:`DERIVED`: ``id``, the dates, ``locationId``, the lower-case
  copies, the search cursor ``searchAfter``, ...) are left out: the contact written gets its own;
- keys of contact data that the create and upsert bodies do not take (``type``, ``followers``,
  ``additionalEmails``, ...: every other field of a read contact that a written one lacks) are
  left out too, and the job's summary names them (:func:`left_out_note`);
- ``customFields`` (``[{"id", "value"}]``) become ``custom_id:<id>`` keys; ``address`` (how
  search spells ``address1``) is dropped where it repeats ``address1``;
- the fields of ``_undecoded`` (values the client could not type) become keys of their own.

Any other key that names no field rejects its row, by name, as it does in any NDJSON file.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..models.contacts import Contact, ContactCreate
from .columns import CUSTOM_ID

UNDECODED = "_undecoded"
"""The key an NDJSON export writes a contact's undecoded fields under (``Contact.undecoded``)."""
CUSTOM_FIELDS = "customFields"

DERIVED = frozenset(
    {
        "id",
        "dateAdded",
        "dateUpdated",
        "locationId",
        "firstNameLowerCase",
        "lastNameLowerCase",
        "fullNameLowerCase",
        "emailLowerCase",
        "searchAfter",
        "birthMonth",
        "birthDay",
        "validEmail",
        "bounceEmail",
        "unsubscribeEmail",
        "deleted",
        "lastActivity",
        "lastSessionActivityAt",
    }
)
"""Keys the server sets on a contact (``locationId``: the location the command writes to)."""


def _wire_names(struct: type[msgspec.Struct]) -> frozenset[str]:
    return frozenset(f.encode_name for f in msgspec.structs.fields(struct))


NOT_WRITABLE = _wire_names(Contact) - _wire_names(ContactCreate) - DERIVED - {"address"}
"""Keys of contact data a read contact has and no create or upsert body takes."""


class ExportKeyError(ValueError):
    """A key in the export's shape holds what the export never writes there."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key


def importable(record: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``record``'s keys as an import reads them, and the keys of data left out (those of
    :data:`NOT_WRITABLE` that hold a value).

    Raises:
        ExportKeyError: ``_undecoded`` is not an object, or ``customFields`` is not a list of
            ``{"id", "value"}`` objects; or a custom field is there twice.
    """
    fields = _with_undecoded(record)
    left_out = [k for k in fields if k in NOT_WRITABLE and fields[k] not in (None, "", [], {})]
    fields = {k: v for k, v in fields.items() if k not in DERIVED and k not in NOT_WRITABLE}
    if "address" in fields and fields["address"] == fields.get("address1"):
        del fields["address"]
    if CUSTOM_FIELDS in fields:
        for key, value in _custom_keys(fields.pop(CUSTOM_FIELDS)):
            if key in fields:
                raise ExportKeyError(CUSTOM_FIELDS, f"{key!r} is set twice (once in customFields)")
            fields[key] = value
    return fields, left_out


def _with_undecoded(record: dict[str, Any]) -> dict[str, Any]:
    """The record with the fields of its ``_undecoded`` object (our export's) as keys of its
    own, where the record has none by that name.

    So a value the client could not type when it read the contact is imported if its column
    takes it, and its row is rejected (naming it) if not; none is dropped unseen.
    """
    undecoded = record.get(UNDECODED)
    if undecoded is None:
        return record
    if not isinstance(undecoded, dict):
        raise ExportKeyError(UNDECODED, "is not a JSON object")
    fields = {key: value for key, value in record.items() if key != UNDECODED}
    for key, value in undecoded.items():
        fields.setdefault(key, value)
    return fields


def _custom_keys(custom_fields: Any) -> list[tuple[str, Any]]:
    """``[{"id": "f1", "value": "gold"}]`` -> ``[("custom_id:f1", "gold")]``."""
    shape = 'a list of {"id", "value"} objects, as an export writes it'
    if not isinstance(custom_fields, list):
        raise ExportKeyError(CUSTOM_FIELDS, f"is not {shape}")
    keys: list[tuple[str, Any]] = []
    for item in custom_fields:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("id"), str)
            or set(item)
            - {
                "id",
                "value",
            }
        ):
            raise ExportKeyError(CUSTOM_FIELDS, f"is not {shape}: {item!r}")
        keys.append((f"{CUSTOM_ID}{item['id']}", item.get("value")))
    return keys


def left_out_note(rows_by_key: dict[str, int]) -> str | None:
    """The summary's one line about data an NDJSON export holds that was not written."""
    if not rows_by_key:
        return None
    named = ", ".join(
        f"{key} ({rows} row{'s' if rows != 1 else ''})" for key, rows in sorted(rows_by_key.items())
    )
    return (
        f"note: left out what the create and upsert requests cannot write: {named}; "
        "the contacts written keep their own"
    )
