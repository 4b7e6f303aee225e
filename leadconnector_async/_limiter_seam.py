"""The limiter seam: what the client asks of any rate-limit backend, and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from ._rate_headers import RateLimitSnapshot
from .errors import RateLimitTimeoutError


class Permit(msgspec.Struct, eq=False):
    """One request's pass from ``acquire`` to ``release``: which slot it holds, and where.

    The client hands it back unchanged, so a backend knows which request finished (the Redis
    backend re-scores that request's own entry) and can judge the answer's headers against what
    it knew when the request was sent. Permits compare and hash by identity.

    Attributes:
        key: The location (or company) whose budget the request counts against.
        held: Slots held just after this request took its own.
        acquired: Requests admitted for this key so far, this one included.
        entry: The backend's own handle for the slot.
    """

    key: str
    held: int
    acquired: int
    entry: Any = None

    def __repr__(self) -> str:
        return f"Permit(key={self.key!r}, held={self.held}, acquired={self.acquired})"


@dataclass(frozen=True, slots=True)
class RateLimitStatus:
    """The latest picture of one location's budget, for dashboards.

    Attributes:
        in_use: Slots held by requests in flight or cooling down (local view).
        capacity: Requests allowed per window (local setting, lowered by the server's ``Max``).
        server: The last ``X-RateLimit-*`` figures the server sent, if any.
        daily_used: Requests this process sent for it since it was last idle.
        paused_for: Seconds until a 429-triggered pause ends (0 if none).
    """

    in_use: int
    capacity: int
    server: RateLimitSnapshot | None
    daily_used: int
    paused_for: float


class Limiter(Protocol):
    """The seam the client sends through; in-process by default, shareable via other backends.

    Two optional methods, looked up once when the client is built, make a backend cheaper or
    more exact; without them the client falls back as noted:

    - ``try_acquire(key) -> Permit | None``: a permit at once without awaiting, or ``None``
      (then ``acquire`` is awaited).
    - ``unused(permit)``: the permit's request was never sent (it gave up waiting for a
      connection, or the client closed), so its slot may come back at once (else ``release``
      is called and the slot cools for a period).
    - ``finish(permit, headers)``: the answer arrived with these headers: ``release`` and
      ``observe`` in one call (else ``release``, then ``observe`` with the headers' snapshot
      when they carry rate-limit figures).

    An optional method is skipped when a subclass overrides a method it stands in for (the
    override would be bypassed).
    """

    async def acquire(self, key: str, deadline: float | None = None) -> Permit | None:
        """Wait until one more request for ``key`` may be sent, and return its permit.

        Args:
            key: The location (or company) the request counts against.
            deadline: Event-loop time (``loop.time()``) by which a slot must be had.

        Raises:
            RateLimitTimeoutError: No slot by ``deadline``; nothing was sent.
            RateLimitError: The daily budget is spent; nothing was sent.
        """

    def release(self, permit: Permit) -> None:
        """The permit's response arrived (or the attempt ended): its slot may start cooling."""

    def observe(self, permit: Permit, snapshot: RateLimitSnapshot) -> None:
        """Let the headers of the answer to the permit's request correct the picture."""

    def penalize(self, key: str, seconds: float) -> None:
        """The server answered 429: send nothing more for ``key`` for ``seconds``."""

    def alias(self, key: str, location: str) -> None:
        """Requests counted under ``key`` (a token's own bucket) belong to ``location``."""

    def status(self, key: str) -> RateLimitStatus | None:
        """The latest figures for ``key``, or ``None`` if nothing is known about it."""

    def would_wait(self, key: str) -> bool:
        """Whether ``acquire(key)`` would wait right now (cheap, never blocks; advisory)."""
        ...


def timed_out(key: str, why: str, wait: float | None = None) -> RateLimitTimeoutError:
    """The error for a request that got no slot in time (``why`` says what held it;
    ``wait``: the seconds until one, when known)."""
    return RateLimitTimeoutError(
        f"no send slot for {key!r} within the call's time budget ({why}); nothing was sent",
        retry_after=wait,
    )


def paused(key: str, pause: float) -> RateLimitTimeoutError:
    """The error for a request whose location a 429 paused for longer than its budget."""
    return timed_out(key, f"the location is paused for {pause:.1f} s after a 429", pause)


class Unlimited:
    """A limiter that never waits (``rate_limit=None``)."""

    async def acquire(self, key: str, deadline: float | None = None) -> None:
        return None

    def release(self, permit: Permit) -> None:
        return None

    def observe(self, permit: Permit, snapshot: RateLimitSnapshot) -> None:
        return None

    def penalize(self, key: str, seconds: float) -> None:
        return None

    def alias(self, key: str, location: str) -> None:
        return None

    def status(self, key: str) -> RateLimitStatus | None:
        return None

    def would_wait(self, key: str) -> bool:
        return False
