"""One rate-limit budget shared by every process and machine that points at the same Redis.

``pip install 'leadconnector-async[redis]'``, then::

    from leadconnector_async.redis_limiter import RedisLimiter

    limiter = RedisLimiter("redis://localhost:6379/0", lc.RateLimit())
    client = lc.LeadConnector(token, location_id=..., limiter=limiter)

Each location has a sorted set in Redis, one entry per request scored with the moment it counts
from. One Lua script (``redis_limiter.lua``) trims old entries and admits the request if the
window has room, else answers how long until its oldest entry leaves: a full window costs one
round trip and one sleep, never a polling loop. All times are Redis's clock (``TIME``), so
machines with skewed clocks share one window; a lock per location lets one waiter per process
talk to Redis.

A slot is held from the send until one period after the response (DESIGN.md, "Rate limiting: what
must hold"): an admitted entry is scored ``now + lease`` while in flight, so a slow request never
drops out of the window, and ``release`` re-scores it to the response's arrival (``ZADD XX``).
Entries of a process that died mid-request leave ``lease + period`` after the send.

Server feedback as in :class:`~leadconnector_async._ratelimit.LocalLimiter`: a 429 sets a shared
pause key with an expiry; a lower ``X-RateLimit-Max`` or longer interval shrink the window; budget
the server says was spent by senders outside this Redis is held back; ``RateLimit.daily`` is
counted in Redis, while the server's ``X-RateLimit-Daily-Remaining`` is kept per process (each
process sees the same server figure in its own responses).

While Redis is unreachable it is tried again once per period; meanwhile requests fail with
:class:`~leadconnector_async.errors.RateLimiterUnavailableError` or use a local share.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from collections import deque
from dataclasses import dataclass, field, replace
from importlib import resources
from itertools import count
from typing import Any, Literal

try:
    import redis.asyncio as aioredis
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise ImportError(
        "RedisLimiter needs redis-py: pip install 'leadconnector-async[redis]'"
    ) from missing

from ._closing import AsyncClosing
from ._config import RateLimit
from ._protocol import RateLimitSnapshot
from ._ratelimit import LocalLimiter, RateLimitStatus, SendTicket
from .errors import ConfigurationError, RateLimitError, RateLimiterUnavailableError

__all__ = ["RedisLimiter"]

logger = logging.getLogger("leadconnector_async")

_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_US = 1_000_000
_LOCAL = "<local>"  # marks a request the local fallback admitted
_UNKNOWN_SHARE = 0.1  # the local share of a process that never learnt how many workers there are

_ACQUIRE = (resources.files(__package__) / "redis_limiter.lua").read_text()


@dataclass
class _Location:
    """What one process knows about one location's shared budget."""

    capacity: int
    period: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    in_flight: deque[str] = field(default_factory=deque)
    server_used: int = 0  # requests the server counted in its window at server_used_at
    server_used_at: int = 0  # (Redis clock, microseconds)
    used_locally: bool = False  # the local share sent: carry its busy slots into the window
    shared_in_use: int = 0
    server: RateLimitSnapshot | None = None
    daily_left: int | None = None
    sent: int = 0
    paused_until: float = 0.0


