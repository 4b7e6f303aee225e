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
pause key with an expiry; a lower ``X-RateLimit-Max`` or longer interval shrink the window (within
plausible bounds, and only until a period passes without confirmation); budget the server says
was spent by senders outside this Redis is held back; ``RateLimit.daily`` is counted in Redis,
while the server's ``X-RateLimit-Daily-Remaining`` is kept per process (each process sees the same
server figure in its own responses) and recovers as in-process: asked again every
``RateLimit.daily_probe_interval`` seconds, reopened by any response that shows budget.

While Redis is unreachable it is tried again once per period; meanwhile requests fail with
:class:`~leadconnector_async.errors.RateLimiterUnavailableError` or use a local share.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from collections.abc import Callable
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
from ._daily import DailyBudget
from ._feedback import plausible_capacity, plausible_period, plausible_remaining
from ._protocol import RateLimitSnapshot
from ._ratelimit import LocalLimiter, Permit, RateLimitStatus
from .errors import (
    ConfigurationError,
    RateLimitError,
    RateLimiterUnavailableError,
    RateLimitTimeoutError,
)

__all__ = ["RedisLimiter"]

logger = logging.getLogger("leadconnector_async")

_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_US = 1_000_000
_UNKNOWN_SHARE = 0.1  # the local share of a process that never learnt how many workers there are

_ACQUIRE = (resources.files(__package__ or "leadconnector_async") / "redis_limiter.lua").read_text()


