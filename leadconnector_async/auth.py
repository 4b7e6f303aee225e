"""Where access tokens come from.

A :class:`TokenSource` hands the client a token for each request and is told when the server
rejected one, so it can decide whether a fresh token is worth a retry.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar, runtime_checkable

from ._oauth_protocol import (
    checked_user_type,
    refresh_form,
    refresh_time,
    refusal,
    required,
    token_call,
)
from ._protocol import Call
from ._renewal import RenewingToken
from .errors import APIError, AuthenticationError, ConfigurationError
from .models.oauth import TokenResponse

__all__ = [
    "ClientBound",
    "NoToken",
    "OAuthToken",
    "OnRefresh",
    "Sender",
    "StaticToken",
    "TokenSource",
    "redact",
]

T = TypeVar("T")

logger = logging.getLogger("leadconnector_async")


@runtime_checkable
class TokenSource(Protocol):
    """Supplies bearer tokens to the client."""

    async def get_token(self) -> str:
        """Return a token that is valid now (refreshing it first if needed)."""
        ...

    async def token_rejected(self, token: str) -> bool:
        """The server answered 401 (not a scope error) to ``token``.

        Returns:
            True if a different token is now available and the request is worth one retry.
        """
        ...


ANONYMOUS_KEY = "token:"


def token_bucket(secret: str) -> str:
    """The rate-limit key of a token whose location is not known yet.

    A digest, so processes sharing a Redis limiter agree on it without the token leaving them.
    """
    return ANONYMOUS_KEY + hashlib.sha256(secret.encode()).hexdigest()[:16]


class StaticToken:
    """A token that never changes: a Private Integration Token or a fixed access token.

    A Private Integration Token belongs to one location and the server counts its requests
    there; until a call names that location, its requests share one bucket of their own
    (:attr:`limit_key`).
    """

    __slots__ = ("_token", "limit_key")

    def __init__(self, token: str) -> None:
        if not isinstance(token, str) or not token.strip():
            raise ConfigurationError("token must be a non-empty string")
        self._token = token
        self.limit_key = token_bucket(token)

    async def get_token(self) -> str:
        return self._token

    async def token_rejected(self, token: str) -> bool:
        return False

    def __repr__(self) -> str:
        return f"StaticToken({redact(self._token)})"


def redact(secret: str | None) -> str:
    """Show that a secret is set without showing it."""
    if not secret:
        return "<unset>"
    return f"<redacted {len(secret)} chars>"


class Sender(Protocol):
    """What a token source sends its own requests through: the client using it."""

    async def send(self, call: Call[T]) -> T:
        """Send ``call`` through the client's pool and return its result."""
        ...


@runtime_checkable
class ClientBound(Protocol):
    """A token source that makes requests of its own (an OAuth refresh).

    The client calls :meth:`bind` with itself when it is given the source, so those requests
    share its connection pool.
    """

    def bind(self, client: Sender) -> None:
        """Send this source's own requests through ``client`` from now on."""
        ...


class NoToken:
    """The token of a client that only pools connections for others (``LeadConnector(None)``).

    A backend serving many locations keeps one such client and derives one per location with
    ``client.for_location(location_id, token=...)``.
    """

    __slots__ = ()

    async def get_token(self) -> str:
        raise ConfigurationError(
            "this client has no token of its own: derive one per location with "
            "client.for_location(location_id, token=...)"
        )

    async def token_rejected(self, token: str) -> bool:
        return False

    def __repr__(self) -> str:
        return "NoToken()"


OnRefresh = Callable[["OAuthToken"], Awaitable[None]]


