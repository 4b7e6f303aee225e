"""The shared limiter's Redis: its client, the admission script, key names and Redis's clock.

Updates the limiter does not wait for (a release, a 429 pause, taking back a slot a cancelled
request may hold) run as background tasks that :meth:`RedisConnection.aclose` finishes.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from importlib import resources
from typing import Any, cast

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .errors import ConfigurationError

__all__ = ["UNAVAILABLE", "US", "RedisConnection"]

logger = logging.getLogger("leadconnector_async")

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
"""What a Redis call raises while Redis cannot be reached."""

US = 1_000_000
"""Microseconds a second: the script's unit of time."""

_ACQUIRE = (resources.files(__package__ or "leadconnector_async") / "redis_limiter.lua").read_text()

# Take an admitted entry back out of the window; if it was there, its request is not counted
# against the shared daily budget either (the admission script counted it). A counter that
# expired in the meantime (a new day) is left alone.
_TAKE_BACK = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 and ARGV[2] == '1' then
  local spent = tonumber(redis.call('GET', KEYS[2]) or '0')
  if spent > 0 then redis.call('DECR', KEYS[2]) end
end
"""


class RedisConnection:
    """The Redis client (created from a URL, or borrowed), its admission script and its clock.

    Args:
        redis: A ``redis://`` URL, or a ``redis.asyncio.Redis`` client to borrow (never closed).
        timeout: Socket timeout in seconds for a client created from a URL.
        key_prefix: Prefix of every key.
        counts_daily: Whether the admission script counts a daily budget (an entry taken back
            gives its count back).

    Raises:
        ConfigurationError: ``redis`` is neither a valid Redis URL nor a ``redis.asyncio.Redis``.
    """

    def __init__(
        self,
        redis: str | aioredis.Redis,
        timeout: float,
        key_prefix: str,
        *,
        counts_daily: bool = False,
    ) -> None:
        self._redis, self._owns_redis = _redis_client(redis, timeout)
        self._prefix = key_prefix
        self._script = self._redis.register_script(_ACQUIRE)
        self._take_back = self._redis.register_script(_TAKE_BACK)
        self._counts_daily = "1" if counts_daily else "0"
        self._offset = 0.0  # Redis clock minus time.monotonic(), never underestimated
        self._tasks: set[asyncio.Task[Any]] = set()

    async def run_script(
        self, location: str, member: str, args: list[str | int]
    ) -> tuple[int, int, int, int, int]:
        """Run the admission script for ``member`` of ``location``'s window; its reply as ints.

        The reply is ``status, wait_us, now_us, in_window, workers``; ``now_us`` sets the clock.
        If the call is cancelled, ``member`` is taken back out of the window (it may have been
        admitted).
        """
        keys = [self._key(location, part) for part in ("window", "pause", "daily", "workers")]
        sent_at = time.monotonic()
        try:
            reply = await self._script(keys=keys, args=[member, *args])
        except asyncio.CancelledError:
            self.remove(location, member)
            raise
        status, wait_us, now_us, in_window, workers = (int(part) for part in reply)
        self._offset = now_us / US - sent_at
        return status, wait_us, now_us, in_window, workers

    def now(self) -> int:
        """Redis's clock now, in microseconds, estimated from the last script run (never early)."""
        return round((time.monotonic() + self._offset) * US)

    def rescore(self, location: str, member: str, *, carried: bool = False) -> None:
        """Score ``member``'s entry in ``location``'s window from now (its response arrived).

        ``carried``: the entry was admitted into another window that :meth:`carry` is copying
        into this one, and may not be here yet: it is added (the copy keeps this score).
        """
        arrived = self.now()
        window = self._key(location, "window")
        self._spawn(self._redis.zadd(window, {member: arrived}, xx=not carried))

    def remove(self, location: str, member: str, *, counted: bool = True) -> None:
        """Take ``member``'s entry out of ``location``'s window (its request was never sent),
        and, if ``counted`` there, its count out of the daily budget if it had one."""
        keys = [self._key(location, "window"), self._key(location, "daily")]
        counts = self._counts_daily if counted else "0"
        self._spawn(self._take_back(keys=keys, args=[member, counts]))

    async def carry(self, source: str, target: str, keep: float) -> None:
        """Copy the entries of ``source``'s window into ``target``'s, kept ``keep`` seconds;
        an entry already there keeps its score (a release that came first). Updates asked
        for before run first, so a response's new score is what is copied."""
        if self._tasks:  # (waited, not gathered: a cancelled carry cancels none of them)
            await asyncio.wait(list(self._tasks))
        window = self._key(source, "window")
        found = await self._redis.zrange(window, 0, -1, withscores=True)
        entries = cast("list[tuple[bytes, float]]", found)  # (withscores: member, score pairs)
        if entries:
            window = self._key(target, "window")
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.zadd(window, dict(entries), nx=True)
                pipe.pexpire(window, math.ceil(keep * 1000))
                await pipe.execute()

    def pause(self, location: str, seconds: float) -> None:
        """Set ``location``'s shared pause key to expire in ``seconds``."""
        milliseconds = max(1, math.ceil(seconds * 1000))
        self._spawn(self._redis.set(self._key(location, "pause"), b"1", px=milliseconds))

    async def aclose(self) -> None:
        """Finish pending updates; close the Redis client if it was created from a URL."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._owns_redis:
            await self._redis.aclose()

    def _key(self, location: str, part: str) -> str:
        # The hash tag keeps one location's keys in one Redis Cluster slot (for the script).
        return f"{self._prefix}:{{{location}}}:{part}"

    def _spawn(self, operation: Any) -> None:
        task = asyncio.ensure_future(operation)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # A lost release or pause only makes the window more conservative (the lease).
            logger.debug("shared rate limiter update failed: %s", task.exception())


MAX_CONNECTIONS = 10_000
"""Connections a limiter's own client may open (Redis's default ``maxclients``); at most one
per request talking to Redis at that moment. A borrowed client keeps its own pool."""


def _redis_client(redis: str | aioredis.Redis, timeout: float) -> tuple[aioredis.Redis, bool]:
    if isinstance(redis, str):
        if not redis.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigurationError("redis must be a redis://, rediss:// or unix:// URL")
        # redis-py 6+ caps its default pool at 100 connections and refuses the 101st, which
        # would read as an outage once ~100 locations wait at once. (A blocking pool instead
        # stalled for its whole timeout after an outage on redis-py 5.)
        try:
            client = aioredis.Redis.from_url(
                redis,
                max_connections=MAX_CONNECTIONS,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
            )
        except ValueError:
            pass  # raised below, without redis-py's message: it quotes a part of the URL
        else:
            return client, True
        raise ConfigurationError(
            "redis is not a valid Redis URL (it is not shown: it may hold a password, whose "
            "special characters such as '/', '#' or '?' must be percent-encoded)"
        )
    if isinstance(redis, aioredis.Redis):
        return redis, False
    raise ConfigurationError(
        f"redis must be a URL or a redis.asyncio.Redis client, not {type(redis).__name__}"
    )
