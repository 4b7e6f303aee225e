"""One generic paginator, walked lazily page by page, and the cursor policies of each listing.

A :class:`Paginator` is told how to fetch one page for a cursor and how to find the next cursor
from a page; every listing (search, the legacy list, contacts by business) is one of these with a
different pair. It holds one page at a time (two with ``read_ahead``), so memory stays flat
however long the listing is.

It is a plain async iterator rather than an ``async def`` generator on purpose: an abandoned
native async generator is finalised by a task the event loop schedules later, so breaking out of
``async for`` would leave a task behind. Breaking out of ours leaves nothing running unless
``read_ahead`` started a fetch; ``aclose()`` (or ``async with``) cancels and awaits that one.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec

from ._closing import AsyncClosing
from .errors import ConfigurationError, LeadConnectorError, PaginationError

__all__ = [
    "FetchPage",
    "NextCursor",
    "Page",
    "Paginator",
    "SearchAfter",
    "by_offset",
    "by_search_after",
    "by_server_cursor",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing.

    Attributes:
        items: The page's items, in the server's order.
        total: How many items the whole listing holds, as the server reported it with this page
            (``None`` when it did not say, or said a negative number: a server's "not counted").
        cursor: The opaque cursor the server gave for the page after this one, sent back exactly
            as received (``None`` when it gave none).
        undecoded: The records the server sent on this page that could not be read as items
            at all (no ``id``, not an object), as raw JSON values in the server's order; they
            are not in ``items``, and each kind is logged once.
    """

    items: list[T]
    total: int | None = None
    cursor: Any = None
    undecoded: list[Any] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        if self.total is not None and self.total < 0:  # -1 for "not counted": unknown, no limit
            object.__setattr__(self, "total", None)

    @property
    def received(self) -> int:
        """How many records the server sent on this page: the items and the undecoded ones.

        Where the walk goes next (page full or short, the next ``skip``) depends on this, not on
        the items alone, so a record that cannot be read never ends or shifts the walk.
        """
        return len(self.items) + len(self.undecoded)


FetchPage = Callable[[Any], Coroutine[Any, Any, Page[T]]]
"""Fetches the page a cursor points at (the first page for the first cursor)."""

NextCursor = Callable[[Page[T], Any], Any]
"""``(page, cursor that fetched it) -> the next page's cursor``, or ``None`` after the last."""


def by_server_cursor(page: Page[Any], sent: Any) -> Any:
    """Follow the cursor the server sends with each page, until it sends none or no records."""
    return page.cursor if page.received else None


def by_search_after(page_size: int) -> NextCursor[Any]:
    """Follow the last record's cursor until a page comes back shorter than ``page_size`` (one
    policy per walk: it counts the records received, see :class:`SearchAfter`).

    Raises:
        TransportError: A full page came without a cursor: going on is impossible, and stopping
            quietly would lose the rest of the listing.
    """
    return SearchAfter(page_size)


class SearchAfter:
    """:func:`by_search_after`'s policy: it ends the walk at a short page unless the server's
    ``total`` says more records remain than the walk received (a server that serves fewer per
    page than asked for); it goes on then while the page carries a cursor.

    Attributes:
        page_size: The records asked for per page; a walk that asks for fewer from some page
            on lowers it.
    """

    __slots__ = ("_received", "page_size")

    def __init__(self, page_size: int) -> None:
        self.page_size = page_size
        self._received = 0

    def __call__(self, page: Page[Any], sent: Any) -> Any:
        self._received += page.received
        if page.received < self.page_size:
            more = page.total is not None and self._received < page.total
            return page.cursor if more and page.received else None
        if page.cursor is None:
            raise PaginationError("a full page came without a cursor to the next one")
        return page.cursor


def by_offset(page: Page[Any], skip: int) -> int | None:
    """Skip the records received so far (undecoded ones too), until a page comes back empty.

    Stopping at an empty page rather than a short one costs one request per walk, and keeps a
    server that caps page sizes below the one asked for from ending the walk early.
    """
    return skip + page.received if page.received else None


