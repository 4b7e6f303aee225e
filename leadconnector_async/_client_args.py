"""What the client's constructor checks and builds from its arguments, and what it reports."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from .auth import ClientBound, NoToken, Sender, StaticToken, TokenSource
from .errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class RequestCounts:
    """Requests a client's pool has sent so far (429s are otherwise hidden by retries).

    Attributes:
        sent: HTTP requests sent, every retry included.
        rate_limited: How many of them the server answered with 429.
    """

    sent: int = 0
    rate_limited: int = 0


def token_source(token: str | TokenSource | None, owner: Sender) -> TokenSource:
    """The token source for ``token``; a source that sends requests of its own is bound to
    ``owner`` (the client), so they share its pool."""
    if token is None:
        return NoToken()
    if isinstance(token, str):
        return StaticToken(token)
    if isinstance(token, TokenSource):
        if isinstance(token, ClientBound):
            token.bind(owner)  # its own requests (an OAuth refresh) share this pool
        return token
    raise ConfigurationError(f"token must be a str or a TokenSource, not {type(token).__name__}")


def checked_location(location_id: str | None) -> str | None:
    """``location_id`` if it is ``None`` or a non-empty string; else a ``ConfigurationError``."""
    if location_id is not None and (not isinstance(location_id, str) or not location_id.strip()):
        raise ConfigurationError(f"location_id must be a non-empty string, got {location_id!r}")
    return location_id


def checked_base_url(base_url: str) -> str:
    """``base_url`` without its trailing slash, refused unless https (or http to loopback), or
    when it holds credentials (``user:password@``: aiohttp refuses them beside the bearer token,
    and the URL is shown in reprs and errors)."""
    parts = urlsplit(base_url)
    if "@" in parts.netloc:
        raise ConfigurationError(
            "base_url must not hold credentials (user:password@host); it is not shown. The "
            "token is sent in the Authorization header"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base_url must be an http(s) URL, got {base_url!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigurationError(
            f"refusing to send tokens over plain http to {parts.hostname!r}; "
            "use https (plain http is allowed only to loopback addresses, for tests)"
        )
    return base_url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
