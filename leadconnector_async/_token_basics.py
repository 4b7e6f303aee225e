"""What every token source shares: redaction, the rate-limit key of an unknown location, and
the sender a source makes its own requests through."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Protocol, TypeVar

from ._protocol import Call

T = TypeVar("T")

ANONYMOUS_KEY = "token:"


def token_bucket(secret: str) -> str:
    """The rate-limit key of a token whose location is not known yet.

    A digest, so processes sharing a Redis limiter agree on it without the token leaving them.
    """
    # surrogatepass: a token that cannot be sent is refused when a request is built, with a
    # ConfigurationError, not here with a UnicodeEncodeError.
    return ANONYMOUS_KEY + hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def redact(secret: str | None) -> str:
    """Show that a secret is set without showing it (nor its length)."""
    if not secret:
        return "<unset>"
    return "<redacted>"


class Sender(Protocol):
    """What a token source sends its own requests through: the client using it."""

    def send(self, call: Call[T]) -> Awaitable[T]:
        """Send ``call`` through the client's pool; await it for the result."""
        ...


# The client whose call is getting its token right now: a token source's own requests (a
# refresh) go through it, not through whichever client the source was given to last (which
# may be closed while this one is open).
REQUESTER: ContextVar[Sender | None] = ContextVar("leadconnector_requester", default=None)