class Paginator(Generic[T], AsyncClosing):
    """Every item of a listing, fetched lazily page by page: ``async for item in paginator``.

    One paginator is one walk, like a generator: iterate it once, by items or by
    :meth:`pages`, with one consumer at a time (a second one asking while a page is being
    fetched gets ``RuntimeError``). Errors are raised to the consumer where they happen, after
    the items already yielded. A page that could not be fetched (the error raised once the
    retries ran out, a timeout, a cancellation) ends nothing: iterating on asks for the same
    page again. A walk that leads nowhere (:class:`PaginationError`) ends there. A record the
    server sent that cannot be read as an item is left out and the walk goes on: each page
    keeps it in :attr:`Page.undecoded`, and :attr:`left_out` counts them.

    Args:
        fetch: Fetches the page a cursor points at.
        next_cursor: Finds the next cursor from a page, ``None`` after the last page.
        first: The cursor of the first page.
        max_items: Stop after this many items (``None``: all of them).
        read_ahead: Fetch the next page while the consumer works on this one (one page ahead
            at most, through the same rate limiter). Breaking out early then leaves that fetch
            running until :meth:`aclose` or ``async with`` ends it.

    Raises:
        ConfigurationError: ``max_items`` is not a non-negative int.
    """

    __slots__ = (
        "_ahead",
        "_cursor",
        "_error",
        "_fetch",
        "_fetching",
        "_guard",
        "_index",
        "_items",
        "_left_out",
        "_mode",
        "_more",
        "_next_cursor",
        "_read_ahead",
        "_remaining",
    )

    def __init__(
        self,
        fetch: FetchPage[T],
        next_cursor: NextCursor[T],
        *,
        first: Any = None,
        max_items: int | None = None,
        read_ahead: bool = False,
    ) -> None:
        self._ahead: asyncio.Task[Page[T]] | None = None  # first: ``__del__`` reads it
        if max_items is not None and (
            isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0
        ):
            raise ConfigurationError(f"max_items must be an int >= 0 or None, got {max_items!r}")
        self._fetch = fetch
        self._fetching = False
        self._next_cursor = next_cursor
        self._cursor = first
        self._remaining = max_items
        self._more = max_items != 0
        self._read_ahead = read_ahead
        self._error: LeadConnectorError | None = None
        self._items: list[T] = []
        self._index = 0
        self._left_out = 0
        self._mode: str | None = None
        self._guard = _WalkGuard(first)

    def __aiter__(self) -> Paginator[T]:
        self._claim("items")
        return self

    async def __anext__(self) -> T:
        while self._index >= len(self._items):
            self._items, self._index = [], 0  # let the consumed page go
            self._items = (await self._next_page()).items
        item = self._items[self._index]
        self._index += 1
        return item

    def __repr__(self) -> str:
        state = [f"by={self._mode}"] if self._mode else []
        if self._remaining is not None:
            state.append(f"items_left={self._remaining}")
        if self._read_ahead:
            state.append("read_ahead=True")
        if self._left_out:
            state.append(f"left_out={self._left_out}")
        if not self._more and not self._items[self._index :]:
            state.append("done=True")
        return f"Paginator({', '.join(state)})"

    @property
    def left_out(self) -> int:
        """How many records the server sent so far that could not be read as items (each
        page's :attr:`Page.undecoded`); they are not yielded, and the walk went on past them."""
        return self._left_out

    def pages(self) -> AsyncIterator[Page[T]]:
        """Iterate page by page instead of item by item (``max_items`` still counts items).

        Raises:
            RuntimeError: This paginator is already being iterated by items.
        """
        self._claim("pages")
        return _Pages(self)

    async def aclose(self) -> None:
        """End the walk: cancel and await a read-ahead fetch, if one is running."""
        self._more = False
        self._items, self._index = [], 0
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return
        ahead.cancel()
        await asyncio.wait([ahead])  # unlike ``await ahead``, never swallows our own cancel
        if not ahead.cancelled():
            ahead.exception()  # retrieved, so it is not logged as never retrieved

    def __del__(self) -> None:
        ahead = self._ahead
        if ahead is None or ahead.get_loop().is_closed():
            return
        if ahead.done():
            if not ahead.cancelled():
                ahead.exception()
        else:
            ahead.cancel()

    def _claim(self, mode: str) -> None:
        if self._mode not in (None, mode):
            raise RuntimeError(
                f"this paginator is already iterated by {self._mode}; "
                "call the listing again for another walk"
            )
        self._mode = mode

    async def _next_page(self) -> Page[T]:
        if self._fetching:
            raise RuntimeError(
                "this paginator is already fetching a page for another consumer; "
                "one walk has one consumer at a time"
            )
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if not self._more:
            raise StopAsyncIteration
        ahead, self._ahead = self._ahead, None
        sent = self._cursor
        # A fetch that fails or is cancelled leaves the cursor where it was: the next call
        # asks for the same page again rather than ending the walk short of its end.
        self._fetching = True
        try:
            page = await (ahead if ahead is not None else self._fetch(sent))
        finally:
            self._fetching = False
        self._more = False  # a page that leads nowhere ends the walk
        self._left_out += len(page.undecoded)
        self._guard.refuse_repeated_page(page, sent)  # nothing new: raised at once
        page = self._count(page)
        if self._remaining == 0:  # the walk has what it wanted: where it goes next is moot
            return page
        try:
            cursor = self._next_cursor(page, sent)
            self._guard.admit(page, cursor)
        except LeadConnectorError as error:
            self._error = error  # raised once this page's items are consumed
            cursor = None
        if cursor is not None:
            self._cursor, self._more = cursor, True
            if self._read_ahead:
                self._ahead = asyncio.ensure_future(self._fetch(cursor))
        return page

    def _count(self, page: Page[T]) -> Page[T]:
        """The page cut to what ``max_items`` still allows, counted against it."""
        if self._remaining is None:
            return page
        if len(page.items) > self._remaining:
            page = dataclasses.replace(page, items=page.items[: self._remaining])
        self._remaining -= len(page.items)
        return page


