"""The fake's OAuth 2.0 state: apps, authorization codes, single-use rotating refresh tokens.

Reach it with ``FakeOAuth.of(fake)``. Access tokens it issues are registered in ``fake.tokens``
with an expiry in ``fake.wall_clock`` seconds, so they work on every other route until then.
A used refresh token gets its first answer again for ``refresh_reuse_window`` seconds (30, as
HighLevel answers concurrent refresh calls; reference brief section 6), then it is refused.
Odd but real answers (no lifetime left, no refresh token, refresh tokens that do not rotate)
are options of :class:`FakeOAuth`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from . import _responses as respond
from ._server import FakeLeadConnector, TokenInfo

DEFAULT_CLIENT_ID = "test-client-id"
DEFAULT_CLIENT_SECRET = "test-client-secret"
DEFAULT_COMPANY = "test-company"
DEFAULT_USER = "test-user"
# What an agency (Company) access token may do itself; location calls need a location token,
# as the real API answers a Company token on a location route with a scope 401.
AGENCY_SCOPES = frozenset({"oauth.readonly", "oauth.write"})
_KEY = "oauth"

TokenAnswerKind = Literal["authorization_code", "refresh_token", "location_token"]
"""Which token answer: a code exchange, a refresh (both ``/oauth/token``), or a location token
minted from an agency token (``/oauth/locationToken``)."""


@dataclass(frozen=True)
class Grant:
    """One installation of an app: for which location or company, with which scopes.

    Attributes:
        scopes: Scopes of its location tokens (``None``: all).
        approved_locations: Locations an agency grant may mint tokens for (empty: any).
    """

    client_id: str
    user_type: str
    company_id: str
    location_id: str | None = None
    scopes: frozenset[str] | None = None
    approved_locations: tuple[str, ...] = ()
    redirect_uri: str | None = None

    def held_by(self, client_id: str, user_type: str | None) -> bool:
        """Whether a request from ``client_id`` for ``user_type`` may use this grant."""
        return self.client_id == client_id and self.user_type == user_type


@dataclass(frozen=True)
class UsedRefreshToken:
    """A refresh token already used: when, for which grant, and the answer it got."""

    grant: Grant
    used_at: float
    answer: dict[str, Any]


@dataclass
class OAuthStats:
    """What the OAuth endpoints saw.

    Attributes:
        code_exchanges: ``authorization_code`` requests, accepted or not.
        refreshes: ``refresh_token`` requests, accepted or not.
        repeated_refreshes: Refreshes answered again with the pair a used refresh token got.
        refused: Token requests answered with an OAuth error (``invalid_grant`` ...).
        location_tokens: Location tokens minted from agency tokens.
    """

    code_exchanges: int = 0
    refreshes: int = 0
    repeated_refreshes: int = 0
    refused: int = 0
    location_tokens: int = 0


@dataclass(frozen=True)
class TokenRequest:
    """One ``POST /oauth/token`` as the fake received it, for tests to assert on."""

    form: dict[str, str]
    content_type: str
    authorization: str | None
    version: str | None


@dataclass(repr=False)
class FakeOAuth:
    """The OAuth server of one :class:`FakeLeadConnector`.

    Attributes:
        apps: Registered apps, client id -> client secret (the default app is registered).
        access_token_ttl: ``expires_in`` of issued access tokens, in seconds.
        refresh_tokens: Refresh tokens that still work; using one removes it (unless
            ``rotate_refresh_tokens`` is ``False``).
        refresh_reuse_window: For how many ``fake.wall_clock`` seconds a used refresh token
            gets the same answer again (a lost answer can be asked for again).
        used_refresh_tokens: Refresh tokens used within that window, with their answers.
        edit_answer: Called with the kind and the body of each token answer as it is made
            (``redeem`` too), before it is sent; the body it returns is sent instead, e.g.
            ``{**answer, "expires_in": 0}``. A refresh repeated within
            ``refresh_reuse_window`` gets the edited body again. ``None``: sent as made.
        issue_refresh_tokens: ``False``: code and refresh answers carry no ``refresh_token``
            and no new refresh token is registered.
        rotate_refresh_tokens: ``False``: a used refresh token stays valid, as on a server that
            does not rotate them (RFC 6749 section 6), instead of being used up.
    """

    fake: FakeLeadConnector
    apps: dict[str, str] = field(default_factory=lambda: {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET})
    access_token_ttl: int = 86399
    codes: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    refresh_reuse_window: float = 30.0
    used_refresh_tokens: dict[str, UsedRefreshToken] = field(default_factory=dict)
    agency_grants: dict[str, Grant] = field(default_factory=dict)
    stats: OAuthStats = field(default_factory=OAuthStats)
    token_requests: list[TokenRequest] = field(default_factory=list)
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    edit_answer: Callable[[TokenAnswerKind, dict[str, Any]], dict[str, Any]] | None = None
    issue_refresh_tokens: bool = True
    rotate_refresh_tokens: bool = True

    @classmethod
    def of(cls, fake: FakeLeadConnector) -> FakeOAuth:
        """The OAuth state of ``fake`` (created on first use)."""
        state = fake.extensions.get(_KEY)
        if state is None:
            state = fake.extensions[_KEY] = cls(fake)
        assert isinstance(state, cls)
        return state

    def authorize(
        self,
        *,
        location_id: str | None = None,
        user_type: str = "Location",
        company_id: str = DEFAULT_COMPANY,
        scopes: frozenset[str] | None = None,
        approved_locations: tuple[str, ...] = (),
        redirect_uri: str | None = None,
    ) -> str:
        """Consent as an admin would on the authorization page, for the default app.

        Returns:
            The authorization code the redirect would carry (single-use).
        """
        if (user_type == "Location") != (location_id is not None):
            raise ValueError("a Location grant needs a location_id and a Company grant none")
        code = _secret("code")
        self.codes[code] = Grant(
            self.client_id,
            user_type,
            company_id,
            location_id,
            scopes,
            approved_locations,
            redirect_uri,
        )
        return code

    def redeem(self, code: str) -> dict[str, Any]:
        """Exchange ``code`` without HTTP: the token response the app's callback would get."""
        return self.issue(self.codes.pop(code))

    def take_code(self, code: str, client_id: str, redirect_uri: str | None) -> Grant | None:
        """The grant of a valid code (now used up), or ``None``."""
        grant = self.codes.get(code)
        if grant is None or grant.client_id != client_id:
            return None
        if grant.redirect_uri is not None and grant.redirect_uri != redirect_uri:
            return None
        return self.codes.pop(code)

    def take_refresh_token(
        self, refresh_token: str, client_id: str, user_type: str | None
    ) -> Grant | None:
        """The grant of a valid refresh token (now used up if tokens rotate), or ``None``."""
        grant = self.refresh_tokens.get(refresh_token)
        if grant is None or not grant.held_by(client_id, user_type):
            return None
        if self.rotate_refresh_tokens:
            del self.refresh_tokens[refresh_token]
        return grant

    def refresh(
        self, refresh_token: str, client_id: str, user_type: str | None
    ) -> dict[str, Any] | None:
        """The answer to a refresh, as ``/oauth/token`` gives it, or ``None`` to refuse it.

        A valid refresh token gets a new pair and is used up (unless ``rotate_refresh_tokens``
        is ``False``); the same refresh token sent again within ``refresh_reuse_window`` seconds
        gets that same answer.
        """
        now = self.fake.wall_clock()
        self._forget_used_refresh_tokens(now)
        grant = self.take_refresh_token(refresh_token, client_id, user_type)
        if grant is not None:
            answer = self.issue(grant, "refresh_token")
            self.used_refresh_tokens[refresh_token] = UsedRefreshToken(grant, now, dict(answer))
            return answer
        used = self.used_refresh_tokens.get(refresh_token)
        if used is None or not used.grant.held_by(client_id, user_type):
            return None
        self.stats.repeated_refreshes += 1
        return dict(used.answer)

    def issue(self, grant: Grant, kind: TokenAnswerKind = "authorization_code") -> dict[str, Any]:
        """A new access token (and refresh token, unless ``issue_refresh_tokens`` is
        ``False``) for ``grant``, as ``/oauth/token`` answers.

        Args:
            grant: The grant the tokens are for.
            kind: For ``edit_answer``: a code exchange's answer or a refresh's.
        """
        company = grant.user_type == "Company"
        scopes = grant.scopes
        if company:
            scopes = AGENCY_SCOPES if scopes is None else scopes & AGENCY_SCOPES
        access = self._register(grant.location_id, scopes)
        body = self._token_body(access, grant)
        if self.issue_refresh_tokens:
            body["refresh_token"] = refresh = _secret("rt")
            self.refresh_tokens[refresh] = grant
        body.update(userType=grant.user_type, companyId=grant.company_id)
        if company:
            self.agency_grants[access] = grant
            body["approvedLocations"] = list(grant.approved_locations)
        else:
            body["locationId"] = grant.location_id
        return self._edited(kind, body)

    def mint(self, grant: Grant, location_id: str) -> dict[str, Any]:
        """A location access token from an agency grant, as ``/oauth/locationToken`` answers."""
        self.stats.location_tokens += 1
        access = self._register(location_id, grant.scopes)
        body = self._token_body(access, grant)
        body["locationId"] = location_id
        return self._edited("location_token", body)

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expire now, as if a day had passed."""
        now = self.fake.wall_clock()
        for info in self.fake.tokens.values():
            if info.expires_at is not None:
                info.expires_at = min(info.expires_at, now)

    def _edited(self, kind: TokenAnswerKind, body: dict[str, Any]) -> dict[str, Any]:
        return body if self.edit_answer is None else self.edit_answer(kind, body)

    def _forget_used_refresh_tokens(self, now: float) -> None:
        expired = [
            token
            for token, used in self.used_refresh_tokens.items()
            if now - used.used_at >= self.refresh_reuse_window
        ]
        for token in expired:
            del self.used_refresh_tokens[token]

    def _register(self, location_id: str | None, scopes: frozenset[str] | None) -> str:
        access = _secret("at")
        expires_at = self.fake.wall_clock() + self.access_token_ttl
        self.fake.tokens[access] = TokenInfo(location_id, scopes, expires_at)
        return access

    def _token_body(self, access: str, grant: Grant) -> dict[str, Any]:
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_token_ttl,
            "scope": " ".join(sorted(grant.scopes or ())),
            "userId": DEFAULT_USER,
            "traceId": respond.trace_id(),
        }


def _secret(prefix: str) -> str:
    return f"{prefix}-{secrets.token_urlsafe(24)}"