class OAuthToken(RenewingToken):
    """An OAuth 2.0 access token that refreshes itself, once for every request that needs it.

    It refreshes (``POST /oauth/token``) shortly before ``expires_at``, and when the server
    rejects it as expired, through the connection pool of the client it is given to. However
    many requests need a new token at once, one refresh is sent. Refresh tokens are single-use,
    so the new pair is handed to ``on_refresh`` and saved *before* the new access token is used.

    Args:
        access_token: The current access token.
        refresh_token: The refresh token issued with it.
        expires_at: When the access token expires, in unix seconds; ``None`` if unknown (then
            it is refreshed only when the server rejects it).
        client_id: The app's client id.
        client_secret: The app's client secret.
        on_refresh: ``async def save(new: OAuthToken)`` that stores ``new.access_token``,
            ``new.refresh_token`` and ``new.expires_at`` atomically. ``None`` keeps the new pair
            in memory only: the grant is then lost when the process exits.
        user_type: ``"Location"`` or ``"Company"``, as the grant was issued; sent with refreshes.
        location_id: The location the grant is for (Location tokens).
        company_id: The company the grant belongs to.
        refresh_skew: Seconds before ``expires_at`` to refresh.
        clock: Unix-seconds clock (for tests).

    Raises:
        ConfigurationError: An empty token or credential, an unknown ``user_type``, or an
            ``expires_at`` that is not unix seconds.
    """

    def __init__(
        self,
        *,
        access_token: str,
        refresh_token: str,
        expires_at: float | None,
        client_id: str,
        client_secret: str,
        on_refresh: OnRefresh | None,
        user_type: str = "Location",
        location_id: str | None = None,
        company_id: str | None = None,
        refresh_skew: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(refresh_skew=refresh_skew, clock=clock)
        self._access = required(access_token, "access_token")
        self._refresh = required(refresh_token, "refresh_token")
        self._client_id = required(client_id, "client_id")
        self._client_secret = required(client_secret, "client_secret")
        if on_refresh is not None and not callable(on_refresh):
            raise ConfigurationError("on_refresh must be an async callable or None")
        self._on_refresh = on_refresh
        self._user_type = checked_user_type(user_type)
        self._expires_at = _checked_expiry(expires_at)
        self._renew_at = refresh_time(self._expires_at, self._skew)
        self._location_id = location_id
        self._company_id = company_id
        self._sender: Sender | None = None
        self._unsaved: OAuthToken | None = None
        self._refused: AuthenticationError | None = None

    @classmethod
    def from_response(
        cls,
        response: TokenResponse,
        *,
        client_id: str,
        client_secret: str,
        on_refresh: OnRefresh | None,
        user_type: str = "Location",
        location_id: str | None = None,
        company_id: str | None = None,
        refresh_skew: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> OAuthToken:
        """Build a token from a decoded ``/oauth/token`` answer.

        Fields the answer leaves out (``userType``, ``locationId``, ``companyId``) default to
        the arguments of the same name.
        """
        lifetime = response.expires_in
        token = cls(
            access_token=response.access_token,
            refresh_token=response.refresh_token,
            expires_at=None if lifetime is None else clock() + lifetime,
            client_id=client_id,
            client_secret=client_secret,
            on_refresh=on_refresh,
            user_type=response.user_type or user_type,
            location_id=response.location_id or location_id,
            company_id=response.company_id or company_id,
            refresh_skew=refresh_skew,
            clock=clock,
        )
        token._renew_at = refresh_time(token._expires_at, token._skew, lifetime)
        return token

    @property
    def access_token(self) -> str:
        """The current access token (changes when the token refreshes)."""
        return self._access

    @property
    def refresh_token(self) -> str:
        """The current, not yet used, refresh token."""
        return self._refresh

    @property
    def expires_at(self) -> float | None:
        """When the current access token expires, in unix seconds."""
        return self._expires_at

    @property
    def client_id(self) -> str:
        """The app's client id."""
        return self._client_id

    @property
    def user_type(self) -> str:
        """``"Location"`` or ``"Company"``."""
        return self._user_type

    @property
    def location_id(self) -> str | None:
        """The location the grant is for, when known."""
        return self._location_id

    @property
    def company_id(self) -> str | None:
        """The company the grant belongs to, when known."""
        return self._company_id

    def bind(self, client: Sender) -> None:
        """Send refreshes through ``client``; the client calls this when given the token."""
        self._sender = client

    def _stale(self) -> bool:
        return self._unsaved is not None or self._refused is not None or super()._stale()

    async def _renew(self) -> None:
        if self._refused is not None:
            raise AuthenticationError(
                f"{self._refused.message} (refused earlier; nothing was sent)",
                status_code=self._refused.status_code,
                trace_id=self._refused.trace_id,
            )
        successor = self._unsaved or await self._refreshed()
        self._unsaved = successor
        await self._save(successor)
        self._unsaved = None
        self._adopt(successor)

    async def _refreshed(self) -> OAuthToken:
        if self._sender is None:
            raise ConfigurationError(
                "this OAuthToken is not used by any client yet: pass it to "
                "LeadConnector(token) or client.for_location(location_id, token=token)"
            )
        form = refresh_form(self._client_id, self._client_secret, self._refresh, self._user_type)
        try:
            response = await self._sender.send(token_call(form))
        except APIError as error:
            refused = refusal(
                error,
                "refresh token rejected",
                "the grant cannot be refreshed any more: authorize the app again "
                "(or check client_id and client_secret)",
            )
            if refused is None:
                raise
            self._refused = refused
            raise refused from None
        logger.info("refreshed the OAuth access token of %s", self._grant_name())
        return OAuthToken.from_response(
            response,
            client_id=self._client_id,
            client_secret=self._client_secret,
            on_refresh=self._on_refresh,
            user_type=self._user_type,
            location_id=self._location_id,
            company_id=self._company_id,
            refresh_skew=self._skew,
            clock=self._clock,
        )

    async def _save(self, successor: OAuthToken) -> None:
        if self._on_refresh is None:
            return
        try:
            await self._on_refresh(successor)
        except Exception as exc:
            raise AuthenticationError(
                f"on_refresh could not save the refreshed token pair of {self._grant_name()} "
                f"({type(exc).__name__}); the old refresh token is used up, so the grant is "
                "lost unless the new pair is saved: it is kept in memory and saving is retried "
                "on the next request"
            ) from exc

    def _adopt(self, successor: OAuthToken) -> None:
        self._access, self._refresh = successor._access, successor._refresh
        self._expires_at, self._renew_at = successor._expires_at, successor._renew_at
        self._user_type = successor._user_type
        self._location_id, self._company_id = successor._location_id, successor._company_id

    @property
    def limit_key(self) -> str:
        """What the server counts this grant's requests against: its company or location."""
        if self._user_type == "Company" and self._company_id:
            return self._company_id
        return self._location_id or f"{ANONYMOUS_KEY}oauth-{id(self):x}"

    def _grant_name(self) -> str:
        if self._location_id:
            return f"location {self._location_id!r}"
        if self._company_id:
            return f"company {self._company_id!r}"
        return f"a {self._user_type} grant"

    def __repr__(self) -> str:
        return (
            f"OAuthToken(user_type={self._user_type!r}, location_id={self._location_id!r}, "
            f"company_id={self._company_id!r}, client_id={self._client_id!r}, "
            f"access_token={redact(self._access)}, refresh_token={redact(self._refresh)}, "
            f"client_secret={redact(self._client_secret)}, expires_at={self._expires_at!r})"
        )


def _checked_expiry(expires_at: float | None) -> float | None:
    if expires_at is None:
        return None
    if isinstance(expires_at, bool) or not isinstance(expires_at, (int, float)):
        raise ConfigurationError("expires_at must be unix seconds (a number) or None")
    if expires_at > 1e11:
        raise ConfigurationError("expires_at looks like milliseconds: pass unix seconds")
    return float(expires_at)