REMEMBERED = 4_096
"""Pages, and cursors, a walk remembers to notice a loop: under 2 MB at most, however long
the walk; a loop through more distinct pages than this goes unnoticed."""


class _WalkGuard:
    """Notices a walk that leads nowhere, so a misbehaving server cannot make it endless.

    Three signs, each a :class:`PaginationError`: a page holding only the records of the page
    before, or exactly those of an earlier one (the server ignored the cursor or ``skip``, and
    serves the same page again or goes round a few; raised before yielding it), a cursor seen
    before (a loop), and a walk that received more records than the largest ``total`` the
    server reported (raised after yielding them). A ``total`` is trusted as the listing's
    size only once some page's differs from its own record count: the spec leaves open whether
    ``count`` counts the listing or the page, and a per-page count must not end a real walk.
    Pages are told apart by their items' ids (by the undecoded records' JSON when no item
    could be read). It keeps the page before's ids, and one hash per page and one key per
    cursor for the last :data:`REMEMBERED` of each, so memory stays bounded.
    """

    __slots__ = ("_cursors", "_last", "_listing_total", "_pages", "_received", "_total")

    def __init__(self, first: Any) -> None:
        self._cursors = _Recent(REMEMBERED)
        self._cursors.add(_json_key(first))
        self._pages = _Recent(REMEMBERED)
        self._last: frozenset[str | bytes] = frozenset()
        self._received = 0
        self._total = 0
        self._listing_total = False

    def refuse_repeated_page(self, page: Page[Any], sent: Any) -> None:
        key = _records_key(page)
        if key is None:  # nothing to tell this page from another by
            self._last = frozenset()
            return
        fingerprint = hash(key)
        if key <= self._last:
            earlier = "the page before"
        elif fingerprint in self._pages:
            earlier = "an earlier page"
        else:
            self._pages.add(fingerprint)
            self._last = key
            return
        raise PaginationError(
            f"the server answered cursor {sent!r} with the same {page.received} items as "
            f"{earlier}: it ignored the cursor (or skip); stopped after {self._received} items"
        )

    def admit(self, page: Page[Any], cursor: Any) -> None:
        self._received += page.received
        if page.total is not None:
            self._total = max(self._total, page.total)
            self._listing_total |= page.total != page.received
        if self._listing_total and self._received > self._total:
            raise PaginationError(
                f"the server served more items than the total it reported ({self._total}); "
                f"stopped after {self._received} items"
            )
        if cursor is None:
            return
        key = _json_key(cursor)
        if key in self._cursors:
            raise PaginationError(f"the server sent a cursor it had sent before ({cursor!r})")
        self._cursors.add(key)


class _Recent:
    """The last ``size`` keys added, for ``in`` tests: memory stays bounded."""

    __slots__ = ("_keys", "_order", "_size")

    def __init__(self, size: int) -> None:
        self._keys: set[Any] = set()
        self._order: deque[Any] = deque()
        self._size = size

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add(self, key: Any) -> None:
        if key in self._keys:
            return
        self._keys.add(key)
        self._order.append(key)
        if len(self._order) > self._size:
            self._keys.discard(self._order.popleft())


def _records_key(page: Page[Any]) -> frozenset[str | bytes] | None:
    """What tells the page's records apart: its items' ids, or without items the undecoded
    records' JSON; ``None`` when the page is empty or some item has no string id."""
    if not page.items:
        return frozenset(_json_key(record) for record in page.undecoded) or None
    ids = [i for i in (getattr(item, "id", None) for item in page.items) if isinstance(i, str)]
    return frozenset(ids) if len(ids) == len(page.items) else None


def _json_key(value: Any) -> bytes | str:
    try:
        return msgspec.json.encode(value)
    except (TypeError, msgspec.EncodeError):
        return repr(value)


class _Pages(Generic[T]):
    """The page-by-page view of a :class:`Paginator`'s walk."""

    __slots__ = ("_walk",)

    def __init__(self, walk: Paginator[T]) -> None:
        self._walk = walk

    def __aiter__(self) -> _Pages[T]:
        return self

    async def __anext__(self) -> Page[T]:
        return await self._walk._next_page()

    async def aclose(self) -> None:
        """End the walk (see :meth:`Paginator.aclose`)."""
        await self._walk.aclose()
