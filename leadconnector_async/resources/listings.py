"""The contact listings: search, the legacy list and contacts by business, each a paginator.

``ContactsResource`` mixes these in. They live in their own class because a method named
``list`` in ``ContactsResource``'s body would shadow the builtin ``list`` in the annotations of
every method defined after it.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from .. import endpoints as ep
from .._protocol import Call
from ..errors import ResponseTooLargeError
from ..models._base import JSONValue
from ..models.contacts import Contact
from ..models.search import (
    Filter,
    FilterGroup,
    SearchBody,
    Sort,
    check_page_size,
    search_body,
)
from ..pagination import (
    NextCursor,
    Page,
    Paginator,
    SearchAfter,
    by_offset,
    by_server_cursor,
)

if TYPE_CHECKING:
    from ..client import LeadConnector

logger = logging.getLogger("leadconnector_async")

LEGACY_PAGE_SIZE = 100
"""The most contacts the legacy ``GET /contacts/`` returns per page."""


class ContactListings:
    """Listings of contacts, walked lazily page by page (mixed into ``client.contacts``)."""

    __slots__ = ()
    _client: LeadConnector

    def search(
        self,
        query: str | None = None,
        *,
        filters: Filter | FilterGroup | Sequence[Filter | FilterGroup] | None = None,
        sort: Sort | Sequence[Sort] | None = None,
        page_size: int = 100,
        max_items: int | None = None,
        location_id: str | None = None,
        read_ahead: bool = False,
    ) -> Paginator[Contact]:
        """Every contact matching a search (``POST /contacts/search``), fetched as you iterate.

        ``async for contact in client.contacts.search("jane", filters=[...]):`` (no ``await``).
        Pages are chained with the ``searchAfter`` cursor from the first request on, never
        with page numbers, which stop at 10,000 records: the walk reaches every match. Search
        is eventually consistent: a change can take a few seconds to show up.

        Args:
            query: Full-text query (at most 75 characters).
            filters: :class:`Filter` and :class:`FilterGroup` values, all of which must hold.
            sort: :class:`Sort` keys, most significant first.
            page_size: Contacts per request, 1 to 500.
            max_items: Stop after this many contacts (no more are asked for per page).
            location_id: The location to search (default: the client's).
            read_ahead: Fetch the next page while you work on this one.

        Returns:
            A :class:`Paginator` of contacts; ``.pages()`` iterates page by page.

        Raises:
            ConfigurationError: A bad argument (raised here, before anything is sent).
        """
        location = self._client.require_location(location_id)
        body = search_body(location, query, filters, sort, page_size)
        body = msgspec.structs.replace(body, page_limit=_page_limit(page_size, max_items))
        return search_walk(self._client, body, max_items=max_items, read_ahead=read_ahead)

    def list(
        self,
        query: str | None = None,
        *,
        page_size: int = LEGACY_PAGE_SIZE,
        max_items: int | None = None,
        location_id: str | None = None,
        read_ahead: bool = False,
    ) -> Paginator[Contact]:
        """Deprecated by the API: a location's contacts from ``GET /contacts/``; use :meth:`search`.

        Each page is asked for after both ``startAfter`` and ``startAfterId`` of the previous
        page's ``meta`` (one alone restarts the listing); the walk ends when they are absent
        or a page is empty.

        Args:
            query: Text to match.
            page_size: Contacts per request, 1 to 100.
            max_items: Stop after this many contacts (no more are asked for per page).
            location_id: The location to list (default: the client's).
            read_ahead: Fetch the next page while you work on this one.

        Returns:
            A :class:`Paginator` of contacts.

        Raises:
            ConfigurationError: A bad argument (raised here, before anything is sent).
        """
        warnings.warn(
            "contacts.list() calls GET /contacts/, which the API deprecated; use contacts.search()",
            DeprecationWarning,
            stacklevel=2,
        )
        check_page_size(page_size, LEGACY_PAGE_SIZE)
        location = self._client.require_location(location_id)
        version = self._client.config.api_version
        ep.LIST.route(version)  # v3 removed it: say so here, before anything is sent
        limit = _page_limit(page_size, max_items)

        def call_for(after: tuple[int | float, str] | None) -> Call[Page[Contact]]:
            params: dict[str, str | int | None] = {
                "locationId": location,
                "limit": limit,
                "query": query,
            }
            if after is not None:
                params.update(startAfter=str(after[0]), startAfterId=after[1])
            return ep.LIST.call(version, params=params, location_id=location)

        return self._paginate(call_for, by_server_cursor, None, max_items, read_ahead)

    def by_business(
        self,
        business_id: str,
        *,
        query: str | None = None,
        page_size: int = 100,
        max_items: int | None = None,
        location_id: str | None = None,
        read_ahead: bool = False,
    ) -> Paginator[Contact]:
        """The contacts of a business (``GET /contacts/business/{businessId}``), by offset.

        Args:
            business_id: The business.
            query: Text to match.
            page_size: Contacts per request (``limit``); a server that returns fewer per page
                is still walked to the end.
            max_items: Stop after this many contacts (no more are asked for per page).
            location_id: The business's location (default: the client's).
            read_ahead: Fetch the next page while you work on this one.

        Returns:
            A :class:`Paginator` of contacts.

        Raises:
            ConfigurationError: A bad argument (raised here, before anything is sent).
        """
        ep.fill(ep.BY_BUSINESS.path, (business_id,))  # a bad id fails here, not when iterated
        check_page_size(page_size, None)
        location = self._client.require_location(location_id)
        version = self._client.config.api_version
        limit = str(_page_limit(page_size, max_items))

        def call_for(skip: int) -> Call[Page[Contact]]:
            params = {
                "locationId": location,
                "skip": str(skip),
                "limit": limit,
                "query": query,
            }
            return ep.BY_BUSINESS.call(version, business_id, params=params, location_id=location)

        return self._paginate(call_for, by_offset, 0, max_items, read_ahead)

    def _paginate(
        self,
        call_for: Callable[[Any], Call[Page[Contact]]],
        next_cursor: NextCursor[Contact],
        first: Any,
        max_items: int | None,
        read_ahead: bool,
    ) -> Paginator[Contact]:
        send = self._client.send
        return Paginator(
            lambda cursor: send(call_for(cursor)),
            next_cursor,
            first=first,
            max_items=max_items,
            read_ahead=read_ahead,
        )


def search_walk(
    client: LeadConnector,
    body: SearchBody,
    *,
    smallest: int | None = None,
    max_items: int | None = None,
    read_ahead: bool = False,
) -> Paginator[Contact]:
    """The walk of the search ``body`` asks for (its ``search_after`` set page by page).

    Args:
        client: Sends the requests.
        body: The first page's body; its ``page_limit`` is the page size.
        smallest: With a page size, a page too large to receive
            (:class:`~leadconnector_async.errors.ResponseTooLargeError`) is asked for again with
            half as many contacts, down to ``smallest``, and the walk goes on at that size
            (``None``: the error is raised).
        max_items: Stop after this many contacts.
        read_ahead: Fetch the next page while the consumer works on this one.
    """
    pages = _SearchPages(client, body, smallest)
    return Paginator(pages.fetch, pages.policy, max_items=max_items, read_ahead=read_ahead)


class _SearchPages:
    """Fetches the pages of one search walk, halving the page size where :func:`search_walk`
    says; its ``policy`` finds the next cursor at the page size asked for."""

    __slots__ = ("_body", "_client", "_smallest", "policy")

    def __init__(self, client: LeadConnector, body: SearchBody, smallest: int | None) -> None:
        self._client = client
        self._body = body
        self._smallest = smallest
        self.policy = SearchAfter(body.page_limit)

    async def fetch(self, after: list[JSONValue] | None) -> Page[Contact]:
        smallest = self._smallest
        while True:
            size = self.policy.page_size
            body = self._body.after(after)
            if size != body.page_limit:
                body = msgspec.structs.replace(body, page_limit=size)
            call = ep.SEARCH.call(
                self._client.config.api_version, body=body, location_id=body.location_id
            )
            try:
                return await self._client.send(call)
            except ResponseTooLargeError:
                if smallest is None or size <= smallest:
                    raise
            self.policy.page_size = max(smallest, size // 2)
            logger.warning(
                "a search page of %d contacts is larger than max_response_bytes; "
                "asking for %d per page from here on",
                size,
                self.policy.page_size,
            )


def _page_limit(page_size: int, max_items: int | None) -> int:
    """The page size to ask for: ``page_size``, or fewer when fewer items are wanted (one at
    least, the API's least: ``max_items=0`` sends nothing)."""
    if type(max_items) is int and 0 < max_items < page_size:
        return max_items
    return page_size
