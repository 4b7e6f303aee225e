"""Server-side bulk operations: tags of many contacts, and linking contacts to a business.

The spec declares no security for these; the fake still wants a valid token with
``contacts.write``, as the client assumes.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import _responses as respond
from ._related_store import change_members
from ._route_kit import Route
from ._routes import checked_body, fake_of
from ._routes_contacts import WRITE
from ._schemas_related import BULK_BUSINESS, BULK_TAGS
from ._server import FakeLeadConnector

MAX_BUSINESS_IDS = 50


async def update_tags(request: web.Request) -> web.Response:
    """Add or remove tags on each contact; one entry per contact id, errors included."""
    action = request.match_info["type"]
    body = await checked_body(request, WRITE, BULK_TAGS)
    if isinstance(body, web.Response):
        return body
    if messages := _tag_errors(action, body):
        return respond.unprocessable(messages)
    fake = fake_of(request)
    entries = [_retag(fake, contact_id, body, action) for contact_id in body["contacts"]]
    errors = sum(entry["type"] == "error" for entry in entries)
    return respond.ok({"succeded": True, "errorCount": errors, "responses": entries}, status=201)


def _retag(
    fake: FakeLeadConnector, contact_id: str, body: dict[str, Any], action: str
) -> dict[str, Any]:
    contact = fake.store.get(contact_id)
    if contact is None or contact["locationId"] != body["locationId"]:
        reason = "contact not found" if contact is None else "contact does not belong to location"
        return {"contactId": contact_id, "message": reason, "type": "error"}
    old = list(contact.get("tags") or [])
    tags = old if body.get("removeAllTags") else body["tags"]
    changed = change_members(contact, "tags", tags, add=action == "add")
    fake.emit("ContactTagUpdate", contact)
    return {
        "contactId": contact_id,
        "message": "Tags updated",
        "type": "success",
        "oldTags": old,
        "tagsAdded": changed if action == "add" else [],
        "tagsRemoved": changed if action == "remove" else [],
    }


async def update_business(request: web.Request) -> web.Response:
    """Set (or, with ``businessId: null``, clear) the business of contacts of the location."""
    body = await checked_body(request, WRITE, BULK_BUSINESS)
    if isinstance(body, web.Response):
        return body
    if messages := _business_errors(body):
        return respond.unprocessable(messages)
    store = fake_of(request).store
    found = [store.get(contact_id) for contact_id in body["ids"]]
    mine = [c for c in found if c is not None and c["locationId"] == body["locationId"]]
    return respond.ok({"success": True, "ids": [_link(c, body["businessId"]) for c in mine]})


def _link(contact: dict[str, Any], business_id: str | None) -> str:
    # Unlinked contacts carry no businessId at all (the contact schema has no null there).
    contact.pop("businessId", None)
    if business_id is not None:
        contact["businessId"] = business_id
    return str(contact["id"])


def _tag_errors(action: str, body: dict[str, Any]) -> list[str]:
    messages = [] if action in ("add", "remove") else ["type must be one of: add, remove"]
    if body.get("removeAllTags") and action != "remove":
        messages.append("removeAllTags can only be used with the remove type")
    return messages


def _business_errors(body: dict[str, Any]) -> list[str]:
    messages = [] if "businessId" in body else ["businessId must be a string or null"]
    if len(body["ids"]) > MAX_BUSINESS_IDS:
        messages.append(f"ids must contain no more than {MAX_BUSINESS_IDS} elements")
    return messages


HANDLERS: dict[str, Route] = {
    "contacts.bulk_tags.add": update_tags,
    "contacts.bulk_business": update_business,
}
