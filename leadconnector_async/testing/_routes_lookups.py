"""Read-only lookups around contacts: the duplicate check and a contact's appointments."""

from __future__ import annotations

from aiohttp import web

from . import _responses as respond
from ._route_kit import ContactRequest, Route, contact_route
from ._routes import fake_of, scope_denied
from ._routes_contacts import READ


async def find_duplicate(request: web.Request) -> web.Response:
    """``{"contact": {...} | null}``: the contact matching ``email``, else ``number``."""
    if (denied := scope_denied(request, READ)) is not None:
        return denied
    query = request.query
    if not query.get("locationId"):
        return respond.unprocessable(["locationId should not be empty"])
    fake = fake_of(request)
    match = fake.store.find_duplicate(query["locationId"], query.get("email"), query.get("number"))
    return respond.ok({"contact": match[0] if match else None})


@contact_route(READ)
async def appointments(ctx: ContactRequest) -> web.Response:
    return respond.ok({"events": ctx.related.appointments.get(ctx.contact_id, [])})


HANDLERS: dict[str, Route] = {
    "contacts.find_duplicate": find_duplicate,
    "contacts.appointments": appointments,
}
