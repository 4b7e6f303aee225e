"""The fake's search engine (pure): filter semantics and messages, sort orders, and cursors that
name one exact position, so a walk by cursor sees every contact once, in order."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from leadconnector_async.testing._search_engine import (
    FilterCompiler,
    Order,
    Snapshot,
    epoch_ms,
    text_query,
)

CONTACTS: list[dict[str, Any]] = [
    {
        "id": "a",
        "firstName": "Ann",
        "tags": ["vip", "lead"],
        "dateAdded": "2024-01-02T00:00:00Z",
        "score": 5,
        "email": "ann@x.com",
    },
    {
        "id": "b",
        "firstName": "Bob",
        "tags": [],
        "dateAdded": "2024-01-01T00:00:00.000Z",
        "score": 10,
    },
    {
        "id": "c",
        "firstName": None,
        "tags": ["lead"],
        "dateAdded": "2024-01-03T00:00:00Z",
        "score": 5,
        "email": "c@y.org",
    },
]


def matching(filters: list[Any]) -> list[str]:
    compiler = FilterCompiler()
    match = compiler.compile(filters)
    assert compiler.messages == []
    return [c["id"] for c in CONTACTS if match(c)]


def test_each_operator() -> None:
    assert matching([{"field": "tags", "operator": "eq", "value": "vip"}]) == ["a"]
    assert matching([{"field": "score", "operator": "not_eq", "value": 5}]) == ["b"]
    assert matching([{"field": "email", "operator": "contains", "value": "X.C"}]) == ["a"]
    assert matching([{"field": "tags", "operator": "not_contains", "value": "le"}]) == ["b"]
    assert matching([{"field": "email", "operator": "exists"}]) == ["a", "c"]
    assert matching([{"field": "tags", "operator": "not_exists"}]) == ["b"]
    in_range = {"field": "score", "operator": "range", "value": {"gt": 4, "lte": 5}}
    assert matching([in_range]) == ["a", "c"]


def test_date_ranges_compare_instants_whatever_the_format() -> None:
    since = {"field": "dateAdded", "operator": "range", "value": {"gte": "2024-01-02"}}
    assert matching([since]) == ["a", "c"]
    before = {"field": "dateAdded", "operator": "range", "value": {"lt": epoch_ms("2024-01-02")}}
    assert matching([before]) == ["b"]


def test_top_level_filters_are_anded_and_groups_nest() -> None:
    bob = {"field": "firstName", "operator": "eq", "value": "Bob"}
    either = {"group": "OR", "filters": [bob, {"field": "tags", "operator": "eq", "value": "vip"}]}
    assert matching([either]) == ["a", "b"]
    assert matching([either, {"field": "score", "operator": "eq", "value": 5}]) == ["a"]
    both = {"group": "AND", "filters": [either, {"field": "email", "operator": "exists"}]}
    assert matching([both]) == ["a"]


def test_bad_filters_get_every_message_at_once() -> None:
    compiler = FilterCompiler()
    compiler.compile(
        [
            {"field": "email", "operator": "like", "value": "a"},
            {"field": "email", "operator": "eq", "value": "x" * 76},
            {"field": "email", "operator": "contains", "value": 3},
            {"field": "n", "operator": "range", "value": {"above": 1}},
            {"group": "XOR", "filters": []},
            {"field": "email", "operator": "eq", "value": "a", "extra": 1},
            "email",
        ]
    )
    assert compiler.messages == [
        "filters.0.operator must be one of: eq, not_eq, contains, not_contains, exists, "
        "not_exists, range",
        "filters.1.value must be shorter than or equal to 75 characters",
        "filters.2.value must be a string",
        "filters.3.value must be an object of gte, gt, lte, lt",
        "filters.4.group must be one of: AND, OR",
        "filters.5.property extra should not exist",
        "filters.6 must be an object",
    ]


def test_text_query_is_case_insensitive_over_names_and_email() -> None:
    match = text_query("ANN@")
    assert [c["id"] for c in CONTACTS if match(c)] == ["a"]
    assert all(text_query(None)(c) for c in CONTACTS)


def order_of(sort: list[Any]) -> list[str]:
    messages: list[str] = []
    order = Order(sort, messages)
    assert messages == []
    keys = Snapshot.take({c["id"]: c for c in CONTACTS}, lambda c: True, order).keys
    return [key[-1] for key in keys]


def test_default_order_is_date_added_then_id_and_missing_values_sort_last() -> None:
    assert order_of([]) == ["b", "a", "c"]
    assert order_of([{"field": "firstName", "direction": "desc"}]) == ["b", "a", "c"]
    assert order_of([{"field": "firstName", "direction": "asc"}]) == ["a", "b", "c"]
    assert order_of([{"field": "score", "direction": "asc"}]) == ["a", "c", "b"]  # id breaks ties


def test_cursors_are_sort_values_dates_as_epoch_ms_then_the_id() -> None:
    order = Order([{"field": "firstName", "direction": "desc"}, {"field": "dateAdded"}], [])
    key = order.key(CONTACTS[2])
    assert order.cursor_of_key(key) == [None, epoch_ms("2024-01-03T00:00:00Z"), "c"]
    assert order.key_of_cursor(order.cursor_of_key(key)) == key
    assert order.key_of_cursor(["Ann", "c"]) is None  # one value short
    assert order.key_of_cursor(["Ann", 1, 2]) is None  # the id must be a string


values = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(["", "a", "b", "B"]))
contacts = st.lists(
    st.fixed_dictionaries(
        {
            "x": values,
            "y": values,
            "dateAdded": st.sampled_from(
                ["2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", "nonsense"]
            ),
        }
    ),
    max_size=40,
)
sorts = st.lists(
    st.fixed_dictionaries(
        {
            "field": st.sampled_from(["x", "y", "dateAdded", "absent"]),
            "direction": st.sampled_from(["asc", "desc"]),
        }
    ),
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(contacts, sorts, st.integers(1, 7))
def test_a_walk_by_cursor_sees_every_contact_once_in_order(
    rows: list[dict[str, Any]], sort: list[Any], page_size: int
) -> None:
    store = {f"id{n:03d}": {**row, "id": f"id{n:03d}"} for n, row in enumerate(rows)}
    order = Order(sort, [])
    snapshot = Snapshot.take(store, lambda c: True, order)
    walked: list[str] = []
    start = 0
    while True:
        found, _ = snapshot.read(store, lambda c: True, start, page_size)
        walked += [contact["id"] for _, contact in found]
        if len(found) < page_size:
            break
        cursor = order.cursor_of_key(found[-1][0])
        after = order.key_of_cursor(cursor)
        assert after is not None  # a cursor of this order names a position in it
        start = snapshot.start_after(after)
    assert walked == [key[-1] for key in snapshot.keys]
    assert sorted(walked) == sorted(store)
    for first, second in itertools.pairwise(walked):
        assert _in_order(store[first], store[second], order)


def _in_order(a: dict[str, Any], b: dict[str, Any], order: Order) -> bool:
    """``a`` may come before ``b``: per sort field, present before missing, then by value."""
    for field, descending in order.fields:
        left, right = _sortable(a, field), _sortable(b, field)
        if left == right:
            continue
        if left is None or right is None:
            return right is None
        if type(left) is not type(right):
            return isinstance(left, int) != descending  # numbers before strings, ascending
        return bool(left > right) if descending else bool(left < right)
    return bool(a["id"] < b["id"])


def _sortable(contact: dict[str, Any], field: str) -> Any:
    value = contact.get(field)
    if field == "dateAdded" and isinstance(value, str):
        return epoch_ms(value)
    return None if value == "" else value
