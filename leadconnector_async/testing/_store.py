"""The fake server's in-memory data: contacts as the API stores and returns them."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from ._responses import new_id


def api_time(moment: datetime) -> str:
    """A UTC time as the API writes it (``2021-07-02T05:18:26.704Z``)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    """The current time as the API writes it."""
    return api_time(datetime.now(UTC))


# The order the API writes a contact's fields in (its create response, as the spec records
# it); fields it does not list follow in the order they were set.
_WIRE_ORDER = (
    "id",
    "dateAdded",
    "dateUpdated",
    "deleted",
    "tags",
    "type",
    "customFields",
    "locationId",
    "firstName",
    "firstNameLowerCase",
    "fullNameLowerCase",
    "lastName",
    "lastNameLowerCase",
    "email",
    "emailLowerCase",
    "bounceEmail",
    "unsubscribeEmail",
    "dnd",
    "dndSettings",
    "phone",
    "address1",
    "city",
    "state",
    "country",
    "postalCode",
    "website",
    "source",
    "companyName",
    "dateOfBirth",
    "birthMonth",
    "birthDay",
    "lastSessionActivityAt",
    "offers",
    "products",
    "businessId",
    "assignedTo",
)
_RANK = {name: rank for rank, name in enumerate(_WIRE_ORDER)}


class ContactStore:
    """Contacts by id, in insertion order, with the derived fields the API computes.

    Change contacts through ``create``/``update``/``delete``: they keep the email/phone index
    that makes a duplicate check O(1), so bulk imports of 100,000s of rows stay fast.
    """

    def __init__(self) -> None:
        self.contacts: dict[str, dict[str, Any]] = {}
        self.allow_duplicates: dict[str, bool] = {}
        self._matches: dict[tuple[str, str, str], dict[str, None]] = {}

    def create(self, location_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Store a new contact and return it."""
        stamp = now_iso()
        contact: dict[str, Any] = {
            "id": new_id(),
            "locationId": location_id,
            "dateAdded": stamp,
            "dateUpdated": stamp,
            "tags": [],
            "customFields": [],
            "type": "lead",
        }
        self._apply(contact, fields)
        self.contacts[contact["id"]] = contact
        self._index(contact, add=True)
        return contact

    def update(self, contact_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Apply ``fields`` to a stored contact (``tags`` replaces the tags) and return it."""
        contact = self.contacts[contact_id]
        self._index(contact, add=False)
        self._apply(contact, fields)
        contact["dateUpdated"] = now_iso()
        self._index(contact, add=True)
        return contact

    def delete(self, contact_id: str) -> dict[str, Any]:
        contact = self.contacts.pop(contact_id)
        self._index(contact, add=False)
        return contact

    def get(self, contact_id: str) -> dict[str, Any] | None:
        return self.contacts.get(contact_id)

    def find_duplicate(
        self, location_id: str, email: str | None, phone: str | None
    ) -> tuple[dict[str, Any], str] | None:
        """The contact matching by email first, then phone, with the field that matched."""
        for field_name, value in (("email", email), ("phone", phone)):
            if not value:
                continue
            key = (location_id, field_name, _normalise(field_name, value))
            for contact_id in self._matches.get(key, ()):
                return self.contacts[contact_id], field_name
        return None

    def _index(self, contact: dict[str, Any], *, add: bool) -> None:
        for field_name in ("email", "phone"):
            if not contact.get(field_name):
                continue
            key = (contact["locationId"], field_name, _normalise(field_name, contact[field_name]))
            ids = self._matches.setdefault(key, {})
            if add:
                ids[contact["id"]] = None
            else:
                ids.pop(contact["id"], None)
                if not ids:
                    del self._matches[key]

    @staticmethod
    def _apply(contact: dict[str, Any], fields: dict[str, Any]) -> None:
        for key, value in fields.items():
            if key in ("createNewIfDuplicateAllowed", "locationId"):
                continue
            if key == "customFields":
                contact["customFields"] = _merge_custom_fields(contact["customFields"], value)
            else:
                contact[key] = copy.deepcopy(value)
        _derive_names(contact)
        _put_in_wire_order(contact)


def _normalise(field_name: str, value: str) -> str:
    if field_name == "email":
        return value.strip().lower()
    return "".join(ch for ch in value if ch.isdigit())


def _merge_custom_fields(current: list[dict[str, Any]], updates: list[Any]) -> list[dict[str, Any]]:
    merged = {item["id"]: item for item in current}
    for item in updates:
        field_id = item.get("id") or item.get("key")
        merged[field_id] = {"id": field_id, "value": item.get("field_value", item.get("value"))}
    return list(merged.values())


def _derive_names(contact: dict[str, Any]) -> None:
    first, last = contact.get("firstName"), contact.get("lastName")
    if first or last:
        contact["name"] = " ".join(part for part in (first, last) if part)
    if first:
        contact["firstNameLowerCase"] = first.lower()
    if last:
        contact["lastNameLowerCase"] = last.lower()
    if contact.get("name"):
        contact["fullNameLowerCase"] = contact["name"].lower()
    if contact.get("email"):
        contact["emailLowerCase"] = contact["email"].lower()


def _put_in_wire_order(contact: dict[str, Any]) -> None:
    ordered = sorted(contact.items(), key=lambda item: _RANK.get(item[0], len(_RANK)))
    contact.clear()
    contact.update(ordered)
