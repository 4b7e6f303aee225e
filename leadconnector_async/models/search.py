"""Search filters and sort orders (validated when built), and the listings' response envelopes.

Build filters like ``Filter("email", "eq", "a@b.com")``, group them with
``FilterGroup("OR", [...])``, order with ``Sort("dateAdded", "desc")``; a bad one raises
:class:`~leadconnector_async.ConfigurationError` where it is built, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

import msgspec
from msgspec import UNSET, UnsetType

from .._text_repair import NOT_DECODED, valid_text
from ..errors import ConfigurationError
from ..pagination import Page
from ._base import Input, JSONValue, Model
from .contacts import Contact

__all__ = ["Filter", "FilterGroup", "Operator", "Range", "Sort"]

Operator = Literal["eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range"]
Scalar = str | int | float | bool

MAX_TEXT = 75
"""Longest filter value and search query the API accepts, in characters."""
MAX_PAGE_SIZE = 500

_OPERATORS = frozenset(get_args(Operator))
_NO_VALUE = frozenset({"exists", "not_exists"})
_TEXT_ONLY = frozenset({"contains", "not_contains"})


class _Positional(msgspec.Struct, frozen=True):
    """A request value built with positional arguments; checked once, immutable after."""


class Range(_Positional, frozen=True, kw_only=True):
    """Bounds of a ``range`` filter (numbers, or date strings for date fields).

    Example: ``Range(gte="2024-01-01", lt="2025-01-01")``.
    """

    gte: str | int | float | UnsetType = UNSET
    gt: str | int | float | UnsetType = UNSET
    lte: str | int | float | UnsetType = UNSET
    lt: str | int | float | UnsetType = UNSET

    def __post_init__(self) -> None:
        bounds = [b for b in (self.gte, self.gt, self.lte, self.lt) if b is not UNSET]
        if not bounds:
            raise ConfigurationError("Range needs at least one of gte, gt, lte, lt")
        for bound in bounds:
            _check_value(bound, "a range bound")


class Filter(_Positional, frozen=True):
    """One condition: ``Filter(field, operator, value)``.

    Attributes:
        field: The contact field, as on the wire (``"email"``, ``"dateAdded"``, ``"tags"``).
        operator: ``eq``, ``not_eq`` (a string, number or bool), ``contains``,
            ``not_contains`` (a string), ``exists``, ``not_exists`` (no value) or ``range``
            (a :class:`Range`).
        value: What to compare with; strings are at most 75 characters.

    Raises:
        ConfigurationError: An unknown operator, or a value that does not suit it.
    """

    field: str
    operator: Operator
    value: Scalar | Range | UnsetType = UNSET

    def __post_init__(self) -> None:
        if not isinstance(self.field, str) or not self.field.strip():
            raise ConfigurationError(f"a filter's field must be a non-empty string: {self.field!r}")
        if self.operator not in _OPERATORS:
            raise ConfigurationError(
                f"unknown filter operator {self.operator!r}; use one of {sorted(_OPERATORS)}"
            )
        if self.operator in _NO_VALUE:
            if self.value is not UNSET:
                raise ConfigurationError(f"operator {self.operator!r} takes no value")
        elif self.operator == "range":
            if not isinstance(self.value, Range):
                raise ConfigurationError("operator 'range' takes a Range(gte=..., lte=...)")
        elif self.operator in _TEXT_ONLY and not isinstance(self.value, str):
            raise ConfigurationError(f"operator {self.operator!r} takes a string value")
        else:
            _check_value(self.value, f"the value of {self.field!r}")


class FilterGroup(_Positional, frozen=True):
    """Filters joined by ``AND`` or ``OR``; groups nest: ``FilterGroup("OR", [f1, f2])``.

    Raises:
        ConfigurationError: ``group`` is not ``AND``/``OR``, or ``filters`` is empty or holds
            something other than filters and groups.
    """

    group: Literal["AND", "OR"]
    filters: Sequence[Filter | FilterGroup]

    def __post_init__(self) -> None:
        if self.group not in ("AND", "OR"):
            raise ConfigurationError(f"a filter group is 'AND' or 'OR', not {self.group!r}")
        if isinstance(self.filters, str | bytes) or not self.filters:
            raise ConfigurationError("a filter group needs a non-empty list of filters")
        _check_filters(self.filters)


class Sort(_Positional, frozen=True):
    """One sort key: ``Sort("dateAdded", "desc")``.

    Raises:
        ConfigurationError: An empty field, or a direction other than ``asc``/``desc``.
    """

    field: str
    direction: Literal["asc", "desc"] = "asc"

    def __post_init__(self) -> None:
        if not isinstance(self.field, str) or not self.field.strip():
            raise ConfigurationError(f"a sort's field must be a non-empty string: {self.field!r}")
        if self.direction not in ("asc", "desc"):
            raise ConfigurationError(f"sort direction is 'asc' or 'desc', not {self.direction!r}")


class SearchBody(Input):
    """Body of ``POST /contacts/search``; ``search_after`` is the cursor, never ``page``."""

    location_id: str
    page_limit: int
    query: str | UnsetType = UNSET
    filters: Sequence[Filter | FilterGroup] | UnsetType = UNSET
    sort: Sequence[Sort] | UnsetType = UNSET
    search_after: list[JSONValue] | UnsetType = UNSET

    def after(self, cursor: list[JSONValue] | None) -> SearchBody:
        """This body asking for the page after ``cursor`` (the first page for ``None``)."""
        return self if cursor is None else msgspec.structs.replace(self, search_after=cursor)


def search_body(
    location_id: str,
    query: str | None,
    filters: Filter | FilterGroup | Sequence[Filter | FilterGroup] | None,
    sort: Sort | Sequence[Sort] | None,
    page_size: int,
) -> SearchBody:
    """The first page's search body, every argument checked.

    Raises:
        ConfigurationError: ``page_size`` outside 1..500, a query over 75 characters, or
            filters/sorts that are not :class:`Filter`/:class:`FilterGroup`/:class:`Sort`.
    """
    check_page_size(page_size, MAX_PAGE_SIZE)
    if query is not None:
        _check_value(query, "query")
    body = SearchBody(location_id=location_id, page_limit=page_size)
    if query:
        body = msgspec.structs.replace(body, query=query)
    if filters is not None:
        listed = [filters] if isinstance(filters, Filter | FilterGroup) else list(filters)
        body = msgspec.structs.replace(body, filters=_check_filters(listed))
    if sort is not None:
        sorts = [sort] if isinstance(sort, Sort) else list(sort)
        if not all(isinstance(s, Sort) for s in sorts):
            raise ConfigurationError("sort takes Sort(field, 'asc'|'desc') values")
        body = msgspec.structs.replace(body, sort=sorts)
    return body


def check_page_size(page_size: int, most: int | None) -> None:
    """Raise ``ConfigurationError`` unless ``page_size`` is an int in ``1..most``."""
    if (
        isinstance(page_size, bool)
        or not isinstance(page_size, int)
        or page_size < 1
        or (most is not None and page_size > most)
    ):
        limit = f"1..{most}" if most is not None else ">= 1"
        raise ConfigurationError(f"page_size must be an int in {limit}, got {page_size!r}")


def _check_filters(filters: Sequence[Any]) -> list[Filter | FilterGroup]:
    for item in filters:
        if not isinstance(item, Filter | FilterGroup):
            raise ConfigurationError(
                f"filters take Filter and FilterGroup values, not {type(item).__name__}"
            )
    return list(filters)


def _check_value(value: object, what: str) -> None:
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ConfigurationError(f"{what} is limited to {MAX_TEXT} characters: {value!r}")
    elif not isinstance(value, int | float):  # bool is an int
        raise ConfigurationError(f"{what} must be a string, number or bool, not {value!r}")


class SearchResponse(Model):
    """``{"contacts": [...], "total": n}`` (search); each contact carries its ``searchAfter``."""

    contacts: list[Contact] = msgspec.field(default_factory=list)
    total: int | None = None

    def page(self) -> Page[Contact]:
        """The page, with the last contact's ``searchAfter`` as the cursor.

        When records were left out, the last one the server sent may be one of them: the
        search endpoint then takes the cursor from the body (:func:`last_search_after`).
        """
        cursor = self.contacts[-1].search_after if self.contacts else None
        return Page(self.contacts, self.total, cursor, _left_out(self.undecoded))


class _SentRecords(msgspec.Struct):
    """A listing's records as the server sent them, readable or not."""

    contacts: list[msgspec.Raw] | None = None


