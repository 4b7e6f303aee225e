"""Contact CRUD and upsert routes."""

from __future__ import annotations

from aiohttp import web

from . import _responses as respond
from ._route_kit import ContactRequest, Route, contact_route
from ._routes import checked_body, fake_of
from ._validation import CREATE_CONTACT, UPDATE_CONTACT, UPSERT_CONTACT

READ, WRITE = "contacts.readonly", "contacts.write"


async def create_contact(request: web.Request) -> web.Response:
    body = await checked_body(request, WRITE, CREATE_CONTACT)
    if isinstance(body, web.Response):
        return body
    fake = fake_of(request)
    location = body["locationId"]
    if not fake.store.allow_duplicates.get(location, False):
        match = fake.store.find_duplicate(location, body.get("email"), body.get("phone"))
        if match is not None:
            existing, field = match
            meta = {
                "contactId": existing["id"],
                "matchingField": field,
                "contactName": existing.get("name", ""),
            }
            return respond.bad_request(
                "This location does not allow duplicated contacts.", meta=meta
            )
    contact = fake.store.create(location, body)
    fake.emit("ContactCreate", contact)
    return respond.ok({"contact": contact}, status=201)


@contact_route(READ)
async def get_contact(req: ContactRequest) -> web.Response:
    return respond.ok({"contact": req.contact})


@contact_route(WRITE, UPDATE_CONTACT)
async def update_contact(req: ContactRequest) -> web.Response:
    contact = req.fake.store.update(req.contact_id, req.body)
    req.fake.emit("ContactUpdate", contact)
    return respond.ok({"succeded": True, "contact": contact})


@contact_route(WRITE)
async def delete_contact(req: ContactRequest) -> web.Response:
    req.fake.emit("ContactDelete", req.fake.store.delete(req.contact_id))
    return respond.ok({"succeded": True})


async def upsert_contact(request: web.Request) -> web.Response:
    body = await checked_body(request, WRITE, UPSERT_CONTACT)
    if isinstance(body, web.Response):
        return body
    fake = fake_of(request)
    location = body["locationId"]
    always_new = body.get("createNewIfDuplicateAllowed") and fake.store.allow_duplicates.get(
        location, False
    )
    match = (
        None
        if always_new
        else fake.store.find_duplicate(location, body.get("email"), body.get("phone"))
    )
    if match is None:
        contact, new = fake.store.create(location, body), True
        fake.emit("ContactCreate", contact)
    else:
        contact, new = fake.store.update(match[0]["id"], body), False
        fake.emit("ContactUpdate", contact)
    return respond.ok({"new": new, "contact": contact, "traceId": respond.trace_id()})


HANDLERS: dict[str, Route] = {
    "contacts.create": create_contact,
    "contacts.upsert": upsert_contact,
    "contacts.get": get_contact,
    "contacts.update": update_contact,
    "contacts.delete": delete_contact,
}
