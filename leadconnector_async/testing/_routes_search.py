"""The contact listings: search, the deprecated list, and contacts by business.

- ``POST /contacts/search``: filters, sort and ``query``; ``pageLimit`` at most 500; ``page``
  numbers reach 10,000 records at most (400 beyond); ``searchAfter`` cursors reach everything.
  Each contact carries ``searchAfter``: its sort values (dates as epoch ms), then its id.
- ``GET /contacts/``: ``limit`` at most 100 (default 20), ordered by ``dateAdded`` then id; the
  next page needs both ``startAfter`` and ``startAfterId`` from ``meta`` (one alone starts over,
  as users report of the real API); they are ``null`` on the last page.
- ``GET /contacts/business/{businessId}``: ``skip``/``limit`` strings; the real cap is not
  documented, so the fake serves at most 100 per page whatever ``limit`` asks.

A walk is sorted once (its first page), and later pages bisect that order with their cursor.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import msgspec
from aiohttp import web

from . import _responses as respond
from ._observed import as_observed_in_search
from ._route_kit import Route
from ._routes import checked_body, fake_of, scope_denied
from ._routes_contacts import READ
from ._search_engine import Contact, FilterCompiler, Order, Predicate, Snapshot, text_query
from ._server import FakeLeadConnector
from ._validation import LIST, NUM, STR, Schema

MAX_PAGE_LIMIT = 500
MAX_WINDOW = 10_000
LIST_LIMIT, LIST_DEFAULT = 100, 20
BUSINESS_CAP, BUSINESS_DEFAULT = 100, 10
MAX_TEXT = 75

SEARCH_BODY = Schema(
    {
        "locationId": STR,
        "pageLimit": NUM,
        "page": NUM,
        "searchAfter": LIST,
        "filters": LIST,
        "sort": LIST,
        "query": STR,
    },
    frozenset({"locationId", "pageLimit"}),
)
LIST_PARAMS = frozenset({"locationId", "limit", "startAfter", "startAfterId", "query"})
BUSINESS_PARAMS = frozenset({"locationId", "limit", "skip", "query"})

_ENCODE = msgspec.json.Encoder().encode


class Snapshots:
    """The last few listings' sort orders, so a walk's later pages do not sort again."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._cache: OrderedDict[str, Snapshot] = OrderedDict()

    def get(
        self,
        fake: FakeLeadConnector,
        signature: Any,
        match: Predicate,
        order: Order,
        *,
        fresh: bool,
    ) -> Snapshot:
        """The listing's snapshot; ``fresh`` (a walk's first page) or a store that grew or
        shrank since takes a new one."""
        key = json.dumps(signature, sort_keys=True, default=str)
        snapshot = self._cache.get(key)
        if fresh or snapshot is None or snapshot.store_size != len(fake.store.contacts):
            snapshot = Snapshot.take(fake.store.contacts, match, order)
        self._cache[key] = snapshot
        self._cache.move_to_end(key)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return snapshot


def snapshots(fake: FakeLeadConnector) -> Snapshots:
    found = fake.extensions.get("search.snapshots")
    if not isinstance(found, Snapshots):
        found = fake.extensions["search.snapshots"] = Snapshots()
    return found


def _where(location_id: str, *predicates: Predicate) -> Predicate:
    return lambda c: c.get("locationId") == location_id and all(p(c) for p in predicates)


def _json(payload: dict[str, Any]) -> web.Response:
    return web.Response(body=_ENCODE(payload), content_type="application/json")


async def search_contacts(request: web.Request) -> web.Response:
    body = await checked_body(request, READ, SEARCH_BODY)
    if isinstance(body, web.Response):
        return body
    compiler = FilterCompiler()
    match = compiler.compile(body.get("filters") or [])
    order = Order(body.get("sort") or [], compiler.messages)
    messages = compiler.messages + _search_messages(body)
    cursor = body.get("searchAfter")
    after = order.key_of_cursor(cursor) if cursor is not None else None
    if cursor is not None and after is None:
        messages.append(
            f"searchAfter must hold {len(order.fields) + 1} values: the sort "
            "values of the last contact, then its id"
        )
    if messages:
        return respond.unprocessable(messages)
    limit, page = int(body["pageLimit"]), int(body.get("page") or 1)
    if page * limit > MAX_WINDOW:
        return respond.bad_request(
            f"page * pageLimit must not exceed {MAX_WINDOW}; use searchAfter to read further"
        )
    fake = fake_of(request)
    where = _where(body["locationId"], match, text_query(body.get("query")))
    signature = (
        "search",
        body["locationId"],
        body.get("query"),
        body.get("filters"),
        body.get("sort"),
    )
    fresh = after is None and page == 1
    snapshot = snapshots(fake).get(fake, signature, where, order, fresh=fresh)
    start = snapshot.start_after(after) if after is not None else (page - 1) * limit
    found, _ = snapshot.read(fake.store.contacts, where, start, limit)
    contacts = [{**c, "searchAfter": order.cursor_of_key(key)} for key, c in found]
    if fake.real_world_shapes:
        contacts = [as_observed_in_search(c) for c in contacts]
    return _json({"contacts": contacts, "total": len(snapshot.keys)})


