"""The reading side of a sync: the rows (lazily, custom fields by id) and the location's index."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import TYPE_CHECKING

import msgspec

from ..custom_fields import CustomFieldDirectory
from ..errors import ConfigurationError
from ..models.contacts import ContactCreate
from ..models.search import search_body
from ..pagination import Page
from ..resources.listings import search_walk
from ._index import TAGS, ContactIndex
from ._normalise import row_entries
from ._plan import MatchKey

if TYPE_CHECKING:
    from ..client import LeadConnector
    from ..models.contacts import Contact

__all__ = [
    "PAGE_SIZE",
    "LocationReader",
    "by_id",
    "needs_directory",
    "numbered",
    "paths_of",
    "take",
]

PAGE_SIZE = 500
"""Contacts per search request: the most the API returns."""

SMALLEST_PAGE_SIZE = 25
"""Contacts per search request at the least: a page larger than the client's
``max_response_bytes`` is read again at half the size, down to this."""


async def numbered(
    rows: Iterable[object] | AsyncIterable[object], start_at: int
) -> AsyncIterator[tuple[int, object]]:
    """The rows with their index, lazily, skipping the first ``start_at``."""
    index = 0
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            if index >= start_at:
                yield index, row
            index += 1
        return
    for row in rows:
        if index >= start_at:
            yield index, row
        index += 1


async def take(rows: AsyncIterator[tuple[int, object]], count: int) -> list[tuple[int, object]]:
    """Up to ``count`` rows from ``rows``."""
    head = []
    async for item in rows:
        head.append(item)
        if len(head) >= count:
            break
    return head


def by_id(row: object, directory: CustomFieldDirectory | None) -> ContactCreate:
    """The row with its custom fields identified by id.

    Raises:
        ConfigurationError: The row is not a ``ContactCreate``.
        CustomFieldError: A custom field named by key or name that the location lacks.
    """
    if not isinstance(row, ContactCreate):
        raise ConfigurationError(f"a sync row must be a ContactCreate, got {type(row).__name__}")
    if not isinstance(row.custom_fields, list) or not row.custom_fields:
        return row
    if directory is None:
        return row
    return msgspec.structs.replace(row, custom_fields=directory.by_id(row.custom_fields))


def needs_directory(row: object) -> bool:
    """Whether the row names a custom field by key or name (so the definitions are needed)."""
    fields = row.custom_fields if isinstance(row, ContactCreate) else None
    return isinstance(fields, list) and any(not isinstance(f.id, str) for f in fields)


def paths_of(rows: Iterable[ContactCreate], match: MatchKey) -> frozenset[str]:
    """The compared paths these rows set, which the index then keeps."""
    paths = {f"cf:{match.custom_field_id}" if match.custom_field_id else match.name}
    for row in rows:
        paths.update(path for path, _ in row_entries(row))
        if isinstance(row.tags, list):
            paths.add(TAGS)
    return frozenset(paths)


class LocationReader:
    """Reads a location's contacts once, page by page, into a :class:`ContactIndex`.

    Pages of :data:`PAGE_SIZE` contacts, or fewer from the first page too large to receive
    (see :func:`~leadconnector_async.resources.listings.search_walk`).

    Args:
        client: Sends the search requests.
        location_id: The location.
    """

    def __init__(self, client: LeadConnector, location_id: str) -> None:
        body = search_body(location_id, None, None, None, PAGE_SIZE)
        self._search = search_walk(client, body, smallest=SMALLEST_PAGE_SIZE)
        self._pages = self._search.pages()
        self.first: Page[Contact] | None = None
        self.pages = 0

    async def first_page(self) -> Page[Contact]:
        """The first page: its ``total`` sizes the location."""
        self.first = await anext(self._pages)
        self.pages = 1
        return self.first

    async def into(self, index: ContactIndex, match: MatchKey) -> ContactIndex:
        """Add every contact to ``index``, the first page's included, then freeze it."""
        assert self.first is not None, "read the first page first"
        total, seen = self.first.total, 0
        page: Page[Contact] | None = self.first
        async with self._search:
            while page is not None:
                for contact in page.items:
                    index.add(contact, match.of_contact(contact), match.as_stored(contact))
                for record in page.undecoded:
                    index.add_unreadable(match.of_record(record))
                # Counted as the server sent them: a record left out unread ends nothing.
                seen += page.received
                # Stopping at the total saves the empty page that would end the walk; where
                # else it ends (a short page) is the search's own policy.
                if total is not None and seen >= total:
                    break
                page = await anext(self._pages, None)
                self.pages += page is not None
        index.freeze()
        return index

    async def aclose(self) -> None:
        await self._search.aclose()
