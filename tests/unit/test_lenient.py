"""Lenient decoding on recorded bytes: one odd field never costs the record or the page."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async import _lenient
from leadconnector_async._protocol import Call, Response, decode_as, parse_response
from leadconnector_async.endpoints import GET, LIST, SEARCH, UPDATE, acknowledged

_CONTACT, _UPDATED, _SEARCH_PAGE = GET.decode, UPDATE.decode, SEARCH.decode


@pytest.fixture(autouse=True)
def fresh_warnings() -> Iterator[None]:
    _lenient._WARNED.clear()
    yield
    _lenient._WARNED.clear()


def _page(*contacts: object, total: Any = None) -> bytes:
    return json.dumps({"contacts": list(contacts), "total": total or len(contacts)}).encode()


def test_an_epoch_ms_birthday_decodes_instead_of_failing_the_contact() -> None:
    contact = _CONTACT(b'{"contact":{"id":"x","dateOfBirth":631152000000}}')
    assert contact.date_of_birth == "1990-01-01"
    assert contact.undecoded is None


def test_address_is_read_as_address1() -> None:
    contact = _CONTACT(b'{"contact":{"id":"x","address":"1 Main St"}}')
    assert contact.address1 == "1 Main St"
    both = _CONTACT(b'{"contact":{"id":"x","address":"old","address1":"1 Main St"}}')
    assert both.address1 == "1 Main St"


def test_numbers_as_strings_and_back() -> None:
    contact = _CONTACT(
        b'{"contact":{"id":"x","birthMonth":"5","postalCode":35061,"tags":["a",7],"dnd":"true"}}'
    )
    assert (contact.birth_month, contact.postal_code) == (5, "35061")
    assert (contact.tags, contact.dnd) == (["a", "7"], True)
    assert _SEARCH_PAGE(_page({"id": "a"}, total="1")).total == 1


@pytest.mark.parametrize(
    "body", [b'{"succeded":true}', b'{"succeeded":true}', b'{"succeeded":"true"}', b""]
)
def test_either_spelling_of_succeeded_acknowledges(body: bytes) -> None:
    assert acknowledged(body) is True


def test_update_envelope_with_the_v3_spelling_and_an_odd_contact() -> None:
    contact = _UPDATED(b'{"succeeded":true,"contact":{"id":"x","dateOfBirth":0,"dnd":[1]}}')
    assert contact is not None
    assert contact.date_of_birth == "1970-01-01"
    assert contact.undecoded == {"dnd": [1]}


def test_an_odd_field_costs_only_that_field(caplog: pytest.LogCaptureFixture) -> None:
    odd = {
        "id": "b",
        "firstName": "Bea",
        "email": "b@x.com",
        "dnd": {"weird": 1},
        "dndSettings": {"Email": {"status": [3]}},
        "customFields": [{"id": "f", "value": 1}, 7],
    }
    page = _SEARCH_PAGE(_page({"id": "a", "firstName": "Al"}, odd, {"id": "c"}))
    assert [c.id for c in page.items] == ["a", "b", "c"]
    bea = page.items[1]
    assert (bea.first_name, bea.email) == ("Bea", "b@x.com")
    assert bea.dnd is None
    assert bea.undecoded == {"dnd": {"weird": 1}, "customFields": [7]}
    assert bea.dnd_settings is not None
    assert bea.dnd_settings.email is not None
    assert bea.dnd_settings.email.undecoded == {"status": [3]}
    assert bea.custom_fields == [lc.CustomFieldValue(id="f", value=1)]
    assert [c.undecoded for c in page.items[::2]] == [None, None]


def test_one_warning_per_field_and_reason(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="leadconnector_async")
    for _ in range(3):
        _SEARCH_PAGE(_page({"id": "a", "dnd": "x"}, {"id": "b", "dnd": "y"}, {"id": "c", "dnd": 5}))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, warnings  # str and int are two reasons for the same field
    assert all(w.startswith("Contact.dnd: Expected `bool | null`") for w in warnings)


def test_a_record_that_cannot_be_read_is_left_out_and_the_page_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = _SEARCH_PAGE(_page({"id": "a"}, {"firstName": "no id"}, 5, {"id": "d"}))
    assert [c.id for c in page.items] == ["a", "d"]
    assert any("left out of the list" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("body", [b'{"contact": 5}', b'{"other": {}}', b"<html>", b'{"contact":'])
def test_a_body_that_cannot_be_the_envelope_is_a_transport_error(body: bytes) -> None:
    call = Call("GET", "/contacts/x", _CONTACT)
    with pytest.raises(lc.TransportError) as caught:
        parse_response(call, Response(200, {}, body))
    assert caught.value.outcome_unknown


def test_upsert_results_decode_leniently_too() -> None:
    result = decode_as(lc.UpsertResult)(b'{"new":"true","contact":{"id":"x","dateOfBirth":0}}')
    assert result.new is True
    assert result.contact.date_of_birth == "1970-01-01"


def test_deep_nesting_is_a_transport_error() -> None:
    deep = b'{"contact":{"id":"x","attachments":' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    with pytest.raises(lc.TransportError, match="nested deeper"):
        parse_response(Call("GET", "/contacts/x", _CONTACT), Response(200, {}, deep))


def test_epoch_values_out_of_range_become_plain_strings() -> None:
    contact = _CONTACT(b'{"contact":{"id":"x","dateAdded":1e300,"dateUpdated":-1e300}}')
    assert contact.date_added == "1e+300"
    assert contact.date_updated == "-1e+300"


@pytest.mark.parametrize(
    ("decode", "body"),
    [
        (_CONTACT, b'{"contact":null}'),
        (_UPDATED, b'{"succeded":true,"contact":5}'),
        (_SEARCH_PAGE, b'{"contacts":null,"total":"many"}'),
        (LIST.decode, b'{"contacts":[],"meta":5}'),
    ],
)
def test_an_envelope_without_usable_records_is_a_transport_error(
    decode: Callable[[bytes], object], body: bytes
) -> None:
    call = Call("GET", "/contacts/x", decode)
    with pytest.raises(lc.TransportError, match="where a record belongs"):
        parse_response(call, Response(200, {}, body))


def test_inside_a_record_a_sub_record_that_does_not_fit_is_an_odd_field() -> None:
    page = _SEARCH_PAGE(
        _page({"id": "a", "dndSettings": 5, "customFields": None, "opportunities": {}})
    )
    assert page.items[0].undecoded == {"dndSettings": 5, "opportunities": {}}
    assert (page.items[0].dnd_settings, page.items[0].custom_fields) == (None, None)
    assert _UPDATED(b'{"succeded":true,"contact":null}') is None


def test_text_that_is_not_valid_unicode_is_read_with_replacement_characters() -> None:
    names = [
        rb"Ann \ud83d",  # a lone high surrogate: an emoji cut in half
        b"B\xffb",  # a byte that is not UTF-8
        rb"\\ud83d",  # an escaped backslash, then text: valid
        rb"\\\ude00",  # an escaped backslash, then a lone low surrogate
        rb"\ud83d\ude00",  # a pair: valid
    ]
    items = b",".join(b'{"id":"c%d","firstName":"%s"}' % (i, n) for i, n in enumerate(names))
    page = _SEARCH_PAGE(b'{"contacts":[' + items + b'],"total":5}')
    assert [c.first_name for c in page.items] == [
        "Ann \ufffd",
        "B\ufffdb",
        "\\ud83d",
        "\\\ufffd",
        "\U0001f600",
    ]
    assert [c.undecoded for c in page.items] == [None] * 5


def test_a_page_of_odd_records_keeps_each_with_its_odd_field() -> None:
    odd = [{"id": f"c{i}", "dnd": "x"} for i in range(2_000)]
    page = _SEARCH_PAGE(_page(*odd, [], 5))
    assert len(page.items) == 2_000
    assert all(c.undecoded == {"dnd": "x"} for c in page.items)


def _odd_contact(n: int) -> dict[str, Any]:
    """A contact with about 30 values that take the slow path (numbers where text belongs)."""
    channels = ("Call", "Email", "SMS", "WhatsApp", "GMB", "FB")
    dnd = {channel: {"status": "active", "code": 103, "message": 0} for channel in channels}
    attribution = {"url": "https://x", "utmContent": 5, "mediumId": 77}
    return {
        "id": f"c{n}",
        "dateOfBirth": 631152000000,
        "dndSettings": dnd,
        "postalCode": 35061,
        "attributions": [attribution] * 2,
    }


@pytest.mark.parametrize("size", [1, 100, 500])
def test_odd_contacts_decode_whatever_the_page_size(size: int) -> None:
    # The slow path's budget grows with the records: the API's largest page is no exception.
    page = _SEARCH_PAGE(_page(*(_odd_contact(n) for n in range(size))))
    assert [c.id for c in page.items] == [f"c{n}" for n in range(size)]
    assert {c.postal_code for c in page.items} == {"35061"}


@pytest.mark.parametrize("item", [b"[]", b'{"id":1}', b'{"id":"c","customFields":[[],[],[]]}'])
def test_a_body_with_more_unfit_values_than_the_bound_is_a_transport_error(item: bytes) -> None:
    body = b'{"contacts":[' + b",".join([item] * (_lenient._MOST_SLOW + 1)) + b'],"total":1}'
    with pytest.raises(lc.UnfitResponseError, match="not read further"):
        parse_response(Call("POST", "/contacts/search", _SEARCH_PAGE), Response(200, {}, body))
