"""OAuth 2.0 access tokens that refresh themselves: single-flight, saved before use."""

from __future__ import annotations

import contextvars
import inspect
import logging
import time
from collections.abc import Awaitable, Callable

from ._config import check_number
from ._oauth_protocol import (
    USER_TYPES,
    checked_user_type,
    refresh_form,
    refresh_time,
    refusal,
    refused_for_good,
    required,
    token_call,
    usable_lifetime,
)
from ._renewal import RenewingToken
from ._token_basics import ANONYMOUS_KEY, REQUESTER, Sender, redact
from .errors import APIError, AuthenticationError, ConfigurationError
from .models.oauth import TokenResponse

logger = logging.getLogger("leadconnector_async")

OnRefresh = Callable[["OAuthToken"], Awaitable[None] | None]

# The token whose new pair on_refresh is saving, and that pair: calls on_refresh makes use it.
_SAVING: contextvars.ContextVar[tuple[OAuthToken, OAuthToken] | None] = contextvars.ContextVar(
    "leadconnector_saving_token", default=None
)


class OAuthToken(RenewingToken):
    """An OAuth 2.0 access token that refreshes itself, once for every request that needs it.

    It refreshes (``POST /oauth/token``) shortly before ``expires_at``, and when the server
    rejects it as expired, through the client whose call needs the new token. However
    many requests need a new token at once, one refresh is sent. Refresh tokens are single-use,
    so the new pair is handed to ``on_refresh`` and saved *before* the new access token is used.

    Args:
        access_token: The current access token.
        refresh_token: The refresh token issued with it; ``""`` if none was (the token then
            works until it expires, and raises :class:`AuthenticationError` after that).
        expires_at: When the access token expires, in unix seconds; ``None`` if unknown (then
            it is refreshed only when the server rejects it).
        client_id: The app's client id.
        client_secret: The app's client secret.
        on_refresh: ``save(new: OAuthToken)``, a plain or ``async`` function, that stores
            ``new.access_token``, ``new.refresh_token`` and ``new.expires_at`` atomically. It
            gets every new pair as the server sent it, before anything else is checked, and
            may call the API itself (for any location, this token's included: those calls use
            the new access token). ``None`` keeps the new pair in memory only: the grant is
            then lost when the process exits.
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
        if on_refresh is not None and not callable(on_refresh):
            raise ConfigurationError("on_refresh must be a function (async or not) or None")
        self._set(
            required(access_token, "access_token"),
            # "": none was issued (a code exchange may give none): kept until it expires.
            refresh_token if refresh_token == "" else required(refresh_token, "refresh_token"),
            _checked_expiry(expires_at),
            required(client_id, "client_id"),
            required(client_secret, "client_secret"),
            on_refresh,
            checked_user_type(user_type),
            location_id,
            company_id,
            refresh_skew,
            clock,
        )

    def _set(
        self,
        access: str,
        refresh: str,
        expires_at: float | None,
        client_id: str,
        client_secret: str,
        on_refresh: OnRefresh | None,
        user_type: str,
        location_id: str | None,
        company_id: str | None,
        refresh_skew: float,
        clock: Callable[[], float],
        lifetime: float | None = None,
    ) -> None:
        super().__init__(refresh_skew=refresh_skew, clock=clock)
        self._access, self._refresh, self._expires_at = access, refresh, expires_at
        self._client_id, self._client_secret = client_id, client_secret
        self._on_refresh = on_refresh
        self._user_type, self._location_id, self._company_id = user_type, location_id, company_id
        self._renew_at = refresh_time(expires_at, self._skew, lifetime)
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
        """Build a token from a decoded ``/oauth/token`` answer, as it came: nothing in it can
        fail validation here, so a refreshed pair always reaches ``on_refresh``.

        Fields the answer leaves out (``userType``, ``locationId``, ``companyId``) default to
        the arguments of the same name; a ``userType`` other than ``"Location"`` or
        ``"Company"`` is logged and the argument kept (it is what the next refresh must send).
        An ``expires_in`` of 0 or less is logged and read as unknown (``expires_at`` is
        ``None``): the token is used until the server rejects it. An answer without an access
        token gives ``access_token == ""``: the token is refreshed before its first use. An
        answer without a refresh token gives ``refresh_token == ""``: a refresh keeps the old
        one, and a token from a code exchange works until it expires, then raises
        :class:`AuthenticationError` without sending a refresh.
        """
        found = response.user_type
        if found is not None and found not in USER_TYPES:
            logger.warning("token answer with unexpected userType %r; keeping %r", found, user_type)
            found = None
        lifetime = usable_lifetime(response.expires_in)
        token = cls.__new__(cls)
        token._set(
            response.access_token,
            response.refresh_token,
            None if lifetime is None else clock() + lifetime,
            client_id,
            client_secret,
            on_refresh,
            found or user_type,
            response.location_id or location_id,
            response.company_id or company_id,
            refresh_skew,
            clock,
            lifetime,
        )
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
        """Send refreshes asked for outside any client's call (``await token.get_token()``)
        through ``client``; the client calls this when given the token."""
        self._sender = client

    def _stale(self) -> bool:
        return self._unsaved is not None or self._refused is not None or super()._stale()

    async def get_token(self) -> str:
        """The current access token, refreshed first if it is about to expire.

        Inside ``on_refresh`` (and tasks it starts), while it saves the new pair, this is the
        new access token being saved, so ``on_refresh`` may call the API without waiting for
        its own refresh to finish.

        Raises:
            AuthenticationError: The refresh was refused or failed (``status_code`` says
                how), or its result could not be saved.
        """
        saving = _SAVING.get()
        # Only while that save runs: a task on_refresh started may outlive it.
        if saving is not None and saving[0] is self and saving[1] is self._unsaved:
            return saving[1]._access
        return await super().get_token()

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
        if not successor._access:
            self._refresh = successor._refresh or self._refresh
            raise AuthenticationError(
                f"the refresh answer for {self._grant_name()} held no access token (the pair "
                "was handed to on_refresh); the next request refreshes again"
            )
        self._adopt(successor)

    async def _refreshed(self) -> OAuthToken:
        if not self._refresh:
            raise AuthenticationError(
                f"the access token of {self._grant_name()} expired or was rejected, and the "
                "grant has no refresh token (the server issued none): authorize the app "
                "again; no refresh was sent"
            )
        sender = REQUESTER.get() or self._sender
        if sender is None:
            raise ConfigurationError(
                "this OAuthToken is not used by any client yet: pass it to "
                "LeadConnector(token) or client.for_location(location_id, token=token)"
            )
        form = refresh_form(self._client_id, self._client_secret, self._refresh, self._user_type)
        try:
            response = await sender.send(token_call(form))
        except APIError as error:
            refused = refusal(
                error,
                "refresh token rejected",
                "the grant cannot be refreshed any more: authorize the app again "
                "(or check client_id and client_secret)",
                failed="the OAuth endpoint did not refresh the access token",
                again="the answer does not refuse the grant: the next request refreshes again",
            )
            if refused is None:
                raise
            if refused_for_good(error):  # remembered: the same refresh token is refused again
                self._refused = refused
            raise refused from None
        logger.info("refreshed the OAuth access token of %s", self._grant_name())
        if not response.refresh_token:  # not rotated: the old one stays valid (RFC 6749 §6)
            response.refresh_token = self._refresh
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
        marker = _SAVING.set((self, successor))
        try:
            saved = self._on_refresh(successor)
            if inspect.isawaitable(saved):
                await saved
            return
        except Exception as exc:
            failed = type(exc).__name__
        finally:
            _SAVING.reset(marker)
        # Raised outside the ``except`` so the user's exception is neither cause nor context:
        # its text may quote the new pair (a database error echoing the row, say).
        raise AuthenticationError(
            f"on_refresh could not save the refreshed token pair of {self._grant_name()} "
            f"({failed}); the old refresh token is used up, so the grant is lost unless the "
            "new pair is saved: it is kept in memory and saving is retried on the next request"
        )

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
    check_number("expires_at (unix seconds, or None)", expires_at, 0)
    if expires_at > 1e11:
        raise ConfigurationError("expires_at looks like milliseconds: pass unix seconds")
    return float(expires_at)
