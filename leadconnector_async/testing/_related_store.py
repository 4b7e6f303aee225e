"""What the fake keeps beside each contact: tasks, notes, campaigns, workflows, appointments.

Tags, followers and ``businessId`` live on the contact itself (``fake.store.contacts``), as the
API returns them there.
"""

from __future__ import annotations

from typing import Any, Literal

from ._responses import new_id
from ._store import now_iso

RecordKind = Literal["tasks", "notes"]


class RelatedStore:
    """Records by contact id. Reached as ``fake.related``.

    Attributes:
        tasks: Contact id -> task id -> task, as the API returns it.
        notes: Contact id -> note id -> note.
        campaigns: Contact id -> the campaign ids it is in.
        workflows: Contact id -> workflow id -> the ``eventStartTime`` it was enrolled with.
        appointments: Contact id -> its appointments (seed them with :meth:`add_appointment`).
    """

    def __init__(self) -> None:
        self.tasks: dict[str, dict[str, dict[str, Any]]] = {}
        self.notes: dict[str, dict[str, dict[str, Any]]] = {}
        self.campaigns: dict[str, set[str]] = {}
        self.workflows: dict[str, dict[str, str | None]] = {}
        self.appointments: dict[str, list[dict[str, Any]]] = {}

    def records(self, kind: RecordKind, contact_id: str) -> dict[str, dict[str, Any]]:
        """The tasks or notes of a contact (a live dict: id -> record)."""
        by_contact: dict[str, dict[str, dict[str, Any]]] = getattr(self, kind)
        return by_contact.setdefault(contact_id, {})

    def add_record(
        self, kind: RecordKind, contact_id: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Store a new task or note for a contact and return it."""
        record = {"id": new_id(), "contactId": contact_id, "dateAdded": now_iso(), **fields}
        self.records(kind, contact_id)[record["id"]] = record
        return record

    def add_appointment(self, contact_id: str, **fields: Any) -> dict[str, Any]:
        """Seed an appointment for a contact (the Contacts API has no call that books one).

        Args:
            contact_id: The contact it is for.
            **fields: Wire fields (``calendarId``, ``startTime``, ``title``, ...) to set.
        """
        stamp = now_iso()
        event = {
            "id": new_id(),
            "contactId": contact_id,
            "status": "booked",
            "appointmentStatus": "booked",
            "dateAdded": stamp,
            "dateUpdated": stamp,
            **fields,
        }
        self.appointments.setdefault(contact_id, []).append(event)
        return event


def change_members(contact: dict[str, Any], key: str, items: list[str], *, add: bool) -> list[str]:
    """Add or remove ``items`` in the contact's ``key`` set (tags, followers); return the ones
    that changed (adding one already there, or removing one absent, changes nothing)."""
    current: list[str] = contact.get(key) or []
    changed = [item for item in dict.fromkeys(items) if (item in current) != add]
    contact[key] = current + changed if add else [i for i in current if i not in changed]
    contact["dateUpdated"] = now_iso()
    return changed
