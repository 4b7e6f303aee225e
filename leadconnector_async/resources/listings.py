"""The contact listings: search, the legacy list and contacts by business, each a paginator.

``ContactsResource`` mixes these in. They live in their own class because a method named
``list`` in ``ContactsResource``'s body would shadow the builtin ``list`` in the annotations of
every method defined after it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .. import endpoints as ep
from .._protocol import Call
from ..models._base import JSONValue
from ..models.contacts import Contact
from ..models.search import (
    Filter,
    FilterGroup,
    Sort,
    check_page_size,
    search_body,
)
from ..pagination import (
    NextCursor,
    Page,
    Paginator,
    by_offset,
    by_search_after,
    by_server_cursor,
)

if TYPE_CHECKING:
    from ..client import LeadConnector

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
            max_items: Stop after this many contacts.
            location_id: The location to search (default: the client's).
            read_ahead: Fetch the next page while you work on this one.

        Returns:
            A :class:`Paginator` of contacts; ``.pages()`` iterates page by page.

        Raises:
            ConfigurationError: A bad argument (raised here, before anything is sent).
        """
        location = self._client.require_location(location_id)
        body = search_body(location, query, filters, sort, page_size)
        version = self._client.config.api_version

        def call_for(after: list[JSONValue] | None) -> Call[Page[Contact]]:
            return ep.SEARCH.call(version, body=body.after(after), location_id=location)

        return self._paginate(call_for, by_search_after(page_size), None, max_items, read_ahead)

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
            max_items: Stop after this many contacts.
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

        def call_for(after: tuple[int | float, str] | None) -> Call[Page[Contact]]:
            params: dict[str, str | int | None] = {
                "locationId": location,
                "limit": page_size,
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
            max_items: Stop after this many contacts.
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

        def call_for(skip: int) -> Call[Page[Contact]]:
            params = {
                "locationId": location,
                "skip": str(skip),
                "limit": str(page_size),
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
