"""The fake's search engine over wire-shaped contacts: filters, text query, sort, cursors. Pure.

A listing is sorted once into a :class:`Snapshot`; each later page finds its start by bisecting
the snapshot's keys with the cursor, so walking 100,000 contacts never sorts them again. Every
sort order ends with the contact id, which makes it total: a cursor names one exact position.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeGuard

Contact = dict[str, Any]
Predicate = Callable[[Contact], bool]
Key = tuple[Any, ...]

MAX_TEXT = 75
DATE_FIELDS = frozenset({"dateAdded", "dateUpdated", "lastActivity"})
TEXT_FIELDS = ("name", "firstName", "lastName", "email", "phone", "companyName")
OPERATORS = ("eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range")
BOUNDS = ("gte", "gt", "lte", "lt")
DEFAULT_SORT = ({"field": "dateAdded", "direction": "asc"},)


def epoch_ms(value: str) -> int | None:
    """An ISO date or datetime as epoch milliseconds (UTC when no zone is given)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def sort_value(contact: Contact, field: str) -> Any:
    """What a field sorts by: dates as epoch ms, a list by its first item, ``None`` if empty."""
    value = contact.get(field)
    if isinstance(value, list):
        value = value[0] if value else None
    if field in DATE_FIELDS and isinstance(value, str):
        return epoch_ms(value)
    return None if value == "" else value


def _always(contact: Contact) -> bool:
    return True


def _exists(field: str) -> Predicate:
    return lambda contact: contact.get(field) not in (None, "", [], {})


def _equal(field: str, expected: Any) -> Predicate:
    def check(contact: Contact) -> bool:
        value = contact.get(field)
        return expected in value if isinstance(value, list) else value == expected

    return check


def _contain(field: str, needle: str) -> Predicate:
    lowered = needle.lower()

    def check(contact: Contact) -> bool:
        value = contact.get(field)
        values = value if isinstance(value, list) else [value]
        return any(isinstance(v, str) and lowered in v.lower() for v in values)

    return check


def _within(field: str, bounds: Mapping[str, Any]) -> Predicate:
    limits = [
        (name, epoch_ms(b) if field in DATE_FIELDS and isinstance(b, str) else b)
        for name, b in bounds.items()
    ]

    def check(contact: Contact) -> bool:
        value = sort_value(contact, field)
        if value is None:
            return False
        try:
            return all(_holds(name, value, limit) for name, limit in limits)
        except TypeError:  # a number against a string bound
            return False

    return check


def _holds(name: str, value: Any, limit: Any) -> bool:
    if name == "gte":
        return bool(value >= limit)
    if name == "gt":
        return bool(value > limit)
    if name == "lte":
        return bool(value <= limit)
    return bool(value < limit)


def _negate(predicate: Predicate) -> Predicate:
    return lambda contact: not predicate(contact)


class FilterCompiler:
    """Turns the request's ``filters`` into one predicate, collecting the 422 messages."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def compile(self, filters: list[Any], where: str = "filters") -> Predicate:
        predicates = [self._one(item, f"{where}.{n}") for n, item in enumerate(filters)]
        return lambda contact: all(p(contact) for p in predicates)

    def _one(self, item: Any, where: str) -> Predicate:
        if not isinstance(item, dict):
            return self._fail(f"{where} must be an object")
        if "group" in item:
            return self._group(item, where)
        for name in item.keys() - {"field", "operator", "value"}:
            self.messages.append(f"{where}.property {name} should not exist")
        field, operator, value = item.get("field"), item.get("operator"), item.get("value")
        if not isinstance(field, str) or not field:
            return self._fail(f"{where}.field must be a non-empty string")
        if operator not in OPERATORS:
            return self._fail(f"{where}.operator must be one of: {', '.join(OPERATORS)}")
        if operator in ("exists", "not_exists"):
            return _exists(field) if operator == "exists" else _negate(_exists(field))
        if operator == "range":
            return self._range(field, value, where)
        if operator in ("contains", "not_contains"):
            if not self._text(value, where):
                return _always
            contains = _contain(field, value)
            return contains if operator == "contains" else _negate(contains)
        if not self._scalar(value, where):
            return _always
        equal = _equal(field, value)
        return equal if operator == "eq" else _negate(equal)

    def _group(self, item: dict[str, Any], where: str) -> Predicate:
        group, filters = item.get("group"), item.get("filters")
        for name in item.keys() - {"group", "filters"}:
            self.messages.append(f"{where}.property {name} should not exist")
        if group not in ("AND", "OR"):
            return self._fail(f"{where}.group must be one of: AND, OR")
        if not isinstance(filters, list) or not filters:
            return self._fail(f"{where}.filters must be a non-empty array")
        if group == "AND":
            return self.compile(filters, f"{where}.filters")
        predicates = [self._one(sub, f"{where}.filters.{n}") for n, sub in enumerate(filters)]
        return lambda contact: any(p(contact) for p in predicates)

    def _range(self, field: str, value: Any, where: str) -> Predicate:
        if not isinstance(value, dict) or not value or not value.keys() <= set(BOUNDS):
            return self._fail(f"{where}.value must be an object of {', '.join(BOUNDS)}")
        if all(self._scalar(bound, where) for bound in value.values()):
            return _within(field, value)
        return _always

    def _text(self, value: Any, where: str) -> TypeGuard[str]:
        if not isinstance(value, str):
            self.messages.append(f"{where}.value must be a string")
            return False
        return self._scalar(value, where)

    def _scalar(self, value: Any, where: str) -> bool:
        if isinstance(value, str) and len(value) > MAX_TEXT:
            self.messages.append(f"{where}.value must be shorter than or equal to 75 characters")
            return False
        if not isinstance(value, str | int | float):
            self.messages.append(f"{where}.value must be a string, number or boolean")
            return False
        return True

    def _fail(self, message: str) -> Predicate:
        self.messages.append(message)
        return _always


def text_query(query: str | None) -> Predicate:
    """Case-insensitive match of ``query`` in a contact's name, email, phone or company."""
    if not query:
        return _always
    needle = query.lower()

    def check(contact: Contact) -> bool:
        return any(
            isinstance(v := contact.get(f), str) and needle in v.lower() for f in TEXT_FIELDS
        )

    return check


