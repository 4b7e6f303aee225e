"""Replay protection for webhooks: the stores that remember accepted ``webhookId`` values."""

from __future__ import annotations

import hashlib
import heapq
import time
from collections.abc import Callable
from typing import Any, Protocol

from .errors import ConfigurationError

__all__ = [
    "BODY_DIGEST_PREFIX",
    "AsyncReplayStore",
    "ForgettingStore",
    "MemoryReplayStore",
    "ReplayStore",
    "replay_key",
]

BODY_DIGEST_PREFIX = "sha256:"


def replay_key(webhook_id: object, body: bytes) -> str:
    """What the replay store remembers a delivery by: its ``webhookId`` when that is a
    non-empty string, else ``"sha256:"`` and the hex digest of the signed body.

    The digest catches a replay as surely as the id does, since a replay is the same signed
    bytes; a delivery without an id is then neither refused nor open to replays.
    """
    if isinstance(webhook_id, str) and webhook_id:
        return webhook_id
    return BODY_DIGEST_PREFIX + hashlib.sha256(body).hexdigest()


class ReplayStore(Protocol):
    """Remembers accepted ``webhookId`` values (synchronous form).

    Implementations must check and record in one atomic step, so two concurrent deliveries of
    the same id cannot both pass.
    """

    def seen(self, webhook_id: str, expires_at: float) -> bool:
        """Record ``webhook_id`` until ``expires_at`` and say whether it was already recorded.

        Args:
            webhook_id: The delivery's ``webhookId`` (for a delivery without one,
                ``"sha256:"`` and the hex digest of its body).
            expires_at: Unix time after which the id may be forgotten.

        Returns:
            True if the id was recorded before and has not expired (a replay), else False.
        """
        ...


class AsyncReplayStore(Protocol):
    """Remembers accepted ``webhookId`` values (asynchronous form, e.g. shared through Redis).

    A Redis-backed store for many processes is one atomic command::

        class RedisReplayStore:
            def __init__(self, redis: redis.asyncio.Redis) -> None:
                self._redis = redis

            async def seen(self, webhook_id: str, expires_at: float) -> bool:
                fresh = await self._redis.set(
                    f"lc:webhook:{webhook_id}", 1, nx=True, exat=math.ceil(expires_at)
                )
                return not fresh

            async def forget(self, webhook_id: str) -> None:  # see ForgettingStore
                await self._redis.delete(f"lc:webhook:{webhook_id}")

    Use it with :meth:`WebhookVerifier.averify` (the aiohttp handler does).
    """

    async def seen(self, webhook_id: str, expires_at: float) -> bool:
        """The same contract as :meth:`ReplayStore.seen`, awaited."""
        ...


class ForgettingStore(Protocol):
    """A replay store that can also forget an id (sync or async ``forget``).

    :func:`~leadconnector_async.webhook_handler.webhook_handler` forgets the id of an event
    whose callback failed, so the platform's redelivery is handled rather than refused as a
    replay. For the Redis store above: ``async def forget(self, webhook_id): await
    self._redis.delete(f"lc:webhook:{webhook_id}")``.
    """

    def forget(self, webhook_id: str) -> Any:
        """Drop ``webhook_id``, so a later delivery of it is accepted again."""
        ...


class MemoryReplayStore:
    """The default in-process :class:`ReplayStore`, bounded in time and size.

    Ids are dropped once they expire. Past ``max_entries`` live ids, the one expiring soonest is
    dropped first. It is per process: several workers need a shared :class:`AsyncReplayStore`.

    Args:
        max_entries: Hard cap on the number of ids held.
        clock: Returns the current Unix time; injectable for tests.

    Raises:
        ConfigurationError: ``max_entries`` is less than 1.
    """

    def __init__(self, *, max_entries: int = 100_000, clock: Callable[[], float] = time.time):
        if max_entries < 1:
            raise ConfigurationError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._by_expiry: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self._expiry)

    def seen(self, webhook_id: str, expires_at: float) -> bool:
        """Record ``webhook_id`` until ``expires_at``; True if it was already recorded."""
        self._drop_expired(self._clock())
        if webhook_id in self._expiry:
            return True
        self._expiry[webhook_id] = expires_at
        heapq.heappush(self._by_expiry, (expires_at, webhook_id))
        while len(self._expiry) > self._max_entries:
            self._drop_soonest()
        return False

    def forget(self, webhook_id: str) -> None:
        """Drop ``webhook_id`` (its heap entry goes when it expires), so it is accepted again."""
        self._expiry.pop(webhook_id, None)

    def _drop_expired(self, now: float) -> None:
        # An id is kept through the instant it expires: a delivery exactly at the tolerance
        # limit is still accepted by the timestamp check, so it must still be caught here.
        while self._by_expiry and self._by_expiry[0][0] < now:
            self._drop_soonest()

    def _drop_soonest(self) -> None:
        expires_at, webhook_id = heapq.heappop(self._by_expiry)
        if self._expiry.get(webhook_id) == expires_at:  # not forgotten (or re-recorded) since
            del self._expiry[webhook_id]
