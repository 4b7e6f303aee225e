"""The rest of the OAuth 2.0 flow: the authorization URL, the code exchange, agency tokens.

A Marketplace app holds one grant per installed location, or one agency grant from which
location tokens are minted. One client pools the connections for all of them::

    pool = lc.LeadConnector(None)
    token = await lc.exchange_code(pool, code, client_id=..., client_secret=..., on_refresh=save)
    client = pool.for_location(token.location_id, token=token)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode, urlsplit

from ._oauth_protocol import (
    checked_user_type,
    code_form,
    location_token_call,
    refresh_time,
    refusal,
    required,
    token_call,
    usable_lifetime,
)
from ._renewal import RenewingToken
from .auth import OAuthToken, OnRefresh, TokenSource, redact
from .errors import APIError, AuthenticationError, ConfigurationError
from .models.oauth import LocationTokenResponse

if TYPE_CHECKING:
    from .client import LeadConnector

__all__ = ["AgencyTokens", "LocationToken", "authorization_url", "exchange_code"]

AUTHORIZE_HOST = "marketplace.gohighlevel.com"
WHITE_LABEL_AUTHORIZE_HOST = "marketplace.leadconnectorhq.com"

logger = logging.getLogger("leadconnector_async")


def authorization_url(
    *,
    client_id: str,
    redirect_uri: str,
    scopes: Iterable[str] | str,
    white_label: bool = False,
    login_in_same_tab: bool = False,
) -> str:
    """The page to send an admin to so they install the app; it redirects back with ``?code=``.

    Args:
        client_id: The app's client id.
        redirect_uri: Where the browser comes back with the code (as registered for the app).
        scopes: The scopes to ask for, e.g. ``["contacts.readonly", "contacts.write"]``.
        white_label: Use the white-label host ``marketplace.leadconnectorhq.com``.
        login_in_same_tab: Ask a logged-out user to log in in the same tab
            (``loginWindowOpenMode=self``) instead of a new one.

    Returns:
        The URL, query values percent-encoded and scopes space-separated.

    Raises:
        ConfigurationError: An empty client id or scope list, or a redirect URI that is not
            an absolute http(s) URL.
    """
    query = [
        ("response_type", "code"),
        ("redirect_uri", _checked_redirect(redirect_uri)),
        ("client_id", required(client_id, "client_id")),
        ("scope", " ".join(_checked_scopes(scopes))),
    ]
    if login_in_same_tab:
        query.append(("loginWindowOpenMode", "self"))
    host = WHITE_LABEL_AUTHORIZE_HOST if white_label else AUTHORIZE_HOST
    return f"https://{host}/v2/oauth/chooselocation?{urlencode(query, quote_via=quote)}"


def _checked_redirect(redirect_uri: str) -> str:
    parts = urlsplit(required(redirect_uri, "redirect_uri"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"redirect_uri must be an absolute http(s) URL: {redirect_uri!r}")
    return redirect_uri


def _checked_scopes(scopes: Iterable[str] | str) -> list[str]:
    found = scopes.split() if isinstance(scopes, str) else list(scopes)
    if not found or any(not isinstance(s, str) or s.split() != [s] for s in found):
        raise ConfigurationError(f"scopes must be non-empty scope names, got {scopes!r}")
    return list(dict.fromkeys(found))


async def exchange_code(
    client: LeadConnector,
    code: str,
    *,
    client_id: str,
    client_secret: str,
    on_refresh: OnRefresh | None,
    redirect_uri: str | None = None,
    user_type: str = "Location",
    refresh_skew: float = 60.0,
    clock: Callable[[], float] = time.time,
) -> OAuthToken:
    """Exchange the ``?code=`` of the redirect for a token (``POST /oauth/token``).

    Save the returned token's pair yourself (``on_refresh`` is called for later pairs).

    Args:
        client: The client whose pool sends the request; the token refreshes through it too.
        code: The authorization code (single-use).
        client_id: The app's client id.
        client_secret: The app's client secret.
        on_refresh: Saves each refreshed pair (see :class:`OAuthToken`).
        redirect_uri: The redirect URI of the authorization request, if the app requires it.
        user_type: ``"Location"`` or ``"Company"`` (an agency grant).
        refresh_skew: Seconds before expiry to refresh.
        clock: Unix-seconds clock (for tests).

    Returns:
        An :class:`OAuthToken` bound to ``client``, with ``location_id``/``company_id`` set.

    Raises:
        AuthenticationError: The code (or the client credentials) was refused.
        ConfigurationError: An empty code or credential.
    """
    form = code_form(
        required(client_id, "client_id"),
        required(client_secret, "client_secret"),
        required(code, "code"),
        checked_user_type(user_type),
        redirect_uri,
    )
    try:
        response = await client.send(token_call(form))
    except APIError as error:
        refused = refusal(
            error,
            "authorization code rejected",
            "codes are single-use and short-lived: send the user through the authorization "
            "URL again (or check client_id, client_secret and redirect_uri)",
            failed="the OAuth endpoint did not exchange the authorization code",
            again="the answer does not refuse the code: it may still be exchanged",
        )
        if refused is None:
            raise
        raise refused from None
    token = OAuthToken.from_response(
        response,
        client_id=client_id,
        client_secret=client_secret,
        on_refresh=on_refresh,
        user_type=user_type,
        refresh_skew=refresh_skew,
        clock=clock,
    )
    token.bind(client)
    return token


class AgencyTokens:
    """Location tokens minted from one agency (Company) grant, cached and renewed per location.

    :meth:`for_location` gives each location a token source that mints its token
    (``POST /oauth/locationToken``) on first use and again when it is about to expire or is
    rejected; concurrent requests of one location share one mint. Mints count against the
    company's rate limit and go through ``client``'s pool.

    Example::

        tokens = lc.AgencyTokens(pool, agency_token)
        client = pool.for_location("loc1", token=tokens.for_location("loc1"))

    Args:
        client: The client whose pool sends the mints (e.g. ``LeadConnector(None)``).
        agency_token: The agency's token, usually an :class:`OAuthToken` with
            ``user_type="Company"`` (it refreshes through ``client`` too).
        company_id: The agency's company id; defaults to ``agency_token.company_id``.
        refresh_skew: Seconds before a location token expires to mint its successor.
        clock: Unix-seconds clock (for tests).

    Raises:
        ConfigurationError: No company id is known.
    """

    def __init__(
        self,
        client: LeadConnector,
        agency_token: str | TokenSource,
        *,
        company_id: str | None = None,
        refresh_skew: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        known = company_id or getattr(agency_token, "company_id", None)
        if not isinstance(known, str) or not known.strip():
            raise ConfigurationError("company_id is required when the agency token lacks one")
        self._company_id = known
        self._client = client.for_location(known, token=agency_token)
        self._skew = refresh_skew
        self._clock = clock
        self._tokens: dict[str, LocationToken] = {}

    @property
    def company_id(self) -> str:
        """The agency's company id."""
        return self._company_id

    def for_location(self, location_id: str) -> LocationToken:
        """The token source of ``location_id`` (the same object on every call).

        Raises:
            ConfigurationError: An empty location id.
        """
        token = self._tokens.get(location_id)
        if token is None:
            required(location_id, "location_id")
            token = LocationToken(self, location_id, refresh_skew=self._skew, clock=self._clock)
            self._tokens[location_id] = token
        return token

    async def _mint(self, location_id: str) -> LocationTokenResponse:
        try:
            response = await self._client.send(location_token_call(self._company_id, location_id))
        except APIError as error:
            refused = refusal(
                error,
                f"no token for location {location_id!r} from the agency token",
                "check that the app is installed on that location and that the agency grant "
                "has the oauth.write scope",
                failed=f"the OAuth endpoint gave no token for location {location_id!r}",
                again="the answer does not refuse it: the next request asks again",
            )
            if refused is None:
                raise
            raise refused from None
        logger.info("minted an access token for location %r", location_id)
        return response

    def __repr__(self) -> str:
        return f"AgencyTokens(company_id={self._company_id!r}, locations={len(self._tokens)})"


class LocationToken(RenewingToken):
    """One location's token, minted by its :class:`AgencyTokens`; see there."""

    def __init__(
        self,
        agency: AgencyTokens,
        location_id: str,
        *,
        refresh_skew: float,
        clock: Callable[[], float],
    ) -> None:
        super().__init__(refresh_skew=refresh_skew, clock=clock)
        self._agency = agency
        self._location_id = location_id

    @property
    def location_id(self) -> str:
        """The location this token is for."""
        return self._location_id

    @property
    def limit_key(self) -> str:
        """The location whose budget this token's requests count against."""
        return self._location_id

    async def _renew(self) -> None:
        response = await self._agency._mint(self._location_id)
        if not response.access_token:
            raise AuthenticationError(
                f"the agency's answer for location {self._location_id!r} held no access token; "
                "the next request asks again"
            )
        lifetime = usable_lifetime(response.expires_in)
        expires_at = None if lifetime is None else self._clock() + lifetime
        self._access = response.access_token
        self._renew_at = refresh_time(expires_at, self._skew, lifetime)

    def __repr__(self) -> str:
        token = redact(self._access) if self._access else "<not minted yet>"
        return f"LocationToken(location_id={self._location_id!r}, access_token={token})"
