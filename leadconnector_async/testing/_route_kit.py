"""The checks every route under ``/contacts/{contactId}/...`` makes, written once.

A handler decorated with :func:`contact_route` runs only when the token has the scope, the body
passes its schema and the contact exists; it gets a :class:`ContactRequest`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ._related_store import RelatedStore
from ._routes import checked_body, fake_of
from ._server import FakeLeadConnector
from ._validation import Schema


@dataclass(frozen=True)
class ContactRequest:
    """A request about an existing contact, its body already validated."""

    request: web.Request
    fake: FakeLeadConnector
    contact: dict[str, Any]
    body: dict[str, Any]

    @property
    def related(self) -> RelatedStore:
        return self.fake.related

    @property
    def contact_id(self) -> str:
        return str(self.contact["id"])

    def param(self, name: str) -> str:
        return self.request.match_info[name]

    def emit(self, event_type: str, payload: dict[str, Any]) -> None:
        """Notify subscribers, with the contact's location as webhook events carry it."""
        self.fake.emit(event_type, {**payload, "locationId": self.contact["locationId"]})


ContactHandler = Callable[[ContactRequest], Awaitable[web.Response]]
Route = Callable[[web.Request], Awaitable[web.Response]]


def contact_route(scope: str, schema: Schema | None = None) -> Callable[[ContactHandler], Route]:
    """Wrap a handler with the scope check, body validation and the contact lookup.

    Args:
        scope: The scope the token needs.
        schema: The body's schema; ``None`` reads no body (GET, DELETE without one).
    """

    def wrap(handler: ContactHandler) -> Route:
        async def route(request: web.Request) -> web.Response:
            body = await checked_body(request, scope, schema)
            if isinstance(body, web.Response):
                return body
            fake = fake_of(request)
            contact = fake.store.get(request.match_info["contactId"])
            if contact is None:
                return fake.contact_not_found(request.match_info["contactId"])
            return await handler(ContactRequest(request, fake, contact, body))

        return route

    return wrap