class RedisLimiter(AsyncClosing):
    """A :class:`~leadconnector_async.Limiter` whose windows live in Redis, shared by all workers.

    Pass it to every worker's client: ``LeadConnector(token, limiter=RedisLimiter(url, limit))``.
    Processes using the same Redis and ``key_prefix`` share each location's window, 429 pauses
    and daily budget. Close it with :meth:`aclose` (or ``async with``) when it created the Redis
    client from a URL.

    Args:
        redis: A ``redis://`` URL, or a ``redis.asyncio.Redis`` client to borrow (never closed).
        rate_limit: The per-location limit all workers together stay under.
        key_prefix: Prefix of the Redis keys; workers share budgets only under the same prefix.
        on_unavailable: When Redis cannot be reached: ``"fail"`` raises
            :class:`~leadconnector_async.errors.RateLimiterUnavailableError` before sending;
            ``"local"`` falls back to an in-process limiter allowed ``local_share`` of the budget.
        local_share: Fraction of ``max_requests`` (and of ``daily``) this process may use while
            Redis is unreachable. By default 1 / the number of processes that used the location
            within ``lease`` seconds before (as Redis last said), or 10% for a process that
            never reached Redis.
        lease: Longest a request may be in flight (at least the client's timeout): a slot whose
            response never came back (the process died) is freed ``lease + period`` after the send.
        timeout: Socket timeout in seconds for a client created from a URL.

    Raises:
        ConfigurationError: A bad argument.
    """

    def __init__(
        self,
        redis: str | aioredis.Redis,
        rate_limit: RateLimit = RateLimit(),  # noqa: B008 - frozen, safe to share
        *,
        key_prefix: str = "leadconnector:ratelimit",
        on_unavailable: Literal["fail", "local"] = "fail",
        local_share: float | None = None,
        lease: float = 60.0,
        timeout: float = 2.0,
    ) -> None:
        if on_unavailable not in ("fail", "local"):
            raise ConfigurationError(
                f"on_unavailable must be 'fail' or 'local', got {on_unavailable!r}"
            )
        if local_share is not None and not 0 < local_share <= 1:
            raise ConfigurationError(f"local_share must be in (0, 1], got {local_share!r}")
        if lease <= 0 or timeout <= 0:
            raise ConfigurationError("lease and timeout must be positive")
        self._redis, self._owns_redis = _redis_client(redis, timeout)
        self._limit = rate_limit
        self._prefix = key_prefix
        self._on_unavailable = on_unavailable
        self._local_share = local_share
        self._workers_seen = 0  # most processes Redis reported using one location recently
        self._lease = lease
        self._script = self._redis.register_script(_ACQUIRE)
        self._process = secrets.token_hex(6)
        self._members = (f"{self._process}:{n}" for n in count())
        self._locations: dict[str, _Location] = {}
        self._offset = 0.0  # Redis clock minus time.monotonic(), never underestimated
        self._local: LocalLimiter | None = None
        self._outage = False
        self._last_error = ""
        self._retry_shared_at = 0.0  # while Redis is down: when to try it again
        self._paused_locally: set[str] = set()  # locations the local share paused this outage
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable (and, with ``"local"``, the local share is in use)."""
        return self._outage

    async def acquire(self, key: str) -> None:
        """Wait until the shared window (or, with Redis down, the local share) admits a request.

        Raises:
            RateLimitError: The daily budget is spent (shared or as the server reported).
            RateLimiterUnavailableError: Redis is unreachable and ``on_unavailable="fail"``.
        """
        state = self._state(key)
        self._check_server_daily(key, state)
        pause = state.paused_until - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        try:
            admitted = await self._acquire_shared(key, state)
        except _UNAVAILABLE as error:
            self._went_unavailable(error)
            admitted = False
        if not admitted:
            await self._acquire_local(key, state)
            return
        if self._outage:
            self._outage = False
            logger.warning("Redis is reachable again; the shared rate limit is back in use")
        state.sent += 1

    async def _acquire_shared(self, key: str, state: _Location) -> bool:
        """Take a slot in the shared window; False while Redis is known to be unreachable."""
        member = next(self._members)
        async with state.lock:
            # While Redis is down it is tried once per period, not by every waiter in turn.
            while not (self._outage and time.monotonic() < self._retry_shared_at):
                status, wait = await self._run_script(key, state, member)
                if status == 1:
                    state.in_flight.append(member)
                    return True
                if status == -1:
                    raise _daily_spent(key, wait)
                await asyncio.sleep(wait + 0.001)  # the millisecond saves a too-early round trip
        return False

    async def _run_script(self, key: str, state: _Location, member: str) -> tuple[int, float]:
        keys = [self._key(key, part) for part in ("window", "pause", "daily", "workers")]
        carry = self._local_in_use(key) if state.used_locally else 0
        period, lease = round(state.period * _US), round(self._lease * _US)
        args: list[str | int] = [member, state.capacity, period, lease]
        args += [self._limit.daily or 0, state.server_used, state.server_used_at, carry]
        args.append(self._process)
        sent_at = time.monotonic()
        try:
            reply = await self._script(keys=keys, args=args)
        except asyncio.CancelledError:
            self._spawn(self._redis.zrem(keys[0], member))  # it may have been admitted
            raise
        status, wait_us, now_us, in_window, workers = (int(part) for part in reply)
        self._workers_seen = max(self._workers_seen, workers)
        self._offset = now_us / _US - sent_at
        state.server_used, state.used_locally = 0, False
        if in_window >= 0:
            state.shared_in_use = in_window
        return status, max(wait_us, 0) / _US

    def release(self, key: str) -> None:
        """The response arrived: the slot counts from now and frees one period later."""
        state = self._state(key)
        if not state.in_flight:
            return
        member = state.in_flight.popleft()
        if member == _LOCAL:
            if self._local is not None:
                self._local.release(key)
            return
        arrived = self._redis_now()
        self._spawn(self._redis.zadd(self._key(key, "window"), {member: arrived}, xx=True))

    def observe(
        self, key: str, snapshot: RateLimitSnapshot, ticket: SendTicket | None = None
    ) -> None:
        """Let the server's ``X-RateLimit-*`` figures correct the shared picture."""
        state = self._state(key)
        state.server = snapshot
        if snapshot.interval_ms:
            state.period = max(state.period, snapshot.interval_ms / 1000.0)
        if snapshot.max is not None and 0 < snapshot.max < state.capacity:
            state.capacity = snapshot.max
        if snapshot.daily_remaining is not None:
            state.daily_left = snapshot.daily_remaining
        if snapshot.remaining is not None:
            state.server_used = max(0, state.capacity - snapshot.remaining)
            state.server_used_at = self._redis_now()
        if self._local is not None:
            self._local.observe(key, snapshot)

    def penalize(self, key: str, seconds: float) -> None:
        """The server answered 429: pause every worker sharing this Redis for ``seconds``."""
        state = self._state(key)
        state.paused_until = max(state.paused_until, time.monotonic() + seconds)
        milliseconds = max(1, math.ceil(seconds * 1000))
        self._spawn(self._redis.set(self._key(key, "pause"), b"1", px=milliseconds))
        if self._local is not None:
            self._local.penalize(key, seconds)

    def status(self, key: str) -> RateLimitStatus | None:
        """The latest figures for ``key``.

        ``in_use`` is the shared window as Redis last reported it; ``daily_used`` counts this
        process's requests since the limiter was created.
        """
        state = self._locations.get(key)
        if state is None:
            return None
        return RateLimitStatus(
            in_use=state.shared_in_use,
            capacity=state.capacity,
            server=state.server,
            daily_used=state.sent,
            paused_for=max(0.0, state.paused_until - time.monotonic()),
        )

    async def aclose(self) -> None:
        """Finish pending releases; close the Redis client if this limiter created it."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._owns_redis:
            await self._redis.aclose()

    def __repr__(self) -> str:
        mode = "degraded" if self.degraded else "shared"
        return (
            f"RedisLimiter(key_prefix={self._prefix!r}, on_unavailable={self._on_unavailable!r}, "
            f"{mode})"
        )

    def _went_unavailable(self, error: BaseException) -> None:
        self._last_error = str(error)
        self._retry_shared_at = time.monotonic() + self._limit.period
        if not self._outage:
            self._outage = True
            self._paused_locally.clear()
            logger.warning(
                "Redis is unreachable (%s); %s",
                error,
                "requests fail until it is back"
                if self._on_unavailable == "fail"
                else f"this process now keeps to {self._share():.0%} of the rate limit",
            )

    async def _acquire_local(self, key: str, state: _Location) -> None:
        if self._on_unavailable == "fail":
            raise RateLimiterUnavailableError(
                f"the shared rate limiter's Redis is unreachable ({self._last_error}); "
                "nothing was sent"
            )
        local = self._local_limiter()
        if key not in self._paused_locally:
            # Requests the shared window admitted in the last period are invisible locally:
            # let them leave it before the local share starts sending.
            self._paused_locally.add(key)
            local.penalize(key, state.period)
        await local.acquire(key)
        state.in_flight.append(_LOCAL)
        state.sent += 1
        state.used_locally = True

    def _local_limiter(self) -> LocalLimiter:
        if self._local is None:
            limit = self._limit
            share = self._share()
            self._local = LocalLimiter(
                replace(
                    limit,
                    max_requests=max(1, int(limit.max_requests * share)),
                    daily=None if limit.daily is None else max(1, int(limit.daily * share)),
                )
            )
        return self._local

    def _share(self) -> float:
        if self._local_share is not None:
            return self._local_share
        return 1 / self._workers_seen if self._workers_seen else _UNKNOWN_SHARE

    def _redis_now(self) -> int:
        """Redis's clock now, in microseconds, estimated from the last script run (never early)."""
        return round((time.monotonic() + self._offset) * _US)

    def _local_in_use(self, key: str) -> int:
        status = self._local.status(key) if self._local is not None else None
        return status.in_use if status is not None else 0

    def _check_server_daily(self, key: str, state: _Location) -> None:
        if state.daily_left is not None:
            if state.daily_left <= 0:
                raise _daily_spent(key, None)
            state.daily_left -= 1

    def _state(self, key: str) -> _Location:
        state = self._locations.get(key)
        if state is None:
            limit = self._limit
            state = self._locations[key] = _Location(limit.max_requests, limit.period)
        return state

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


def _daily_spent(key: str, retry_after: float | None) -> RateLimitError:
    return RateLimitError(
        f"daily request budget for location {key!r} is spent (shared by every worker); "
        "nothing was sent",
        retry_after=retry_after,
        status_code=None,
    )


def _redis_client(redis: str | aioredis.Redis, timeout: float) -> tuple[aioredis.Redis, bool]:
    if isinstance(redis, str):
        if not redis.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigurationError("redis must be a redis://, rediss:// or unix:// URL")
        client = aioredis.Redis.from_url(
            redis, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        return client, True
    if isinstance(redis, aioredis.Redis):
        return redis, False
    raise ConfigurationError(
        f"redis must be a URL or a redis.asyncio.Redis client, not {type(redis).__name__}"
    )
