"""Per-location rate limiting: never more than ``max_requests`` in any window of ``period``.

Each location has ``max_requests`` send slots. A request takes a slot before it is sent and the
slot comes back one period after the response arrived. The server counted the request at some
moment before the response reached us, so a reused slot's next request reaches the server at
least one period after the previous one: no server-side window can hold more than
``max_requests`` of ours, whatever the latency, and an idle location gets its whole burst at
once. (An aiolimiter bucket of the same size, which earlier versions also consulted, never held a
request the slots had let through, so the hot path no longer pays for it.)

A request that finds no free slot waits as one future in its location's queue, served in order;
with free slots it takes the O(1) path: one comparison, one daily-budget check, no timer. A
released slot joins the tick's list, and every location's returns share one timer that fires once
per tick (a slot comes back up to two ticks late, never early), so the loop does no timer work per
request.

Server headers and 429s correct the picture (clamped, see ``_feedback``): slots another process
used (seen as a lower ``X-RateLimit-Remaining`` than ours explains) are held back for a period,
a 429 pauses the location, the daily budget (``_daily``) refuses while the server says it is
spent. A location with nothing in flight, nothing cooling and no pause is forgotten, so memory
follows the active locations only.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Mapping

from ._config import RateLimit
from ._cooling import CoolingQueue
from ._daily import DailyBudget
from ._deadlines import Deadlines
from ._feedback import plausible_capacity, plausible_period, plausible_remaining
from ._limiter_seam import Limiter, Permit, RateLimitStatus, Unlimited, paused, timed_out
from ._rate_headers import RateLimitSnapshot, read_rate_limit, usual_figures

__all__ = ["Limiter", "LocalLimiter", "Permit", "RateLimitStatus", "Unlimited"]

# A slot returns a hair later than one period so clock granularity never lets a window hold
# max_requests + 1 requests.
_SLOT_MARGIN = 1.001


class _Location:
    """One location's slots, queue, pause, header feedback and daily budget."""

    __slots__ = (
        "acquired",
        "capacity",
        "daily",
        "feedback_until",
        "key",
        "merged_into",
        "paused_until",
        "period",
        "server",
        "used",
        "waiters",
    )

    def __init__(self, key: str, limit: RateLimit, wall_clock: Callable[[], float]) -> None:
        self.key = key
        self.capacity = limit.max_requests
        self.period = limit.period
        self.used = 0  # slots in flight or cooling
        self.acquired = 0
        self.waiters: deque[asyncio.Future[None]] | None = None
        self.paused_until = 0.0  # loop time; 0.0 when not paused
        self.feedback_until = 0.0  # loop time until which header-set limits hold
        # The last answer's figures: a snapshot, or the usual answer's headers as they came.
        self.server: RateLimitSnapshot | Mapping[str, str] | None = None
        self.daily = DailyBudget(limit.daily, limit.daily_probe_interval, wall_clock)
        self.merged_into: _Location | None = None


