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
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Literal

try:
    import redis.asyncio as aioredis
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise ImportError(
        "RedisLimiter needs redis-py: pip install 'leadconnector-async[redis]'"
    ) from missing

from ._closing import AsyncClosing
from ._config import RateLimit
from ._daily import DailyBudget
from ._feedback import plausible_capacity, plausible_period, plausible_remaining
from ._limiter_seam import paused, timed_out
from ._rate_headers import RateLimitSnapshot
from ._ratelimit import Permit, RateLimitStatus
from ._redis_connection import UNAVAILABLE, US, RedisConnection
from ._redis_local_share import LocalShare
from .errors import ConfigurationError, RateLimitError

_SHARED_FULL = "the shared window has no slot for it in time"

__all__ = ["RedisLimiter"]


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
    waiting: int = 0  # this process's requests queued for ``lock``
    # How long a turn at ``lock`` (round trips, and the wait for room in a full window) took
    # while others queued behind it, smoothed; 0.0 once the queue drained (not known then).
    turn: float = 0.0


class RedisLimiter(AsyncClosing):
    """A :class:`~leadconnector_async.Limiter` whose windows live in Redis, shared by all workers.

    Pass it to every worker's client: ``LeadConnector(token, limiter=RedisLimiter(url, limit))``.
    Processes using the same Redis and ``key_prefix`` share each location's window, 429 pauses
    and daily budget. Close it with :meth:`aclose` (or ``async with``) when it created the Redis
    client from a URL.

    Args:
        redis: A ``redis://`` URL, or a ``redis.asyncio.Redis`` client to borrow (never
            closed; give its pool ``max_connections`` above the locations busy at once:
            redis-py 6+ refuses a default pool's 101st connection).
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
        self._redis = RedisConnection(
            redis, timeout, key_prefix, counts_daily=bool(rate_limit.daily)
        )
        self._limit = rate_limit
        self._prefix = key_prefix
        self._on_unavailable = on_unavailable
        self._fallback = LocalShare(rate_limit, on_unavailable, local_share)
        self._lease = lease
        self._wall_clock = wall_clock
        self._process = secrets.token_hex(6)
        self._members = (f"{self._process}:{n}" for n in count())
        self._locations: dict[str, _Location] = {}
        # A token's own bucket -> the location it joined, and whether its state was merged
        # into one the location had (its permits' figures then judged nothing here).
        self._joined: dict[str, tuple[str, bool]] = {}
        # A location -> the token buckets whose windows join its own before it admits again.
        self._carry_into: dict[str, list[str]] = {}

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable (and, with ``"local"``, the local share is in use)."""
        return self._fallback.outage

    async def acquire(self, key: str, deadline: float | None = None) -> Permit:
        """Wait until the shared window (or, with Redis down, the local share) admits a request.

        Raises:
            RateLimitError: The daily budget is spent (shared or as the server reported).
            RateLimitTimeoutError: No slot by ``deadline`` (event-loop time); nothing was sent.
            RateLimiterUnavailableError: Redis is unreachable and ``on_unavailable="fail"``.
        """
        state = self._state(key)
        state.daily.admit(key)
        try:
            return await self._admit(key, state, deadline)
        except BaseException:
            # Nothing was sent: the daily count goes back, and a location this request alone
            # brought in is not kept.
            state.daily.refund()
            self._forget_if_idle(key, state)
            raise

    async def _admit(self, key: str, state: _Location, deadline: float | None) -> Permit:
        loop = asyncio.get_running_loop()
        pause = state.paused_until - loop.time()
        if pause > 0:
            if deadline is not None and loop.time() + pause > deadline:
                raise paused(key, pause)
            await asyncio.sleep(pause)
        if deadline is not None and state.lock.locked() and _hopeless(state, loop.time(), deadline):
            raise timed_out(key, _SHARED_FULL)
        local: Permit | None = None
        try:
            async with asyncio.timeout_at(deadline):
                try:
                    member = await self._acquire_shared(key, state, deadline)
                except UNAVAILABLE as error:
                    self._fallback.went_unavailable(error)
                    member = None
                if member is None:
                    local = await self._fallback.acquire(key, state.period)
                    state.used_locally = True
        except TimeoutError:
            raise timed_out(key, _SHARED_FULL) from None
        state.in_flight += 1
        state.sent += 1
        if local is not None:
            return Permit(key, local.held, state.sent, local)
        self._fallback.reachable()
        return Permit(key, state.shared_in_use, state.sent, member)

    async def _acquire_shared(
        self, key: str, state: _Location, deadline: float | None
    ) -> str | None:
        """Take a slot in the shared window (its member); None while Redis is unreachable.

        Raises:
            RateLimitTimeoutError: Redis says the next slot (or the end of a 429's pause,
                perhaps another process's) comes after ``deadline``: at once, not at it.
        """
        member = next(self._members)
        state.waiting += 1
        try:
            await state.lock.acquire()
        finally:
            state.waiting -= 1
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            # While Redis is down it is tried once per period, not by every waiter in turn
            # (nor by every one while a carry into this location is still to be done).
            while not self._fallback.retry_later():
                await self._carry_joined(key, state)
                status, wait = await self._run_script(key, state, member)
                if status == 1:
                    return member
                if status == -1:
                    raise _daily_spent(key, wait)
                if deadline is not None and loop.time() + wait > deadline:
                    why = f"the shared window, or a 429's pause, holds it for {wait:.1f} s"
                    raise timed_out(key, why, wait)
                await asyncio.sleep(wait + 0.001)  # the millisecond saves a too-early round trip
        finally:
            state.lock.release()
            _timed_turn(state, loop.time() - started)
        return None

    async def _carry_joined(self, key: str, state: _Location) -> None:
        """Token buckets that joined this location: their entries count here from now on."""
        for source in self._carry_into.get(key, ()):
            await self._redis.carry(source, key, self._lease + 2 * state.period)
        self._carry_into.pop(key, None)

    async def _run_script(self, key: str, state: _Location, member: str) -> tuple[int, float]:
        carry = self._fallback.in_use(key) if state.used_locally else 0
        capacity, period_s = self._limits(state)
        period, lease = round(period_s * US), round(self._lease * US)
        args: list[str | int] = [capacity, period, lease]
        args += [self._limit.daily or 0, state.server_used, state.server_used_at, carry]
        args.append(self._process)
        status, wait_us, _, in_window, workers = await self._redis.run_script(key, member, args)
        fallback = self._fallback
        fallback.workers_seen = max(fallback.workers_seen, workers)
        state.server_used, state.used_locally = 0, False
        if in_window >= 0:
            state.shared_in_use = in_window
        return status, max(wait_us, 0) / US

    def release(self, permit: Permit) -> None:
        """The permit's response arrived: its own entry counts from now, freed a period later."""
        self._finish(permit, sent=True)

    def unused(self, permit: Permit) -> None:
        """The permit's request was never sent: its entry leaves the shared window now."""
        self._finish(permit, sent=False)

    def _finish(self, permit: Permit, *, sent: bool) -> None:
        key, joined = permit.key, self._joined.get(permit.key)
        if joined is not None:  # sent under a token's bucket, which has joined its location
            key = joined[0]
        state = self._locations.get(key)
        entry = permit.entry
        if isinstance(entry, Permit):  # admitted by the local share
            local = self._fallback.limiter
            if local is not None and sent:
                local.release(entry)
            elif local is not None:
                local.unused(entry)
        elif sent:
            self._redis.rescore(key, entry, carried=joined is not None)
        else:
            self._redis.remove(permit.key, entry)
            if joined is not None:
                self._redis.remove(key, entry, counted=False)
        if state is not None:
            if not sent:  # not counted as sent: header feedback judges by what was sent
                state.daily.refund()
                state.sent -= 1
            state.in_flight -= 1
            self._forget_if_idle(key, state)

    def observe(self, permit: Permit, snapshot: RateLimitSnapshot) -> None:
        """Let the server's ``X-RateLimit-*`` figures correct the shared picture."""
        key, joined = permit.key, self._joined.get(permit.key)
        if joined is not None:
            if joined[1]:
                return  # its figures were judged against a bucket that no longer exists
            key = joined[0]
        state = self._locations.get(key)
        forgotten = state is None  # (release forgot it: nothing else was in flight)
        if state is None:
            state = self._state(key)
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
            state.server_used_at = self._redis.now()
        local = self._fallback.limiter
        if local is not None and isinstance(permit.entry, Permit):
            local.observe(permit.entry, snapshot)
        if forgotten and state.server_used <= permit.held:
            # Nothing here the next request needs (no use beyond this window's own entries):
            # keep no state for a location that went idle.
            state.server_used = 0
            self._forget_if_idle(key, state)

    def alias(self, key: str, location: str) -> None:
        """Calls counted under a token's own bucket belong to ``location`` from now on: the
        live entries of its shared window join the location's window (as ``LocalLimiter``
        merges its slots), and its requests in flight finish there."""
        if key == location:
            return
        state = self._locations.pop(key, None)
        joined = self._locations.get(location)
        if state is not None and joined is None:
            self._locations[location] = state
        elif state is not None and joined is not None:
            joined.in_flight += state.in_flight
            joined.paused_until = max(joined.paused_until, state.paused_until)
        self._joined[key] = (location, state is not None and joined is not None)
        self._carry_into.setdefault(location, []).append(key)
        if self._fallback.limiter is not None:
            self._fallback.limiter.alias(key, location)

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
        self._redis.pause(key, seconds)
        if self._fallback.limiter is not None:
            self._fallback.limiter.penalize(key, seconds)

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
        await self._redis.aclose()

    def __repr__(self) -> str:
        mode = "degraded" if self.degraded else "shared"
        return (
            f"RedisLimiter(key_prefix={self._prefix!r}, on_unavailable={self._on_unavailable!r}, "
            f"{mode})"
        )

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
        # (``waiting``, not only ``locked()``: a released lock reads unlocked until the waiter
        # it woke runs, and a new state would give newcomers a lock of their own.)
        if state.in_flight > 0 or state.lock.locked() or state.waiting:
            return
        if not state.daily.settled():
            return
        if state.paused_until > asyncio.get_running_loop().time() or state.used_locally:
            return
        if self._locations.get(key) is state:
            del self._locations[key]


def _hopeless(state: _Location, now: float, deadline: float) -> bool:
    """Whether the requests of this process queued ahead for the location, one turn each at
    the pace turns take lately, end past ``deadline``. Such a request is refused at once
    (nothing sent) rather than added to a queue it would leave only at its deadline: one process
    with more locations at their limits than it can serve otherwise queues them all until every
    budget runs out (``benchmarks/tenants.py``, one process, 600 locations, 1 s budgets: 0.07 of
    the demand served before, 0.14-0.16 after)."""
    return now + (state.waiting + 1) * state.turn > deadline


def _timed_turn(state: _Location, took: float) -> None:
    """Fold one turn at the lock into the pace the queue moves at; a drained queue (nobody
    waited behind this turn) forgets it, so a burst on a quiet location is never judged by a
    backlog long gone."""
    if not state.waiting:
        state.turn = 0.0
    else:
        state.turn = (state.turn + took) / 2 if state.turn else took


def _daily_spent(key: str, retry_after: float | None) -> RateLimitError:
    return RateLimitError(
        f"daily request budget for location {key!r} is spent (shared by every worker); "
        "nothing was sent",
        retry_after=retry_after,
        status_code=None,
    )
