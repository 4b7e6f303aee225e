"""Per-location rate limiting: never more than ``max_requests`` in any window of ``period``.

Each location has ``max_requests`` send slots. A request takes a slot before it is sent and the
slot comes back one period after the response arrived. The server counted the request at some
moment before the response reached us, so a reused slot's next request reaches the server at
least one period after the previous one: no server-side window can hold more than
``max_requests`` of ours, whatever the latency. An aiolimiter bucket of the same size shapes the
sends inside that bound, and an idle location still gets its whole burst at once.

Server headers and 429s correct the picture: slots another process used (seen as a lower
``X-RateLimit-Remaining`` than ours explains) are held back for a period, a 429 pauses the
location, and the daily budget refuses to send once it is spent.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aiolimiter import AsyncLimiter

from ._config import RateLimit
from ._protocol import RateLimitSnapshot
from .errors import RateLimitError

_DAY = 86_400.0
# A slot returns a hair later than one period so clock granularity never lets a window hold
# max_requests + 1 requests.
_SLOT_MARGIN = 1.001


@dataclass(frozen=True, slots=True)
class SendTicket:
    """What the limiter knew when it let one request through, for reading that request's answer.

    The server counts a request when it arrives, and says what remains as of then; by the time
    the answer reaches us, some of our slots may have come back. Knowing how many slots were
    held at send time and how many were taken since bounds what the server can have counted of
    ours, so its figures are not mistaken for someone else's use.

    Attributes:
        held: Slots held just after this request took its own.
        acquired: Slots taken for this location so far, this one included.
    """

    held: int
    acquired: int


@dataclass(frozen=True, slots=True)
class RateLimitStatus:
    """The latest picture of one location's budget, for dashboards.

    Attributes:
        in_use: Slots held by requests in flight or cooling down (local view).
        capacity: Requests allowed per window (local setting, lowered by the server's ``Max``).
        server: The last ``X-RateLimit-*`` figures the server sent, if any.
        daily_used: Requests sent today by this process.
        paused_for: Seconds until a 429-triggered pause ends (0 if none).
    """

    in_use: int
    capacity: int
    server: RateLimitSnapshot | None
    daily_used: int
    paused_for: float


class Limiter(Protocol):
    """The seam the client sends through; in-process by default, shareable via other backends."""

    async def acquire(self, key: str) -> SendTicket | None:
        """Wait until one more request for ``key`` may be sent; return its ticket, if any."""

    def release(self, key: str) -> None:
        """The request's response arrived (or the attempt ended): its slot may start cooling."""

    def observe(
        self, key: str, snapshot: RateLimitSnapshot, ticket: SendTicket | None = None
    ) -> None:
        """Let the headers of the answer to ``ticket``'s request correct the local picture."""

    def penalize(self, key: str, seconds: float) -> None:
        """The server answered 429: send nothing more for ``key`` for ``seconds``."""

    def status(self, key: str) -> RateLimitStatus | None:
        """The latest figures for ``key``, or ``None`` if nothing was sent for it."""


class _Slots:
    """A counting semaphore whose capacity can change and whose waiters are served in order."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if self.used < self.capacity and not self._waiters:
            self.used += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot was handed to us as we were cancelled: pass it on
            elif waiter in self._waiters:  # ``_wake`` may have dropped it (cancelled) already
                self._waiters.remove(waiter)
            raise

    def release(self, count: int = 1) -> None:
        self.used -= count
        self._wake()

    def take(self, count: int) -> None:
        """Occupy ``count`` slots at once without waiting (may exceed the capacity)."""
        self.used += count

    def _wake(self) -> None:
        while self._waiters and self.used < self.capacity:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.used += 1
                waiter.set_result(None)


class _LocationLimiter:
    def __init__(self, key: str, limit: RateLimit, clock: Callable[[], float]) -> None:
        self._key = key
        self._limit = limit
        self._clock = clock
        self._loop = asyncio.get_running_loop()
        self._slots = _Slots(limit.max_requests)
        self._cooling: deque[tuple[float, int]] = deque()  # (loop time due, slots), oldest first
        self._cooling_timer: asyncio.TimerHandle | None = None
        self._bucket = AsyncLimiter(limit.max_requests, limit.period)
        self._period = limit.period
        self._paused_until = 0.0
        self._server: RateLimitSnapshot | None = None
        self._day_start = clock()
        self._daily_used = 0
        self._daily_left: int | None = None
        self._acquired = 0

    async def acquire(self) -> SendTicket:
        while not await self._try_acquire():
            pass
        self._daily_used += 1
        if self._daily_left is not None:
            self._daily_left -= 1
        self._acquired += 1
        return SendTicket(self._slots.used, self._acquired)

    async def _try_acquire(self) -> bool:
        """Take a slot; False when a 429 paused the location while we waited (try again).

        The daily budget and the pause are checked again once the slot is ours, because many
        requests may have queued behind one that spent the budget or drew a 429.
        """
        self._check_daily()
        pause = self._paused_until - self._clock()
        if pause > 0:
            await asyncio.sleep(pause)
        await self._slots.acquire()
        try:
            await self._bucket.acquire()
            self._check_daily()
        except BaseException:
            self._slots.release()
            raise
        if self._paused_until > self._clock():
            self._slots.release()  # never used: it goes back at once
            return False
        return True

    def release(self) -> None:
        self._cool(1)

    def _cool(self, count: int) -> None:
        """Return ``count`` slots one period from now.

        The period never shrinks, so returns come due in the order they were queued: one
        timer set for the oldest serves them all (at thousands of requests per second, a timer
        each would cost a heap operation per request).
        """
        due = self._loop.time() + self._period * _SLOT_MARGIN
        self._cooling.append((due, count))
        if self._cooling_timer is None:
            self._cooling_timer = self._loop.call_at(due, self._return_cooled)

    def _return_cooled(self) -> None:
        # The timer was set for the oldest entry; return it and any others due by now.
        returned = self._cooling.popleft()[1]
        now = self._loop.time()
        while self._cooling and self._cooling[0][0] <= now:
            returned += self._cooling.popleft()[1]
        self._cooling_timer = (
            self._loop.call_at(self._cooling[0][0], self._return_cooled) if self._cooling else None
        )
        self._slots.release(returned)

    def observe(self, snapshot: RateLimitSnapshot, ticket: SendTicket | None) -> None:
        self._server = snapshot
        if snapshot.interval_ms:
            self._period = max(self._period, snapshot.interval_ms / 1000.0)
        if snapshot.max is not None and 0 < snapshot.max < self._slots.capacity:
            self._slots.capacity = snapshot.max
        if snapshot.daily_remaining is not None:
            self._daily_left = snapshot.daily_remaining
        if snapshot.remaining is not None and ticket is not None:
            self._hold_foreign_slots(snapshot.remaining, ticket)

    def _hold_foreign_slots(self, server_remaining: int, ticket: SendTicket) -> None:
        # Every request of ours the server counted held its slot when this one arrived, so at
        # most ticket.held + (taken since) of the server's count is ours; the rest was spent by
        # someone else sharing this budget. Hold that many back for a period.
        ours_at_most = ticket.held + (self._acquired - ticket.acquired)
        foreign = (self._slots.capacity - ours_at_most) - server_remaining
        if foreign > 0:
            self._slots.take(foreign)
            self._cool(foreign)

    def penalize(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _check_daily(self) -> None:
        now = self._clock()
        if now - self._day_start >= _DAY:
            self._day_start, self._daily_used, self._daily_left = now, 0, None
        spent_locally = self._limit.daily is not None and self._daily_used >= self._limit.daily
        if spent_locally or (self._daily_left is not None and self._daily_left <= 0):
            raise RateLimitError(
                f"daily request budget for location {self._key!r} is spent "
                f"({self._daily_used} sent by this process today); nothing was sent",
                retry_after=max(0.0, self._day_start + _DAY - now),
                status_code=None,
            )

    def status(self) -> RateLimitStatus:
        return RateLimitStatus(
            in_use=self._slots.used,
            capacity=self._slots.capacity,
            server=self._server,
            daily_used=self._daily_used,
            paused_for=max(0.0, self._paused_until - self._clock()),
        )


class LocalLimiter:
    """The default in-process limiter: one set of slots and one aiolimiter bucket per location.

    Location limiters are created on first use, inside the running event loop.
    """

    def __init__(self, limit: RateLimit, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._locations: dict[str, _LocationLimiter] = {}

    def _for(self, key: str) -> _LocationLimiter:
        limiter = self._locations.get(key)
        if limiter is None:
            limiter = self._locations[key] = _LocationLimiter(key, self._limit, self._clock)
        return limiter

    async def acquire(self, key: str) -> SendTicket:
        return await self._for(key).acquire()

    def release(self, key: str) -> None:
        self._for(key).release()

    def observe(
        self, key: str, snapshot: RateLimitSnapshot, ticket: SendTicket | None = None
    ) -> None:
        self._for(key).observe(snapshot, ticket)

    def penalize(self, key: str, seconds: float) -> None:
        self._for(key).penalize(seconds)

    def status(self, key: str) -> RateLimitStatus | None:
        limiter = self._locations.get(key)
        return limiter.status() if limiter is not None else None


class Unlimited:
    """A limiter that never waits (``rate_limit=None``)."""

    async def acquire(self, key: str) -> None:
        return None

    def release(self, key: str) -> None:
        return None

    def observe(
        self, key: str, snapshot: RateLimitSnapshot, ticket: SendTicket | None = None
    ) -> None:
        return None

    def penalize(self, key: str, seconds: float) -> None:
        return None

    def status(self, key: str) -> RateLimitStatus | None:
        return None