@dataclass
class _Location:
    """What one process knows about one location's shared budget."""

    capacity: int
    period: float
    daily: DailyBudget  # the server's daily figures (the shared count lives in Redis)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    in_flight: int = 0
    feedback_until: float = 0.0  # loop time until which header-set limits hold
    server_used: int = 0  # requests the server counted in its window at server_used_at
    server_used_at: int = 0  # (Redis clock, microseconds)
    used_locally: bool = False  # the local share sent: carry its busy slots into the window
    shared_in_use: int = 0
    server: RateLimitSnapshot | None = None
    sent: int = 0
    paused_until: float = 0.0  # loop time


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
        wall_clock: Unix-seconds clock for the server's daily figures (windows use Redis's).

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
        wall_clock: Callable[[], float] = time.time,
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
        self._wall_clock = wall_clock
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

    async def acquire(self, key: str, deadline: float | None = None) -> Permit:
        """Wait until the shared window (or, with Redis down, the local share) admits a request.

        Raises:
            RateLimitError: The daily budget is spent (shared or as the server reported).
            RateLimitTimeoutError: No slot by ``deadline`` (event-loop time); nothing was sent.
            RateLimiterUnavailableError: Redis is unreachable and ``on_unavailable="fail"``.
        """
        state = self._state(key)
        state.daily.admit(key)
        loop = asyncio.get_running_loop()
        pause = state.paused_until - loop.time()
        if pause > 0:
            if deadline is not None and loop.time() + pause > deadline:
                raise _timed_out(key)
            await asyncio.sleep(pause)
        local: Permit | None = None
        try:
            async with asyncio.timeout_at(deadline):
                try:
                    member = await self._acquire_shared(key, state)
                except _UNAVAILABLE as error:
                    self._went_unavailable(error)
                    member = None
                if member is None:
                    local = await self._acquire_local(key, state)
        except TimeoutError:
            raise _timed_out(key) from None
        state.in_flight += 1
        state.sent += 1
        if local is not None:
            return Permit(key, local.held, state.sent, local)
        if self._outage:
            self._outage = False
            logger.warning("Redis is reachable again; the shared rate limit is back in use")
        return Permit(key, state.shared_in_use, state.sent, member)

    async def _acquire_shared(self, key: str, state: _Location) -> str | None:
        """Take a slot in the shared window (its member); None while Redis is unreachable."""
        member = next(self._members)
        async with state.lock:
            # While Redis is down it is tried once per period, not by every waiter in turn.
            while not (self._outage and time.monotonic() < self._retry_shared_at):
                status, wait = await self._run_script(key, state, member)
                if status == 1:
                    return member
                if status == -1:
                    raise _daily_spent(key, wait)
                await asyncio.sleep(wait + 0.001)  # the millisecond saves a too-early round trip
        return None

    async def _run_script(self, key: str, state: _Location, member: str) -> tuple[int, float]:
        keys = [self._key(key, part) for part in ("window", "pause", "daily", "workers")]
        carry = self._local_in_use(key) if state.used_locally else 0
        capacity, period_s = self._limits(state)
        period, lease = round(period_s * _US), round(self._lease * _US)
        args: list[str | int] = [member, capacity, period, lease]
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

    def release(self, permit: Permit) -> None:
        """The permit's response arrived: its own entry counts from now, freed a period later."""
        state = self._locations.get(permit.key)
        entry = permit.entry
        if isinstance(entry, Permit):  # admitted by the local share
            if self._local is not None:
                self._local.release(entry)
        else:
            arrived = self._redis_now()
            self._spawn(
                self._redis.zadd(self._key(permit.key, "window"), {entry: arrived}, xx=True)
            )
        if state is not None:
            state.in_flight -= 1
            self._forget_if_idle(permit.key, state)

    def observe(self, permit: Permit, snapshot: RateLimitSnapshot) -> None:
        """Let the server's ``X-RateLimit-*`` figures correct the shared picture."""
        state = self._state(permit.key)
        state.server = snapshot
        limit = self._limit
        if snapshot.max is not None or snapshot.interval_ms is not None:
            if snapshot.max is not None:
                state.capacity = plausible_capacity(snapshot.max, limit.max_requests)
            if snapshot.interval_ms is not None:
                state.period = plausible_period(snapshot.interval_ms, limit.period)
            changed = (state.capacity, state.period) != (limit.max_requests, limit.period)
            now = asyncio.get_running_loop().time()
            state.feedback_until = now + max(state.period, limit.period) if changed else 0.0
        if snapshot.daily_remaining is not None:
            sent_since = state.sent - permit.acquired
            state.daily.observe(snapshot.daily_remaining, snapshot.daily_limit, sent_since)
        if snapshot.remaining is not None:
            remaining = plausible_remaining(snapshot.remaining, state.capacity)
            state.server_used = state.capacity - remaining
            state.server_used_at = self._redis_now()
        if self._local is not None and isinstance(permit.entry, Permit):
            self._local.observe(permit.entry, snapshot)

    def alias(self, key: str, location: str) -> None:
        """Calls counted under a token's own bucket belong to ``location`` from now on."""
        state = self._locations.pop(key, None)
        if state is not None and location not in self._locations:
            self._locations[location] = state
        if self._local is not None:
            self._local.alias(key, location)

    def _limits(self, state: _Location) -> tuple[int, float]:
        """Capacity and period, back to the configured ones after a period unconfirmed."""
        if state.feedback_until and asyncio.get_running_loop().time() >= state.feedback_until:
            state.feedback_until = 0.0
            state.capacity, state.period = self._limit.max_requests, self._limit.period
        return state.capacity, state.period

    def penalize(self, key: str, seconds: float) -> None:
        """The server answered 429: pause every worker sharing this Redis for ``seconds``."""
        state = self._state(key)
        now = asyncio.get_running_loop().time()
        state.paused_until = max(state.paused_until, now + seconds)
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
            paused_for=max(0.0, state.paused_until - asyncio.get_running_loop().time()),
        )

    def would_wait(self, key: str) -> bool:
        """Whether ``acquire(key)`` would wait: a 429 pause, or a request of this process is
        already waiting for (or asking Redis about) a slot of ``key``."""
        state = self._locations.get(key)
        if state is None:
            return False
        return state.lock.locked() or state.paused_until > asyncio.get_running_loop().time()

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

    async def _acquire_local(self, key: str, state: _Location) -> Permit:
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
        permit = await local.acquire(key)
        state.used_locally = True
        return permit

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

    def _state(self, key: str) -> _Location:
        state = self._locations.get(key)
        if state is None:
            limit = self._limit
            daily = DailyBudget(None, limit.daily_probe_interval, self._wall_clock)
            state = self._locations[key] = _Location(limit.max_requests, limit.period, daily)
        return state

    def _forget_if_idle(self, key: str, state: _Location) -> None:
        # Nothing in flight, nobody waiting, no pause, nothing the daily budget must remember:
        # the window lives in Redis, so the local picture can go.
        if state.in_flight > 0 or state.lock.locked() or not state.daily.settled():
            return
        if state.paused_until > asyncio.get_running_loop().time() or state.used_locally:
            return
        if self._locations.get(key) is state:
            del self._locations[key]

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


def _timed_out(key: str) -> RateLimitTimeoutError:
    return RateLimitTimeoutError(
        f"no send slot for {key!r} in the shared window within the call's time budget; "
        "nothing was sent"
    )


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