class LocalLimiter:
    """The default in-process limiter: one set of slots and one queue per active location.

    Args:
        limit: The per-location limit.
        wall_clock: Unix-seconds clock for the daily budget (windows use the loop's clock).
    """

    def __init__(self, limit: RateLimit, *, wall_clock: Callable[[], float] = time.time) -> None:
        self._limit = limit
        self._wall_clock = wall_clock
        self._states: dict[str, _Location] = {}
        # Cooling slots of every location, oldest first, one queue per period length.
        self._cooling: dict[float, CoolingQueue[_Location]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._tick = min(0.01, limit.period / 200)
        # The figures a server confirming our own limits sends: nothing to correct.
        self._configured = (limit.max_requests, round(limit.period * 1000))
        self._confirmed = (str(self._configured[0]), str(self._configured[1]))  # as text
        self._loop: asyncio.AbstractEventLoop | None = None
        self._deadlines = Deadlines()  # of queued requests, on one timer
        self._released: list[_Location] = []  # slots released this tick, not yet cooling

    @property
    def active_locations(self) -> int:
        """Locations with state kept (something in flight, cooling, paused or counted)."""
        return len(self._states)

    def try_acquire(self, key: str) -> Permit | None:
        """A permit at once if a slot is free and nobody waits (no coroutine); else ``None``.

        Raises:
            RateLimitError: The daily budget is spent; nothing was sent.
        """
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _Location(key, self._limit, self._wall_clock)
        if state.used < state.capacity and not state.waiters and not state.paused_until:
            state.daily.admit(key)
            state.used += 1
            state.acquired += 1
            return Permit(key, state.used, state.acquired, state)
        return None

    async def acquire(self, key: str, deadline: float | None = None) -> Permit:
        return self.try_acquire(key) or await self._queued(self._states[key], deadline)

    async def _queued(self, state: _Location, deadline: float | None) -> Permit:
        loop = self._running_loop()
        while True:
            state = self._current(state)
            if state.paused_until:
                pause = state.paused_until - loop.time()
                if pause > 0:
                    if deadline is not None and loop.time() + pause > deadline:
                        raise paused(state.key, pause)
                    await asyncio.sleep(pause)
                    continue
                state.paused_until = 0.0
            if state.used < state.capacity and not state.waiters:
                state.used += 1
            else:
                await self._wait_turn(state, loop, deadline)
                state = self._current(state)  # (the slot was counted where it was handed over)
            if state.paused_until > loop.time():  # a 429 paused the location while we waited
                self._give_back(state, 1)  # never used: it goes back at once
                continue
            try:
                state.daily.admit(state.key)
            except BaseException:
                self._give_back(state, 1)
                raise
            state.acquired += 1
            return Permit(state.key, state.used, state.acquired, state)

    def _current(self, state: _Location) -> _Location:
        """The state that now holds ``state``'s slots: while a request slept out a pause, its
        bucket may have joined its location's (:meth:`alias`) or been forgotten."""
        while state.merged_into is not None:
            state = state.merged_into
        return self._states.setdefault(state.key, state)

    async def _wait_turn(
        self, state: _Location, loop: asyncio.AbstractEventLoop, deadline: float | None
    ) -> None:
        """Queue until a slot is handed over (``used`` already counts it on return)."""
        waiter = loop.create_future()
        if state.waiters is None:
            state.waiters = deque()
        waiters = state.waiters
        waiters.append(waiter)

        def withdraw() -> None:
            with contextlib.suppress(ValueError):  # moved by alias(): skipped there
                waiters.remove(waiter)

        await self._deadlines.wait(
            waiter,
            deadline,
            pass_on=lambda: self._give_back(state, 1),
            withdraw=withdraw,
            timed_out=lambda: timed_out(state.key, "no slot freed up"),
        )

    def release(self, permit: Permit) -> None:
        self._release(permit.entry)

    def finish(self, permit: Permit, headers: Mapping[str, str]) -> None:
        """The answer to the permit's request arrived: :meth:`release` its slot and
        :meth:`observe` the answer's rate-limit ``headers``, in the one call every answer costs.

        The usual answer (the server confirming our own limits) is settled without building a
        snapshot: the headers are kept as they came, read only if :meth:`status` asks.
        """
        state: _Location = permit.entry
        self._release(state)
        if not state.feedback_until and state.merged_into is None:
            figures = usual_figures(headers, self._confirmed)
            if figures is not None:
                state.server = headers
                self._settle(state, permit, *figures)
                return
        snapshot = read_rate_limit(headers)
        if snapshot is not None:
            self.observe(permit, snapshot)

    def _release(self, state: _Location) -> None:
        released = self._released
        if not released or self._loop is None or self._loop.is_closed():
            # The first of this tick (the tick's end starts them all cooling), or the first
            # since the loop that held the tick's timer closed. (Not get_running_loop(): on
            # Python 3.11 it costs a getpid system call, on every response.)
            loop = self._running_loop()
            released = self._released  # (a new loop took over the old tick's list)
            if not released:
                loop.call_at(loop.time() + self._tick, self._cool_released)
        released.append(state)

    def unused(self, permit: Permit) -> None:
        state: _Location = permit.entry
        state.daily.refund()
        # Not counted as sent: header feedback judges the server's count by what was sent.
        state.acquired -= 1
        self._give_back(state, 1)

    def _cool_released(self) -> None:
        """Start the period of every slot released this tick (due from now: never early)."""
        released, self._released = self._released, []
        periods = {state.period for state in released}
        if len(periods) == 1:
            self._cool(periods.pop(), released)
            return
        for period in periods:
            self._cool(period, [state for state in released if state.period == period])

    def _cool(self, period: float, owners: list[_Location], each: int = 1) -> None:
        """Return ``each`` slots for each of ``owners`` one ``period`` from now (one timer for
        all)."""
        loop = self._running_loop()
        due = loop.time() + period * _SLOT_MARGIN
        queue = self._cooling.get(period)
        if queue is None:
            queue = self._cooling[period] = CoolingQueue()
        queue.push(due, owners, each)
        if self._timer is None or due + self._tick < self._timer_at:
            self._arm(loop, due)

    def _arm(self, loop: asyncio.AbstractEventLoop, due: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = due + self._tick
        self._timer = loop.call_at(self._timer_at, self._return_cooled)

    def _return_cooled(self) -> None:
        self._timer = None
        loop = self._running_loop()
        now = loop.time()
        next_due = float("inf")
        for period, queue in list(self._cooling.items()):
            for state, count in queue.pop_due(now):
                self._give_back(state, count)
            due = queue.next_due
            if due is None:
                del self._cooling[period]
            else:
                next_due = min(next_due, due)
        if next_due != float("inf"):
            self._arm(loop, next_due)

    def _give_back(self, state: _Location, count: int) -> None:
        while state.merged_into is not None:
            state = state.merged_into
        state.used -= count
        if state.feedback_until and self._running_loop().time() >= state.feedback_until:
            self._revert(state)  # a period without confirmation: back to the configured limit
        if state.waiters:
            self._wake(state)
        self._forget_if_idle(state)

    def _idle(self, state: _Location) -> bool:
        return state.paused_until <= self._running_loop().time() and state.daily.settled()

    def _wake(self, state: _Location) -> None:
        waiters = state.waiters
        while waiters and state.used < state.capacity:
            waiter = waiters.popleft()
            if not waiter.done():
                state.used += 1
                waiter.set_result(None)

    def observe(self, permit: Permit, snapshot: RateLimitSnapshot) -> None:
        state: _Location = permit.entry
        if state.merged_into is not None:
            return  # its figures were judged against a bucket that no longer exists
        state.server = snapshot
        if state.feedback_until or (snapshot.max, snapshot.interval_ms) != self._configured:
            self._feedback(state, snapshot)
        self._settle(
            state, permit, snapshot.remaining, snapshot.daily_remaining, snapshot.daily_limit
        )

    def _settle(
        self,
        state: _Location,
        permit: Permit,
        remaining: int | None,
        daily_remaining: int | None,
        daily_limit: int | None,
    ) -> None:
        """Judge the answer's remaining figures against what was known when it was sent."""
        sent_since = state.acquired - permit.acquired
        if daily_remaining is not None:
            state.daily.observe(daily_remaining, daily_limit, sent_since)
        if remaining is not None:
            # Every request of ours the server counted held its slot when this one arrived, so
            # at most permit.held + (taken since) of its count is ours; the rest was spent by
            # someone else sharing this budget. Hold that many back for a period.
            capacity = state.capacity
            if not 0 <= remaining <= capacity:  # (a chained comparison: the usual case is cheap)
                remaining = plausible_remaining(remaining, capacity)
            foreign = capacity - permit.held - sent_since - remaining
            if foreign > 0:
                state.used += foreign
                self._cool(state.period, [state], foreign)

    def _feedback(self, state: _Location, snapshot: RateLimitSnapshot) -> None:
        """Limits the server's ``Max`` and interval set, clamped (none when it sends neither)."""
        if snapshot.max is None and snapshot.interval_ms is None:
            return
        limit = self._limit
        capacity, period = state.capacity, state.period
        if snapshot.max is not None:
            capacity = plausible_capacity(snapshot.max, limit.max_requests)
        if snapshot.interval_ms is not None:
            period = plausible_period(snapshot.interval_ms, limit.period)
        self._set_limits(state, capacity, period)

    def _set_limits(self, state: _Location, capacity: int, period: float) -> None:
        differs = capacity != self._limit.max_requests or period != self._limit.period
        state.feedback_until = (
            self._running_loop().time() + max(period, self._limit.period) if differs else 0.0
        )
        grew = capacity > state.capacity
        state.capacity, state.period = capacity, period
        if grew and state.waiters:
            self._wake(state)

    def _revert(self, state: _Location) -> None:
        state.feedback_until = 0.0
        state.capacity, state.period = self._limit.max_requests, self._limit.period

    def penalize(self, key: str, seconds: float) -> None:
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _Location(key, self._limit, self._wall_clock)
        loop = self._running_loop()
        until = loop.time() + seconds
        if until > state.paused_until:
            state.paused_until = until
            # Nobody may ask for it again (the caller gave up in its back-off), and nothing
            # else looks at an idle location: see whether it can go once the pause is over.
            loop.call_at(until + self._tick, self._forget_if_idle, state)

    def _forget_if_idle(self, state: _Location) -> None:
        idle = state.used <= 0 and not state.waiters and self._idle(state)
        if idle and self._states.get(state.key) is state:
            del self._states[state.key]

    def alias(self, key: str, location: str) -> None:
        old = self._states.pop(key, None)
        if old is None or key == location:
            if old is not None:
                self._states[key] = old
            return
        new = self._states.get(location)
        if new is None:
            old.key = location
            self._states[location] = old
            return
        # Both exist: the location's bucket carries the token bucket's slots until they come
        # back (its returns and releases are forwarded), and serves its queue.
        old.merged_into = new
        new.used += old.used
        new.paused_until = max(new.paused_until, old.paused_until)
        if old.waiters:
            if new.waiters is None:
                new.waiters = deque()
            new.waiters.extend(old.waiters)
            old.waiters.clear()
        if new.waiters:
            self._wake(new)

    def status(self, key: str) -> RateLimitStatus | None:
        state = self._states.get(key)
        if state is None:
            return None
        paused = state.paused_until - self._running_loop().time() if state.paused_until else 0.0
        server = state.server
        return RateLimitStatus(
            in_use=state.used,
            capacity=state.capacity,
            server=read_rate_limit(server) if isinstance(server, Mapping) else server,
            daily_used=state.daily.used,
            paused_for=max(0.0, paused),
        )

    def would_wait(self, key: str) -> bool:
        state = self._states.get(key)
        if state is None:
            return False
        paused = bool(state.paused_until) and state.paused_until > self._running_loop().time()
        return state.used >= state.capacity or bool(state.waiters) or paused

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is None or loop.is_closed():
            closed, loop = loop, asyncio.get_running_loop()
            self._loop = loop
            if closed is not None:
                self._take_over(loop)
        return loop

    def _take_over(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop that held this limiter's timers closed (``asyncio.run`` returned) and
        another uses it now: its timers died with the old loop, so slots still to come back
        would never return. Re-arm them here, the tick's released slots cooling from now."""
        self._timer = None
        self._deadlines = Deadlines()  # the old loop's waiters went with it
        dues = [queue.next_due for queue in self._cooling.values()]
        earliest = min((due for due in dues if due is not None), default=None)
        if earliest is not None:
            self._arm(loop, earliest)
        if self._released:
            self._cool_released()
