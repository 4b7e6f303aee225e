"""The clients ``compare.py`` races: ours, the official SDK, and bare aiohttp as the floor.

Each contender offers the same two calls: ``get(contact_id)`` returns one contact, and
``walk()`` yields every contact of the location through search pages, each in the library's own
type: our structs, the SDK's ``response.json()`` dicts, ``json.loads`` dicts for bare aiohttp.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

import leadconnector_async as lc
from leadconnector_async.testing import API_VERSION

PAGE_SIZE = 100


@dataclass(frozen=True)
class Server:
    """Where the fake server listens and who may call it."""

    url: str
    token: str
    location_id: str


class Contender(Protocol):
    """One client under test."""

    name: str

    async def get(self, contact_id: str) -> object:
        """Fetch one contact."""

    def walk(self) -> AsyncIterator[object]:
        """Yield every contact of the location, page after page."""

    async def aclose(self) -> None:
        """Close the client's connections."""


class Ours:
    """leadconnector_async without client-side rate limiting, like the other two contenders."""

    name = "leadconnector_async"
    rate_limit: lc.RateLimit | None = None

    def __init__(self, server: Server) -> None:
        self._client = lc.LeadConnector(
            server.token,
            location_id=server.location_id,
            base_url=server.url,
            rate_limit=self.rate_limit,
        )

    async def get(self, contact_id: str) -> object:
        return await self._client.contacts.get(contact_id)

    async def walk(self) -> AsyncIterator[object]:
        async for contact in self._client.contacts.search(page_size=PAGE_SIZE):
            yield contact

    async def aclose(self) -> None:
        await self._client.aclose()


class OursLimited(Ours):
    """leadconnector_async with its limiter on, sized so it never waits: its bookkeeping only."""

    name = "leadconnector_async, limiter on"
    rate_limit = lc.RateLimit(max_requests=10**9, period=10.0, daily=None)


class OfficialSDK:
    """``gohighlevel-api-client`` (httpx + pydantic), pointed at the fake server.

    The SDK has no base-URL argument and pins its own ``Version`` header, so a subclass sets the
    class attributes it reads (``BASE_URL``, ``API_VERSION``) to the fake's.
    """

    name = "official SDK"

    def __init__(self, server: Server) -> None:
        from highlevel import HighLevel

        class LocalHighLevel(HighLevel):  # type: ignore[misc]
            BASE_URL = server.url
            API_VERSION = API_VERSION

        self._sdk = LocalHighLevel(private_integration_token=server.token)
        self._location_id = server.location_id

    async def get(self, contact_id: str) -> object:
        return await self._sdk.contacts.get_contact(contact_id)

    def walk(self) -> AsyncIterator[object]:
        return _walk_pages(self._location_id, self._page)

    async def _page(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        page: dict[str, Any] = await self._sdk.contacts.search_contacts_advanced(body)
        return page["contacts"]  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        await self._sdk.close()


class BareAiohttp:
    """The floor: one aiohttp session, ``json.loads``, no types, no limiter, no retries."""

    name = "bare aiohttp"

    def __init__(self, server: Server) -> None:
        self._url = server.url
        self._location_id = server.location_id
        self._headers = {
            "Authorization": f"Bearer {server.token}",
            "Version": API_VERSION,
            "Accept": "application/json",
        }
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(headers=self._headers)
        return self._session

    async def get(self, contact_id: str) -> object:
        async with self._open().get(f"{self._url}/contacts/{contact_id}") as response:
            body = await response.read()
            response.raise_for_status()
        return json.loads(body)["contact"]

    def walk(self) -> AsyncIterator[object]:
        return _walk_pages(self._location_id, self._page)

    async def _page(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        async with self._open().post(f"{self._url}/contacts/search", json=query) as response:
            body = await response.read()
            response.raise_for_status()
        return json.loads(body)["contacts"]  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


async def _walk_pages(
    location_id: str, fetch: Callable[[dict[str, Any]], Awaitable[list[dict[str, Any]]]]
) -> AsyncIterator[object]:
    """Page through a location's contacts by hand: send back the last contact's cursor."""
    cursor: Any = None
    while True:
        body: dict[str, Any] = {"locationId": location_id, "pageLimit": PAGE_SIZE}
        if cursor is not None:
            body["searchAfter"] = cursor
        contacts = await fetch(body)
        for contact in contacts:
            yield contact
        if len(contacts) < PAGE_SIZE:
            return
        cursor = contacts[-1]["searchAfter"]


CONTENDERS: dict[str, type[Ours] | type[OfficialSDK] | type[BareAiohttp]] = {
    "ours": Ours,
    "sdk": OfficialSDK,
    "aiohttp": BareAiohttp,
}
# The HTTP workloads also run this one, to show what the limiter itself costs.
LIMITED: dict[str, type[OursLimited]] = {"ours_limited": OursLimited}
# Against a server that sends the API's five X-RateLimit-* headers (so the limiter reads and
# applies them on every response), these two race: the limiter's whole hot path vs the floor.
WITH_HEADERS: dict[str, type[OursLimited] | type[BareAiohttp]] = {
    "ours_headers": OursLimited,
    "aiohttp_headers": BareAiohttp,
}
