"""The authorization URL and the OAuth request shapes, as pure functions."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

import leadconnector_async as lc
from leadconnector_async._config import ClientConfig
from leadconnector_async._oauth_protocol import (
    code_form,
    location_token_call,
    refresh_form,
    refresh_time,
    refusal,
    refused_for_good,
    token_call,
)
from leadconnector_async._protocol import Response, build_request, parse_response

REDIRECT = "https://app.example.com/oauth/callback?x=1"


def _url(**kw: object) -> str:
    args: dict[str, object] = {
        "client_id": "app-1",
        "redirect_uri": REDIRECT,
        "scopes": ["contacts.readonly", "contacts.write"],
    }
    return lc.authorization_url(**{**args, **kw})  # type: ignore[arg-type]


def test_the_authorization_url_follows_the_documented_template() -> None:
    url = _url()
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "marketplace.gohighlevel.com")
    assert parts.path == "/v2/oauth/chooselocation"
    assert parse_qsl(parts.query) == [
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("client_id", "app-1"),
        ("scope", "contacts.readonly contacts.write"),
    ]
    assert "scope=contacts.readonly%20contacts.write" in url
    assert "redirect_uri=https%3A%2F%2Fapp.example.com%2Foauth%2Fcallback%3Fx%3D1" in url


def test_white_label_host_and_same_tab_login() -> None:
    url = _url(white_label=True, login_in_same_tab=True)
    assert urlsplit(url).netloc == "marketplace.leadconnectorhq.com"
    assert url.endswith("&loginWindowOpenMode=self")
    assert "loginWindowOpenMode" not in _url()


def test_scopes_may_be_one_space_separated_string_and_repeats_are_dropped() -> None:
    assert _url(scopes="contacts.readonly  contacts.write contacts.readonly") == _url()


@pytest.mark.parametrize(
    "bad",
    [
        {"scopes": []},
        {"scopes": [""]},
        {"scopes": ["a b"]},
        {"client_id": ""},
        {"redirect_uri": "app.example.com/cb"},
        {"redirect_uri": "ftp://x/cb"},
    ],
)
def test_bad_arguments_are_refused_before_any_url_is_built(bad: dict[str, object]) -> None:
    with pytest.raises(lc.ConfigurationError):
        _url(**bad)


def test_a_refresh_is_a_bare_form_post() -> None:
    form = refresh_form("id", "secret", "rt", "Company")
    request = build_request(token_call(form), ClientConfig(), None)
    assert request.method == "POST"
    assert request.url == "https://services.leadconnectorhq.com/oauth/token"
    assert request.token is None
    assert request.version is None
    assert request.content_type == "application/x-www-form-urlencoded"
    assert request.body == (
        b"grant_type=refresh_token&client_id=id&client_secret=secret&refresh_token=rt"
        b"&user_type=Company"
    )
    assert token_call(form).idempotent is False


def test_a_code_exchange_sends_the_redirect_uri_only_when_given() -> None:
    assert "redirect_uri" not in code_form("id", "s", "c", "Location", None)
    assert code_form("id", "s", "c", "Location", REDIRECT)["redirect_uri"] == REDIRECT


def test_a_location_token_request_is_versioned_and_counts_against_the_company() -> None:
    call = location_token_call("co-1", "loc-1")
    request = build_request(call, ClientConfig(), "agency")
    assert request.version == "2021-07-28"
    assert request.token == "agency"
    assert request.body == b"companyId=co-1&locationId=loc-1"
    assert call.location_id == "co-1"


def test_a_malformed_token_answer_never_shows_its_body() -> None:
    body = b'["secret-at", "secret-rt", 10]'  # not an object: nothing in it can be salvaged
    with pytest.raises(lc.TransportError, match="malformed answer") as caught:
        parse_response(token_call({}), Response(200, {}, body))
    assert "secret-at" not in str(caught.value)
    assert caught.value.outcome_unknown


def _refusal(error: lc.APIError, what: str = "refresh") -> lc.AuthenticationError | None:
    return refusal(error, what, "redo", failed="not refreshed", again="try again")


def test_refusals_are_authentication_errors_and_retryable_answers_are_not() -> None:
    refused = _refusal(lc.BadRequestError("invalid_grant", status_code=400))
    assert isinstance(refused, lc.AuthenticationError)
    assert str(refused) == "refresh: invalid_grant; redo | status=400"
    scope = _refusal(lc.ScopeError("no scope", status_code=401), "mint")
    assert isinstance(scope, lc.ScopeError)
    assert _refusal(lc.ServerError("down", status_code=503)) is None
    assert _refusal(lc.RateLimitError("slow")) is None


def test_only_a_400_401_or_422_refuses_for_good() -> None:
    for status in (400, 401, 422):
        assert refused_for_good(lc.APIError("no", status_code=status))
    for error in (
        lc.RedirectError("moved", location="/", status_code=302),
        lc.PermissionDeniedError("blocked", status_code=403),
        lc.NotFoundError("<html>", status_code=404),
        lc.APIError("<html>", status_code=408),
    ):
        assert not refused_for_good(error)
        failed = _refusal(error)
        assert type(failed) is lc.AuthenticationError  # never a contact's NotFoundError
        assert (
            str(failed) == f"not refreshed: {error.message}; try again | status={error.status_code}"
        )


def test_short_lived_tokens_renew_half_way_not_on_every_request() -> None:
    assert refresh_time(1000.0, 60.0) == 940.0
    assert refresh_time(1000.0, 60.0, lifetime=30.0) == 985.0
    assert refresh_time(None, 60.0) == float("inf")


def test_oauth_token_arguments_are_checked_and_never_echoed() -> None:
    good = {
        "access_token": "AT-VALUE",
        "refresh_token": "RT-VALUE",
        "expires_at": 1.7e9,
        "client_id": "id",
        "client_secret": "CS-VALUE",
        "on_refresh": None,
    }
    for change in (
        {"access_token": ""},
        {"client_secret": " "},
        {"user_type": "Agency"},
        {"expires_at": 1.7e12},
        {"expires_at": "soon"},
        {"refresh_skew": -1},
        {"on_refresh": "save"},
    ):
        with pytest.raises(lc.ConfigurationError) as caught:
            lc.OAuthToken(**{**good, **change})  # type: ignore[arg-type]
        assert "-VALUE" not in str(caught.value)
    token = lc.OAuthToken(**good)  # type: ignore[arg-type]
    assert "-VALUE" not in repr(token)
    assert repr(token).count("<redacted>") == 3
