"""Where access tokens come from.

A :class:`TokenSource` hands the client a token for each request and is told when the server
rejected one, so it can decide whether a fresh token is worth a retry.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ._oauth_token import OAuthToken, OnRefresh
from ._token_basics import ANONYMOUS_KEY, Sender, redact, token_bucket
from .errors import ConfigurationError

__all__ = [
    "ANONYMOUS_KEY",
    "ClientBound",
    "NoToken",
    "OAuthToken",
    "OnRefresh",
    "Sender",
    "StaticToken",
    "TokenSource",
    "redact",
    "static_value",
    "token_bucket",
]


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


def static_value(source: TokenSource) -> str | None:
    """The token of a :class:`StaticToken` (the client then skips awaiting it), else ``None``."""
    return source._token if type(source) is StaticToken else None


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
