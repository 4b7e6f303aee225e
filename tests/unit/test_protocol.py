"""The pure protocol functions, on recorded bytes: no event loop, no network."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec
import pytest

import leadconnector_async as lc
from leadconnector_async._config import ClientConfig
from leadconnector_async._error_mapping import error_from_response
from leadconnector_async._protocol import (
    Call,
    Response,
    build_request,
    identity_headers,
    parse_response,
    segment,
)
from leadconnector_async._rate_headers import read_rate_limit, retry_after
from leadconnector_async.endpoints import _CONTACT
from leadconnector_async.testing._store import ContactStore

CONFIG = ClientConfig(base_url="https://api.test")


def test_build_request_sets_headers_and_encodes_unset_fields_away() -> None:
    call: Call[None] = Call(
        "POST", "/contacts/", body=lc.ContactCreate(first_name="A", location_id="L")
    )
    request = build_request(call, CONFIG, "secret")
    assert request.url == "https://api.test/contacts/"
    assert identity_headers(request.token, request.version) == {
        "Authorization": "Bearer secret",
        "Version": "2021-07-28",
    }
    assert request.content_type == "application/json"
    assert request.body == b'{"firstName":"A","locationId":"L"}'
    assert "secret" not in repr(request)


def test_query_values_are_fully_percent_encoded() -> None:
    call: Call[None] = Call(
        "GET",
        "/contacts/search/duplicate",
        params={"number": "+1 555", "email": "a+b@c.com", "skip": None},
    )
    url = build_request(call, CONFIG, "t").url
    assert url.endswith("?number=%2B1%20555&email=a%2Bb%40c.com")


def test_form_bodies_are_form_encoded_without_a_token() -> None:
    call: Call[None] = Call(
        "POST",
        "/oauth/token",
        form={"grant_type": "refresh_token"},
        authenticated=False,
        version=None,
    )
    request = build_request(call, CONFIG, "t")
    assert request.body == b"grant_type=refresh_token"
    assert identity_headers(request.token, request.version) == {}


def test_segment_quotes_and_refuses_empty() -> None:
    assert segment("a/b c", "id") == "a%2Fb%20c"
    with pytest.raises(lc.ConfigurationError):
        segment(" ", "contact_id")


def test_parse_decodes_straight_into_the_struct() -> None:
    body = (
        b'{"contact": {"id": "c1", "firstName": "A", "newServerField": 1,'
        b' "customFields": [{"id": "f", "value": {"x": [1, 2]}}]}}'
    )
    contact = parse_response(Call("GET", "/contacts/c1", _CONTACT), Response(200, {}, body))
    assert isinstance(contact, lc.Contact)
    assert contact.first_name == "A"
    assert contact.custom_fields is not None
    assert contact.custom_fields[0].value == {"x": [1, 2]}


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_any_2xx_is_success(status: int) -> None:
    assert parse_response(Call("DELETE", "/x"), Response(status, {}, b"")) is None


def test_a_truncated_success_body_is_a_transport_error() -> None:
    with pytest.raises(lc.TransportError) as caught:
        parse_response(Call("GET", "/c", _CONTACT), Response(200, {}, b'{"contact": {"id'))
    assert caught.value.status_code == 200
    assert caught.value.outcome_unknown


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (400, b'{"statusCode":400,"message":"Bad thing"}', lc.BadRequestError),
        (
            401,
            b'{"statusCode":401,"message":"Invalid JWT","error":"Unauthorized"}',
            lc.AuthenticationError,
        ),
        (
            401,
            b'{"statusCode":401,"message":"The token is not authorized for this scope."}',
            lc.ScopeError,
        ),
        (
            403,
            b'{"statusCode":403,"message":"Forbidden","error":"Forbidden"}',
            lc.PermissionDeniedError,
        ),
        (404, b'{"statusCode":404,"message":"Not Found"}', lc.NotFoundError),
        (400, b'{"statusCode":400,"message":"Contact not found"}', lc.NotFoundError),
        (400, b'{"statusCode":400,"message":"Contact does not exist"}', lc.NotFoundError),
        (400, b'{"statusCode":400,"message":"No such contact: abc"}', lc.NotFoundError),
        (404, b"<html>Not Found</html>", lc.NotFoundError),
        (429, b"", lc.RateLimitError),
        (500, b"<html>Internal</html>", lc.ServerError),
        (503, b'{"message":"down"}', lc.ServerError),
        (418, b"{}", lc.APIError),
    ],
)
def test_status_and_body_map_to_the_error_class(status: int, body: bytes, cls: type) -> None:
    error = error_from_response(status, {}, body)
    assert type(error) is cls
    assert error.status_code == status


@pytest.mark.parametrize("offset", [0, 150, 195, 199, 790, 800, 5000])
def test_a_token_json_escapes_spell_is_redacted_wherever_the_excerpt_ends(offset: int) -> None:
    token = "tok/with-slash-s3cr3t"
    escaped = "".join(f"\\u{ord(c):04x}" if c in "/-" else c for c in token)
    body = ('{"message":"' + "x" * offset + escaped + " and " + escaped + '"}').encode()
    with pytest.raises(lc.BadRequestError) as caught:
        parse_response(Call("GET", "/c", _CONTACT), Response(400, {}, body), token)
    error = caught.value
    assert error.message == "x" * offset + "<redacted> and <redacted>"
    assert error.body_excerpt is not None
    assert error.body_excerpt.startswith('{"message":"' + "x" * min(offset, 188))
    for spelling in (token, escaped, escaped[:12], escaped[-12:]):  # nor a part of one
        assert spelling not in error.body_excerpt


def test_duplicate_body_gives_existing_id_and_field() -> None:
    body = (
        b'{"statusCode":400,"message":"This location does not allow duplicated contacts.",'
        b'"meta":{"contactId":"c9","matchingField":"phone","contactName":"X"}}'
    )
    error = error_from_response(400, {}, body)
    assert isinstance(error, lc.DuplicateContactError)
    assert (error.existing_id, error.matching_field) == ("c9", "phone")


@pytest.mark.parametrize(
    "odd",
    [b'"traceId":123', b'"error":["Bad Request"]', b'"detail":{"reason":"dup"}'],
    ids=["numeric-trace-id", "error-list", "detail-object"],
)
def test_one_odd_field_of_a_duplicate_body_keeps_the_existing_id(odd: bytes) -> None:
    body = (
        b'{"statusCode":400,"message":"This location does not allow duplicated contacts.",'
        b'"meta":{"contactId":"c9","matchingField":"email"},' + odd + b"}"
    )
    error = error_from_response(400, {}, body)
    assert isinstance(error, lc.DuplicateContactError)
    assert (error.existing_id, error.matching_field) == ("c9", "email")
    assert error.message == "This location does not allow duplicated contacts."


def test_a_422_message_list_with_an_odd_item_keeps_the_other_messages() -> None:
    body = b'{"statusCode":422,"message":["email must be an email",{"field":"x"}],"traceId":"t"}'
    error = error_from_response(422, {}, body)
    assert isinstance(error, lc.UnprocessableEntityError)
    assert error.messages == ["email must be an email"]
    assert error.trace_id == "t"


def test_422_keeps_every_message_and_the_trace_id() -> None:
    body = (
        b'{"statusCode":422,"message":["email must be an email","property x should not'
        b' exist"],"error":"Unprocessable Entity","traceId":"tr-1"}'
    )
    error = error_from_response(422, {}, body)
    assert isinstance(error, lc.UnprocessableEntityError)
    assert error.messages == ["email must be an email", "property x should not exist"]
    assert error.trace_id == "tr-1"
    assert "tr-1" in str(error)


def test_oauth_error_description_is_kept() -> None:
    body = b'{"error":"invalid_grant","error_description":"refresh token already used"}'
    error = error_from_response(400, {}, body)
    assert error.message == "invalid_grant: refresh token already used"


def test_aip_style_error_envelope_is_read() -> None:
    error = error_from_response(400, {}, b'{"error":{"code":"X","message":"nested msg"}}')
    assert error.message == "nested msg"


def test_rate_limit_headers_any_case() -> None:
    snapshot = read_rate_limit(
        {
            "x-ratelimit-remaining": "7",
            "X-RATELIMIT-MAX": "100",
            "X-RateLimit-Interval-Milliseconds": "10000",
            "X-RateLimit-Daily-Remaining": "199",
            "X-RateLimit-Limit-Daily": "200000",
            "Content-Type": "application/json",
        }
    )
    assert snapshot == lc.RateLimitSnapshot(7, 100, 10000, 199, 200000)
    assert read_rate_limit({"Content-Type": "x"}) is None


def test_retry_after_seconds_date_then_interval() -> None:
    assert retry_after({"Retry-After": "3"}) == 3.0
    dated = retry_after({"retry-after": "Thu, 01 Jan 1970 00:00:10 GMT"}, now=4.0)
    assert dated == pytest.approx(6.0)
    assert retry_after({"X-RateLimit-Interval-Milliseconds": "1500"}) == 1.5
    assert retry_after({}) is None
    error = error_from_response(429, {"Retry-After": "2"}, b"")
    assert isinstance(error, lc.RateLimitError)
    assert error.retry_after == 2.0


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "inf"}, 86_400.0),
        ({"Retry-After": "1e400"}, 86_400.0),
        ({"Retry-After": "nan"}, 0.0),
        ({"Retry-After": "-inf"}, 0.0),
        ({"Retry-After": "Fri, 01 Jan 9999 00:00:00 GMT"}, 86_400.0),
        ({"X-RateLimit-Interval-Milliseconds": "9" * 400}, 60.0),
        ({"X-RateLimit-Interval-Milliseconds": "1e300"}, 60.0),
    ],
)
def test_retry_after_is_finite_and_a_day_at_most(headers: dict[str, str], seconds: float) -> None:
    assert retry_after(headers, now=0.0) == seconds


@pytest.mark.parametrize(
    ("interval_ms", "period", "seconds"),
    [
        ("86400000000", 10.0, 60.0),  # a day is no plausible window: six of ours at most
        ("9" * 400, 10.0, 60.0),
        ("3000", 10.0, 10.0),  # the limiter keeps its own window, so the wait is that
        ("25000", 10.0, 25.0),
        ("200", 0.2, 0.2),
        ("86400000000", None, 60.0),  # no limiter: six published windows at most
        ("3000", None, 3.0),
    ],
)
def test_an_interval_standing_in_for_retry_after_is_the_window_the_limiter_keeps(
    interval_ms: str, period: float | None, seconds: float
) -> None:
    headers = {"X-RateLimit-Interval-Milliseconds": interval_ms}
    error = error_from_response(429, headers, b"", period=period)
    assert isinstance(error, lc.RateLimitError)
    assert error.retry_after == pytest.approx(seconds)


def test_rate_limit_headers_from_aiohttps_case_insensitive_mapping() -> None:
    from multidict import CIMultiDict, CIMultiDictProxy

    headers = CIMultiDictProxy(
        CIMultiDict(
            {
                "x-ratelimit-remaining": "7",
                "X-RATELIMIT-MAX": "100.0",
                "X-RateLimit-Interval-Milliseconds": "inf",
                "Content-Type": "application/json",
            }
        )
    )
    assert read_rate_limit(headers) == lc.RateLimitSnapshot(remaining=7, max=100)
    assert read_rate_limit(CIMultiDict({"X-RateLimit-Max": "nan"})) == lc.RateLimitSnapshot()
    assert read_rate_limit(CIMultiDict({"Content-Type": "x"})) is None


def test_contact_declares_its_fields_in_the_order_the_api_and_the_fake_write_them() -> None:
    # msgspec looks for a body's next key right after the field it matched last: a body in the
    # declared order decodes without searching the struct's 55 fields (benchmarks.decode).
    order = [field.encode_name for field in msgspec.structs.fields(lc.Contact)]
    fields: dict[str, Any] = {
        "companyName": "Co",
        "email": "a@x.com",
        "firstName": "A",
        "lastName": "B",
    }
    fields |= {"phone": "+15551234567", "tags": ["t"], "city": "Nice", "dnd": False}
    written = list(ContactStore().create("loc", fields))
    assert set(written) <= set(order)
    assert written == sorted(written, key=order.index)


@pytest.mark.parametrize("value", ["abc123DEF", "a-b_c~d", "x.y", "é", "a b", "a/b"])
def test_segment_passes_plain_ids_and_quotes_the_rest(value: str) -> None:
    assert segment(value, "contact_id") == quote(value, safe="")