class _Descending:
    """Wraps a key part so that sorting ascending puts it in descending order."""

    __slots__ = ("part",)

    def __init__(self, part: Key) -> None:
        self.part = part

    def __lt__(self, other: _Descending) -> bool:
        return other.part < self.part

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.part == other.part


class Order:
    """A sort order over contacts, ending with the id so that it is total.

    Args:
        sort: The request's ``sort`` items; empty means ``dateAdded`` ascending.
        messages: Where validation messages go.
    """

    def __init__(self, sort: list[Any], messages: list[str]) -> None:
        self.fields: list[tuple[str, bool]] = []
        for n, item in enumerate(sort or DEFAULT_SORT):
            field = item.get("field") if isinstance(item, dict) else None
            direction = item.get("direction", "asc") if isinstance(item, dict) else None
            if not isinstance(field, str) or not field or direction not in ("asc", "desc"):
                messages.append(f"sort.{n} must be {{field, direction: asc|desc}}")
            else:
                self.fields.append((field, direction == "desc"))

    def key(self, contact: Contact) -> Key:
        """The contact's position in this order."""
        parts = [_part(sort_value(contact, f), desc) for f, desc in self.fields]
        return (*parts, contact["id"])

    def key_of_cursor(self, cursor: Any) -> Key | None:
        """The key a ``searchAfter`` cursor names; ``None`` if it does not fit this order."""
        if not isinstance(cursor, list) or len(cursor) != len(self.fields) + 1:
            return None
        *values, contact_id = cursor
        if not isinstance(contact_id, str):
            return None
        return (
            *(_part(v, desc) for v, (_, desc) in zip(values, self.fields, strict=True)),
            contact_id,
        )

    @staticmethod
    def cursor_of_key(key: Key) -> list[Any]:
        """The ``searchAfter`` value of a key: each sort value, then the id."""
        return [_value(part) for part in key[:-1]] + [key[-1]]


def _part(value: Any, descending: bool) -> Key:
    if value is None:
        return (1,)  # missing values sort last either way
    rank = 1 if isinstance(value, str) else 0 if isinstance(value, int | float) else 2
    ordered = (rank, value if rank < 2 else str(value))
    return (0, _Descending(ordered) if descending else ordered, value)


def _value(part: Key) -> Any:
    return None if part == (1,) else part[2]


@dataclass
class Snapshot:
    """One listing's matches in order, as keys; the contacts themselves are read live."""

    keys: list[Key]
    store_size: int

    @classmethod
    def take(cls, contacts: Mapping[str, Contact], match: Predicate, order: Order) -> Snapshot:
        """Sort the matching contacts once."""
        keys = sorted(order.key(c) for c in contacts.values() if match(c))
        return cls(keys, len(contacts))

    def start_after(self, key: Key) -> int:
        """The index of the first match after ``key``."""
        return bisect.bisect_right(self.keys, key)

    def read(
        self, contacts: Mapping[str, Contact], match: Predicate, start: int, limit: int
    ) -> tuple[list[tuple[Key, Contact]], int]:
        """Up to ``limit`` matches from ``start`` that still exist and match, and where the
        next read starts; a contact changed since the snapshot is read as it is now."""
        found: list[tuple[Key, Contact]] = []
        index = start
        while index < len(self.keys) and len(found) < limit:
            key = self.keys[index]
            contact = contacts.get(key[-1])
            if contact is not None and match(contact):
                found.append((key, contact))
            index += 1
        return found, index
