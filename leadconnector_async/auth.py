"""Where access tokens come from.

A :class:`TokenSource` hands the client a token for each request and is told when the server
rejected one, so it can decide whether a fresh token is worth a retry.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .errors import ConfigurationError

__all__ = ["StaticToken", "TokenSource", "redact"]


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
    """A token that never changes: a Private Integration Token or a fixed access token."""

    __slots__ = ("_token",)

    def __init__(self, token: str) -> None:
        if not isinstance(token, str) or not token.strip():
            raise ConfigurationError("token must be a non-empty string")
        self._token = token

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
