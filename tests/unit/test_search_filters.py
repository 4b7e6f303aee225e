"""Search filters, sorts and bodies: their wire form, and bad ones refused where they are built.
Also the cursor policies, which are pure."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import leadconnector_async as lc
from leadconnector_async.endpoints import BY_BUSINESS, search_page
from leadconnector_async.models.search import ListResponse, SearchResponse, search_body
from leadconnector_async.pagination import by_offset, by_search_after, by_server_cursor


def wire(value: Any) -> Any:
    return msgspec.json.decode(msgspec.json.encode(value))


def test_filters_groups_and_sorts_have_the_documented_wire_form() -> None:
    body = search_body(
        "loc",
        "jane",
        [
            lc.Filter("dnd", "eq", True),
            lc.FilterGroup(
                "OR",
                [lc.Filter("firstNameLowerCase", "eq", "alex"), lc.Filter("phone", "not_exists")],
            ),
            lc.Filter("dateAdded", "range", lc.Range(gte="2024-01-01", lt=1_700_000_000_000)),
        ],
        lc.Sort("firstNameLowerCase", "desc"),
        20,
    )
    assert wire(body) == {
        "locationId": "loc",
        "pageLimit": 20,
        "query": "jane",
        "filters": [
            {"field": "dnd", "operator": "eq", "value": True},
            {
                "group": "OR",
                "filters": [
                    {"field": "firstNameLowerCase", "operator": "eq", "value": "alex"},
                    {"field": "phone", "operator": "not_exists"},
                ],
            },
            {
                "field": "dateAdded",
                "operator": "range",
                "value": {"gte": "2024-01-01", "lt": 1_700_000_000_000},
            },
        ],
        "sort": [{"field": "firstNameLowerCase", "direction": "desc"}],
    }


def test_a_single_filter_or_sort_needs_no_list_and_asc_is_sent_explicitly() -> None:
    body = search_body("loc", None, lc.Filter("email", "exists"), lc.Sort("dateAdded"), 1)
    assert wire(body)["filters"] == [{"field": "email", "operator": "exists"}]
    assert wire(body)["sort"] == [{"field": "dateAdded", "direction": "asc"}]
    assert "query" not in wire(body)


def test_the_cursor_is_sent_back_unchanged_and_the_first_body_is_reused() -> None:
    body = search_body("loc", None, None, None, 100)
    cursor: list[Any] = [1_603_870_249_758, "102goXVW3lIExEQPOnd3", None, 1.5]
    assert body.after(None) is body
    assert wire(body.after(cursor))["searchAfter"] == cursor
    assert "searchAfter" not in wire(body)


def test_nested_groups_are_allowed() -> None:
    inner = lc.FilterGroup("AND", [lc.Filter("city", "eq", "Oslo"), lc.Filter("dnd", "eq", False)])
    outer = lc.FilterGroup("OR", (inner, lc.Filter("tags", "contains", "vip")))
    assert wire(outer)["filters"][0]["group"] == "AND"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: lc.Filter("email", "eq", "x" * 76), "75 characters"),
        (lambda: lc.Filter("email", "eq"), "string, number or bool"),
        (lambda: lc.Filter("email", "eq", ["a"]), "string, number or bool"),  # type: ignore[arg-type]
        (lambda: lc.Filter("email", "contains", 3), "takes a string"),
        (lambda: lc.Filter("email", "exists", "yes"), "takes no value"),
        (lambda: lc.Filter("email", "like", "a"), "unknown filter operator"),  # type: ignore[arg-type]
        (lambda: lc.Filter("", "eq", "a"), "non-empty"),
        (lambda: lc.Filter("dateAdded", "range", "2024"), "Range"),
        (lambda: lc.Range(), "at least one"),
        (lambda: lc.Range(gte="x" * 76), "75 characters"),
        (lambda: lc.FilterGroup("XOR", [lc.Filter("a", "exists")]), "'AND' or 'OR'"),  # type: ignore[arg-type]
        (lambda: lc.FilterGroup("OR", []), "non-empty"),
        (lambda: lc.FilterGroup("OR", [{"field": "a"}]), "Filter and FilterGroup"),  # type: ignore[list-item]
        (lambda: lc.Sort("dateAdded", "up"), "'asc' or 'desc'"),  # type: ignore[arg-type]
        (lambda: lc.Sort(" "), "non-empty"),
    ],
)
def test_bad_filters_and_sorts_are_refused_where_they_are_built(build: Any, message: str) -> None:
    with pytest.raises(lc.ConfigurationError, match=message):
        build()


@pytest.mark.parametrize("page_size", [0, 501, 2.5, True, "100"])
def test_page_size_is_1_to_500(page_size: Any) -> None:
    with pytest.raises(lc.ConfigurationError, match="page_size"):
        search_body("loc", None, None, None, page_size)


def test_a_query_of_75_characters_is_the_longest_accepted() -> None:
    assert wire(search_body("loc", "q" * 75, None, None, 1))["query"] == "q" * 75
    with pytest.raises(lc.ConfigurationError, match="query"):
        search_body("loc", "q" * 76, None, None, 1)


def _page(items: list[Any], cursor: Any = None) -> lc.Page[Any]:
    return lc.Page(items, None, cursor)


def test_search_after_follows_the_cursor_until_a_short_page() -> None:
    next_cursor = by_search_after(2)
    assert next_cursor(_page([1, 2], ["c"]), None) == ["c"]
    assert next_cursor(_page([1], ["c"]), None) is None
    assert next_cursor(_page([]), None) is None
    with pytest.raises(lc.TransportError, match="without a cursor"):
        next_cursor(_page([1, 2]), None)


def test_server_cursor_stops_when_absent_or_empty_and_offset_at_an_empty_page() -> None:
    assert by_server_cursor(_page([1], (5, "id")), None) == (5, "id")
    assert by_server_cursor(_page([1]), None) is None
    assert by_server_cursor(_page([], (5, "id")), None) is None
    assert by_offset(_page([1, 2, 3]), 10) == 13
    assert by_offset(_page([]), 10) is None


def test_cursor_policies_follow_the_records_sent_not_only_those_read() -> None:
    one_left_out = lc.Page([1], None, ["c"], undecoded=[{"id": None}])
    assert one_left_out.received == 2
    assert by_search_after(2)(one_left_out, None) == ["c"]  # a full page: the walk goes on
    assert by_offset(one_left_out, 10) == 12
    none_read: lc.Page[Any] = lc.Page([], None, (5, "id"), undecoded=[None, []])
    assert by_server_cursor(none_read, None) == (5, "id")
    assert by_offset(none_read, 10) == 12


def test_a_negative_total_is_unknown() -> None:
    assert lc.Page([], -1).total is None  # a server's "not counted", not a limit
    assert lc.Page([], 0).total == 0


def test_a_search_page_keeps_a_record_left_out_and_the_last_cursor_sent() -> None:
    page = search_page(
        b'{"contacts":[{"id":"a","searchAfter":[1,"a"]},{"id":null,"searchAfter":[2,"b"]},'
        b'null],"total":3}'
    )
    assert [c.id for c in page.items] == ["a"]
    assert page.undecoded == [{"id": None, "searchAfter": [2, "b"]}, None]
    assert page.cursor == [2, "b"]  # the last record that carries one, read or not
    assert (page.total, page.received) == (3, 3)
    with pytest.raises(msgspec.ValidationError, match="where a record belongs"):
        BY_BUSINESS.decode(b'{"contacts":{"id":"a"},"count":1}')  # no list: the page is unusable


def test_a_left_out_records_cursor_survives_text_that_is_not_unicode() -> None:
    page = search_page(
        b'{"contacts":[{"id":"a","firstName":"\\ud83d","searchAfter":[1,"a"]},'
        b'{"id":null,"searchAfter":[2,"b"]}],"total":2}'
    )
    assert [(c.id, c.first_name) for c in page.items] == [("a", "\ufffd")]
    assert page.cursor == [2, "b"]


def test_response_envelopes_become_pages_with_their_cursors() -> None:
    search = msgspec.json.decode(
        b'{"contacts":[{"id":"a","searchAfter":[1234,"a"]}],"total":9,"traceId":"t"}',
        type=SearchResponse,
    ).page()
    assert (search.total, search.cursor, search.items[0].id) == (9, [1234, "a"], "a")
    listed = msgspec.json.decode(
        b'{"contacts":[{"id":"a"}],"count":1,'
        b'"meta":{"total":40,"startAfter":1603870249758,"startAfterId":"a","nextPage":2}}',
        type=ListResponse,
    ).page()
    assert (listed.total, listed.cursor) == (40, (1603870249758, "a"))
    last = msgspec.json.decode(
        b'{"contacts":[],"count":0,"meta":{"startAfter":null,"startAfterId":null}}',
        type=ListResponse,
    ).page()
    assert (last.total, last.cursor) == (0, None)


@pytest.mark.parametrize("max_items", [-1, 1.5, True, "3"])
def test_max_items_must_be_a_non_negative_int(max_items: Any) -> None:
    with pytest.raises(lc.ConfigurationError, match="max_items"):
        lc.Paginator(_never, by_offset, max_items=max_items)


async def _never(cursor: Any) -> lc.Page[Any]:
    raise AssertionError("nothing is fetched")


def test_search_after_follows_a_short_page_while_the_total_says_more_remain() -> None:
    next_cursor = by_search_after(5)  # a server that serves 2 a page whatever it is asked
    assert next_cursor(lc.Page([1, 2], 6, ["b"]), None) == ["b"]  # 2 of 6
    assert next_cursor(lc.Page([3, 4], 6, ["d"]), None) == ["d"]  # 4 of 6
    assert next_cursor(lc.Page([5, 6], 6, ["f"]), None) is None  # 6 of 6