def _search_messages(body: dict[str, Any]) -> list[str]:
    messages = _whole("pageLimit", body["pageLimit"], 1, MAX_PAGE_LIMIT)
    if body.get("page") is not None:
        messages += _whole("page", body["page"], 1, None)
        if body.get("searchAfter") is not None:
            messages.append("page and searchAfter cannot be used together")
    if len(body.get("query") or "") > MAX_TEXT:
        messages.append(f"query must be shorter than or equal to {MAX_TEXT} characters")
    return messages


def _whole(name: str, value: Any, least: int, most: int | None) -> list[str]:
    if not isinstance(value, int | float) or value != int(value):
        return [f"{name} must be an integer number"]
    if value < least:
        return [f"{name} must not be less than {least}"]
    if most is not None and value > most:
        return [f"{name} must not be greater than {most}"]
    return []


def _query_number(
    query: Mapping[str, str], name: str, default: float, messages: list[str]
) -> float:
    text = query.get(name)
    if text is None:
        return default
    try:
        return float(text) if "." in text or "e" in text.lower() else int(text)
    except ValueError:
        messages.append(f"{name} must be a number string")
        return default


NumberSpec = tuple[float, int | None, int | None]
"""A numeric query parameter: its default, and the least and most whole number it may be
(``None``, ``None``: any number)."""
LIST_NUMBERS: dict[str, NumberSpec] = {
    "limit": (LIST_DEFAULT, 1, LIST_LIMIT),
    "startAfter": (0, None, None),
}
BUSINESS_NUMBERS: dict[str, NumberSpec] = {
    "skip": (0, 0, None),
    "limit": (BUSINESS_DEFAULT, 1, None),
}


def _read_query(
    request: web.Request, allowed: frozenset[str], numbers: Mapping[str, NumberSpec]
) -> dict[str, float] | web.Response:
    """The numeric query parameters, checked, or the 401/422 response to send instead."""
    if (denied := scope_denied(request, READ)) is not None:
        return denied
    query = request.query
    messages = [f"property {name} should not exist" for name in query if name not in allowed]
    if not query.get("locationId"):
        messages.append("locationId should not be empty")
    values = {}
    for name, (default, least, most) in numbers.items():
        values[name] = _query_number(query, name, default, messages)
        if least is not None:
            messages += _whole(name, values[name], least, most)
    return respond.unprocessable(messages) if messages else values


async def list_contacts(request: web.Request) -> web.Response:
    """The deprecated ``GET /contacts/``."""
    numbers = _read_query(request, LIST_PARAMS, LIST_NUMBERS)
    if isinstance(numbers, web.Response):
        return numbers
    query, limit = request.query, int(numbers["limit"])
    fake, order, location = fake_of(request), Order([], []), query["locationId"]
    where = _where(location, text_query(query.get("query")))
    has_cursor = "startAfter" in query and "startAfterId" in query
    snapshot = snapshots(fake).get(
        fake, ("list", location, query.get("query")), where, order, fresh=not has_cursor
    )
    cursor = [numbers["startAfter"], query.get("startAfterId")]
    after = order.key_of_cursor(cursor) if has_cursor else None
    start = snapshot.start_after(after) if after is not None else 0
    found, end = snapshot.read(fake.store.contacts, where, start, limit)
    meta = _list_meta(request, found, more=end < len(snapshot.keys), start=start, limit=limit)
    total = len(snapshot.keys)
    return _json(
        {"contacts": [c for _, c in found], "count": total, "meta": {"total": total, **meta}}
    )


def _list_meta(
    request: web.Request, found: list[tuple[Any, Contact]], *, more: bool, start: int, limit: int
) -> dict[str, Any]:
    page = start // limit + 1
    meta: dict[str, Any] = {
        "currentPage": page,
        "prevPage": page - 1 if page > 1 else None,
        "nextPage": None,
        "startAfter": None,
        "startAfterId": None,
        "nextPageUrl": None,
    }
    if more and found:
        start_after, start_after_id = Order.cursor_of_key(found[-1][0])
        cursor = {"startAfter": str(start_after), "startAfterId": start_after_id}
        meta.update(
            nextPage=page + 1,
            startAfter=start_after,
            startAfterId=start_after_id,
            nextPageUrl=str(request.url.update_query(cursor)),
        )
    return meta


async def contacts_by_business(request: web.Request) -> web.Response:
    """``GET /contacts/business/{businessId}``, paged by ``skip``/``limit``."""
    numbers = _read_query(request, BUSINESS_PARAMS, BUSINESS_NUMBERS)
    if isinstance(numbers, web.Response):
        return numbers
    query, skip, limit = request.query, int(numbers["skip"]), int(numbers["limit"])
    fake, order, location = fake_of(request), Order([], []), query["locationId"]
    business_id = request.match_info["businessId"]
    where = _where(
        location, lambda c: c.get("businessId") == business_id, text_query(query.get("query"))
    )
    signature = ("business", location, business_id, query.get("query"))
    snapshot = snapshots(fake).get(fake, signature, where, order, fresh=skip == 0)
    found, _ = snapshot.read(fake.store.contacts, where, skip, min(limit, BUSINESS_CAP))
    return _json({"contacts": [c for _, c in found], "count": len(snapshot.keys)})


HANDLERS: dict[str, Route] = {
    "contacts.search": search_contacts,
    "contacts.list": list_contacts,
    "contacts.by_business": contacts_by_business,
}