class _SearchAfter(msgspec.Struct, rename="camel"):
    """The cursor of one search record."""

    search_after: list[JSONValue] | None = None


_SENT_RECORDS = msgspec.json.Decoder(_SentRecords)
_SEARCH_AFTER = msgspec.json.Decoder(_SearchAfter)


def last_search_after(body: bytes) -> list[JSONValue] | None:
    """The ``searchAfter`` of the last record in a search body that carries one, whether or
    not the record could be read as a contact (``None`` when none does)."""
    try:
        records = _SENT_RECORDS.decode(body).contacts or []
    except msgspec.ValidationError:
        return None
    except NOT_DECODED:  # text that is not valid Unicode, which the page was read past
        repaired = valid_text(body)
        return None if repaired is None else last_search_after(repaired)
    for record in reversed(records):
        try:
            cursor = _SEARCH_AFTER.decode(record).search_after
        except msgspec.ValidationError:
            continue
        if cursor is not None:
            return cursor
    return None


class ListMeta(Model):
    """The legacy list's ``meta``: where the next page starts (absent on the last page)."""

    total: int | None = None
    start_after: int | float | None = None
    start_after_id: str | None = None
    next_page_url: str | None = None


class ListResponse(Model):
    """``{"contacts": [...], "count": n, "meta": {...}}`` (legacy ``GET /contacts/``)."""

    contacts: list[Contact] = msgspec.field(default_factory=list)
    count: int | None = None
    meta: ListMeta | None = None

    def page(self) -> Page[Contact]:
        """The page, with ``(startAfter, startAfterId)`` as the cursor when both are given."""
        meta = self.meta or ListMeta()
        has_cursor = meta.start_after is not None and meta.start_after_id is not None
        cursor = (meta.start_after, meta.start_after_id) if has_cursor else None
        total = meta.total if meta.total is not None else self.count
        return Page(self.contacts, total, cursor, _left_out(self.undecoded))


class CountedResponse(Model):
    """``{"contacts": [...], "count": n}`` (contacts by business)."""

    contacts: list[Contact] = msgspec.field(default_factory=list)
    count: int | None = None

    def page(self) -> Page[Contact]:
        """The page; offset paging needs no cursor from the server."""
        return Page(self.contacts, self.count, undecoded=_left_out(self.undecoded))


def _left_out(undecoded: dict[str, Any] | None) -> list[Any]:
    """The records a listing's envelope left out of ``contacts`` (kept raw in its
    ``undecoded``; a ``contacts`` that is no list at all makes the body unusable instead)."""
    records: list[Any] = undecoded.get("contacts", []) if undecoded else []
    return records
