"""The OAuth endpoints' rules as pure functions: the calls, their forms, their refusals.

Token responses hold secrets, so a malformed one is reported without the usual body excerpt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from ._config import CONTACTS_API_VERSION
from ._lenient import lenient_decoder
from ._protocol import Call
from ._text_repair import NOT_DECODED
from .errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    RateLimitError,
    ScopeError,
    TransportError,
)
from .models.oauth import LocationTokenResponse, TokenResponse

R = TypeVar("R", bound=LocationTokenResponse)

TOKEN_PATH = "/oauth/token"
LOCATION_TOKEN_PATH = "/oauth/locationToken"
USER_TYPES = ("Location", "Company")

logger = logging.getLogger("leadconnector_async")


def _secret_safe(response_type: type[R]) -> Callable[[bytes], R]:
    # Lenient: one odd field (a number sent as a string, a list for the scope) must not cost
    # the answer, since a refresh answer holds the only copy of the new refresh token.
    decode = lenient_decoder(response_type)

    def decode_token_response(body: bytes) -> R:
        try:
            return decode(body)
        except NOT_DECODED as exc:
            problem = str(exc)
        except RecursionError:  # (else parse_response would report it, quoting the body)
            problem = "JSON nested deeper than the decoder allows"
        # Raised outside the ``except`` blocks: the decoder's exception is not kept as context.
        raise TransportError(
            f"malformed answer from the OAuth endpoint: {problem} (body not shown: it may hold "
            "tokens); if it was a refresh, the old refresh token may already be used",
            outcome_unknown=True,
        )

    return decode_token_response


_TOKEN = _secret_safe(TokenResponse)
_LOCATION_TOKEN = _secret_safe(LocationTokenResponse)


def token_call(form: dict[str, str]) -> Call[TokenResponse]:
    """``POST /oauth/token``: form-encoded, no bearer token, no ``Version`` header.

    Not repeated when its outcome is unknown: a refresh token is single-use.
    """
    return Call(
        "POST", TOKEN_PATH, _TOKEN, form=form, version=None, idempotent=False, authenticated=False
    )


def refresh_form(
    client_id: str, client_secret: str, refresh_token: str, user_type: str
) -> dict[str, str]:
    """The refresh request; ``user_type`` must be the one the grant was issued with."""
    return {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": client_secret,
        "refresh_token": refresh_token,
        "user_type": user_type,
    }


def code_form(
    client_id: str, client_secret: str, code: str, user_type: str, redirect_uri: str | None
) -> dict[str, str]:
    """The authorization-code exchange."""
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "user_type": user_type,
    }
    if redirect_uri is not None:
        form["redirect_uri"] = redirect_uri
    return form


def location_token_call(company_id: str, location_id: str) -> Call[LocationTokenResponse]:
    """``POST /oauth/locationToken`` with the agency token; counts against the company."""
    return Call(
        "POST",
        LOCATION_TOKEN_PATH,
        _LOCATION_TOKEN,
        form={"companyId": company_id, "locationId": location_id},
        version=CONTACTS_API_VERSION,
        location_id=company_id,
    )


# How the OAuth endpoints refuse a request (apps/oauth.json: 400, 401 and 422, with the common
# error bodies; RFC 6749 §5.2: 400 or 401 with invalid_grant, invalid_client, ...). Any other
# status below 500 (a redirect, a gateway's 404 or 408) says nothing about the grant.
_REFUSALS = frozenset({400, 401, 422})


def refused_for_good(error: APIError) -> bool:
    """Whether ``error`` is an OAuth endpoint refusing the request itself: sending the same
    grant again can only be refused again."""
    return error.status_code in _REFUSALS


def refusal(
    error: APIError, what: str, advice: str, *, failed: str, again: str
) -> AuthenticationError | None:
    """The error to raise when an OAuth endpoint did not grant a token.

    A refusal (:func:`refused_for_good`) reads ``"{what}: {the server's message}; {advice}"``.
    Any other answer below 500 but 429 (a redirect, a gateway's 404 or 408) is an
    :class:`AuthenticationError` for this request only: ``"{failed}: ...; {again}"``.

    Returns ``None`` for answers worth retrying (429, 5xx): the caller re-raises those.
    """
    status = error.status_code
    if isinstance(error, RateLimitError) or status is None or status >= 500:
        return None
    if not refused_for_good(error):
        message = f"{failed}: {error.message}; {again}"
        return AuthenticationError(message, status_code=status, trace_id=error.trace_id)
    cls = ScopeError if isinstance(error, ScopeError) else AuthenticationError
    message = f"{what}: {error.message}; {advice}"
    return cls(message, status_code=status, trace_id=error.trace_id)


def checked_user_type(user_type: str) -> str:
    """``user_type`` if the token endpoint knows it."""
    if user_type not in USER_TYPES:
        raise ConfigurationError(f"user_type must be 'Location' or 'Company', got {user_type!r}")
    return user_type


def required(value: str, name: str) -> str:
    """``value`` if it is a non-empty string; the message never shows it (it may be secret)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{name} must be a non-empty string")
    return value


def usable_lifetime(expires_in: float | None) -> float | None:
    """The ``expires_in`` of a token answer, or ``None`` (expiry unknown) when it is not a
    positive number of seconds.

    A token just issued is taken to work: with no lifetime left it would be renewed before
    every request (each refresh spending a single-use refresh token), so it is used until the
    server rejects it instead, then renewed once, as a token of unknown expiry is.
    """
    if expires_in is None or expires_in > 0:  # NaN (a lenient "nan") is not
        return expires_in
    logger.warning(
        "token answer with expires_in=%r (no lifetime left); using the token until the "
        "server rejects it, then renewing it",
        expires_in,
    )
    return None


def refresh_time(expires_at: float | None, skew: float, lifetime: float | None = None) -> float:
    """When to renew a token that expires at ``expires_at`` (``inf``: only when rejected).

    A token that lives shorter than twice the skew is renewed half-way through its life, so a
    short-lived token is not renewed on every request.
    """
    if expires_at is None:
        return float("inf")
    if lifetime is not None:
        skew = min(skew, max(lifetime, 0.0) / 2)
    return expires_at - skew
