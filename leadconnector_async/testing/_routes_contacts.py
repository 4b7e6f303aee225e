"""Contact CRUD and upsert routes."""

from __future__ import annotations

from aiohttp import web

from . import _responses as respond
from ._routes import fake_of, read_body, scope_denied
from ._validation import CREATE_CONTACT, UPDATE_CONTACT, UPSERT_CONTACT

READ, WRITE = "contacts.readonly", "contacts.write"


async def create_contact(request: web.Request) -> web.Response:
    if denied := scope_denied(request, WRITE):
        return denied
    body = await read_body(request, CREATE_CONTACT)
    if isinstance(body, web.Response):
        return body
    fake = fake_of(request)
    location = body["locationId"]
    if not fake.store.allow_duplicates.get(location, False):
        match = fake.store.find_duplicate(location, body.get("email"), body.get("phone"))
        if match is not None:
            existing, field = match
            meta = {"contactId": existing["id"], "matchingField": field,
                    "contactName": existing.get("name", "")}  # fmt: skip
            return respond.bad_request(
                "This location does not allow duplicated contacts.", meta=meta
            )
    contact = fake.store.create(location, body)
    fake.emit("ContactCreate", contact)
    return respond.ok({"contact": contact}, status=201)


async def get_contact(request: web.Request) -> web.Response:
    if denied := scope_denied(request, READ):
        return denied
    fake = fake_of(request)
    contact_id = request.match_info["contactId"]
    contact = fake.store.get(contact_id)
    if contact is None:
        return fake.contact_not_found(contact_id)
    return respond.ok({"contact": contact})


async def update_contact(request: web.Request) -> web.Response:
    if denied := scope_denied(request, WRITE):
        return denied
    body = await read_body(request, UPDATE_CONTACT)
    if isinstance(body, web.Response):
        return body
    fake = fake_of(request)
    contact_id = request.match_info["contactId"]
    if fake.store.get(contact_id) is None:
        return fake.contact_not_found(contact_id)
    contact = fake.store.update(contact_id, body)
    fake.emit("ContactUpdate", contact)
    return respond.ok({"succeded": True, "contact": contact})


async def delete_contact(request: web.Request) -> web.Response:
    if denied := scope_denied(request, WRITE):
        return denied
    fake = fake_of(request)
    contact_id = request.match_info["contactId"]
    if fake.store.get(contact_id) is None:
        return fake.contact_not_found(contact_id)
    fake.emit("ContactDelete", fake.store.delete(contact_id))
    return respond.ok({"succeded": True})


async def upsert_contact(request: web.Request) -> web.Response:
    if denied := scope_denied(request, WRITE):
        return denied
    body = await read_body(request, UPSERT_CONTACT)
    if isinstance(body, web.Response):
        return body
    fake = fake_of(request)
    location = body["locationId"]
    always_new = body.get("createNewIfDuplicateAllowed") and fake.store.allow_duplicates.get(
        location, False
    )
    match = None if always_new else fake.store.find_duplicate(
        location, body.get("email"), body.get("phone")
    )  # fmt: skip
    if match is None:
        contact, new = fake.store.create(location, body), True
        fake.emit("ContactCreate", contact)
    else:
        contact, new = fake.store.update(match[0]["id"], body), False
        fake.emit("ContactUpdate", contact)
    return respond.ok({"new": new, "contact": contact, "traceId": respond.new_id()})


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_post("/contacts/", create_contact)
    router.add_post("/contacts/upsert", upsert_contact)
    router.add_get("/contacts/{contactId}", get_contact)
    router.add_put("/contacts/{contactId}", update_contact)
    router.add_delete("/contacts/{contactId}", delete_contact)
