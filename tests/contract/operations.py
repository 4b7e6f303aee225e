"""One exerciser per row of the package's endpoint table (``leadconnector_async.endpoints``).

``test_operation_coverage`` fails when a spec operation has no row, a row has no exerciser or
its client method is missing, and runs every exerciser against the fake server, holding what the
client sent and what the fake answered to the spec's schemas.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector


@dataclass(frozen=True)
class Fixture:
    """What each exerciser may use: a contact with a task, a note, a tag and an appointment."""

    location_id: str
    contact_id: str
    task_id: str
    note_id: str
    email: str
    phone: str


Exercise = Callable[[lc.LeadConnector, Fixture], Awaitable[object]]


def seed(fake: FakeLeadConnector) -> Fixture:
    """Put the fixture's records straight into the fake's stores (no request is recorded)."""
    email, phone = "ops+1@example.com", "+15550199"
    contact = fake.store.create(
        fake.location_id, {"firstName": "Op", "email": email, "phone": phone, "tags": ["seed"]}
    )
    cid = contact["id"]
    task = fake.related.add_record(
        "tasks", cid, {"title": "Call", "dueDate": "2030-01-01T10:00:00Z", "completed": False}
    )
    note = fake.related.add_record("notes", cid, {"body": "Met at the fair"})
    fake.related.add_appointment(cid, locationId=fake.location_id, title="Demo")
    return Fixture(fake.location_id, cid, task["id"], note["id"], email, phone)


def first_page(listing: lc.Paginator[lc.Contact]) -> Awaitable[lc.Page[lc.Contact]]:
    """A listing's first page: one request (the fixture has one contact)."""
    return anext(listing.pages())


def _legacy_list(client: lc.LeadConnector) -> lc.Paginator[lc.Contact]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return client.contacts.list()


TASK = lc.TaskCreate(title="Follow up", due_date="2030-02-01T09:00:00Z", body="Ring back")
NOTE = lc.NoteCreate(body="Prefers email", title="Channel", color="#FFAA00", pinned=True)
WHEN = "2030-06-23T03:30:00+01:00"

# fmt: off
EXERCISES: dict[str, Exercise] = {
    "contacts.create":
        lambda c, f: c.contacts.create(lc.ContactCreate(first_name="New", tags=["t"])),
    "contacts.get":
        lambda c, f: c.contacts.get(f.contact_id),
    "contacts.update":
        lambda c, f: c.contacts.update(f.contact_id, lc.ContactUpdate(city="Oslo")),
    "contacts.delete":
        lambda c, f: c.contacts.delete(f.contact_id),
    "contacts.upsert":
        lambda c, f: c.contacts.upsert(lc.ContactCreate(email=f.email, city="Rome")),
    "contacts.search":
        lambda c, f: first_page(c.contacts.search("op", sort=lc.Sort("dateAdded"))),
    "contacts.list":
        lambda c, f: first_page(_legacy_list(c)),
    "contacts.by_business":
        lambda c, f: first_page(c.contacts.by_business("biz-1", query="op")),
    "contacts.find_duplicate":
        lambda c, f: c.contacts.find_duplicate(email=f.email, number=f.phone),
    "contacts.tasks.list":
        lambda c, f: c.contacts.tasks.list(f.contact_id),
    "contacts.tasks.create":
        lambda c, f: c.contacts.tasks.create(f.contact_id, TASK),
    "contacts.tasks.get":
        lambda c, f: c.contacts.tasks.get(f.contact_id, f.task_id),
    "contacts.tasks.update":
        lambda c, f: c.contacts.tasks.update(f.contact_id, f.task_id,
                                             lc.TaskUpdate(title="Call back")),
    "contacts.tasks.delete":
        lambda c, f: c.contacts.tasks.delete(f.contact_id, f.task_id),
    "contacts.tasks.complete":
        lambda c, f: c.contacts.tasks.complete(f.contact_id, f.task_id),
    "contacts.appointments":
        lambda c, f: c.contacts.appointments(f.contact_id),
    "contacts.tags.add":
        lambda c, f: c.contacts.tags.add(f.contact_id, ["vip", "2030"]),
    "contacts.tags.remove":
        lambda c, f: c.contacts.tags.remove(f.contact_id, ["seed"]),
    "contacts.notes.list":
        lambda c, f: c.contacts.notes.list(f.contact_id),
    "contacts.notes.create":
        lambda c, f: c.contacts.notes.create(f.contact_id, NOTE),
    "contacts.notes.get":
        lambda c, f: c.contacts.notes.get(f.contact_id, f.note_id),
    "contacts.notes.update":
        lambda c, f: c.contacts.notes.update(f.contact_id, f.note_id,
                                             lc.NoteUpdate(pinned=True)),
    "contacts.notes.delete":
        lambda c, f: c.contacts.notes.delete(f.contact_id, f.note_id),
    "contacts.bulk_tags.add":
        lambda c, f: c.contacts.bulk_tags.add([f.contact_id, "missing"], ["bulk"]),
    "contacts.bulk_business":
        lambda c, f: c.contacts.bulk_business([f.contact_id], "biz-1"),
    "contacts.followers.add":
        lambda c, f: c.contacts.followers.add(f.contact_id, ["user-1"]),
    "contacts.followers.remove":
        lambda c, f: c.contacts.followers.remove(f.contact_id, ["user-1"]),
    "contacts.campaigns.add":
        lambda c, f: c.contacts.campaigns.add(f.contact_id, "camp-1"),
    "contacts.campaigns.remove":
        lambda c, f: c.contacts.campaigns.remove(f.contact_id, "camp-1"),
    "contacts.campaigns.remove_all":
        lambda c, f: c.contacts.campaigns.remove_all(f.contact_id),
    "contacts.workflows.add":
        lambda c, f: c.contacts.workflows.add(f.contact_id, "wf-1", event_start_time=WHEN),
    "contacts.workflows.remove":
        lambda c, f: c.contacts.workflows.remove(f.contact_id, "wf-1",
                                                 event_start_time=WHEN),
}
# fmt: on


def _responses_hold_objects(schema: dict[str, Any]) -> dict[str, Any]:
    items = {"anyOf": [{"type": "object"}, {"type": "string"}]}
    properties = {**schema["properties"], "responses": {"type": "array", "items": items}}
    return {**schema, "properties": properties}


# Where the spec contradicts itself, the fake follows the spec's own example; each fix says why.
RESPONSE_ERRATA: dict[tuple[str, str], Callable[[dict[str, Any]], dict[str, Any]]] = {
    # ``responses`` is typed string[] but its example (and the real server) holds objects.
    ("POST", "/contacts/bulk/tags/update/{type}"): _responses_hold_objects,
}
