"""Admission to the connection pool: at most what its connections carry, locations in turn.

A request that has its location's send slot still needs a connection. Letting every such request
into aiohttp at once would build each one (request object, timer, futures) only to park it in
the connector's first-come queue, where a location with many requests waiting crowds out one
with a few. Here a request that cannot be sent yet is one future in its location's queue, and
when a connection frees up the locations with waiting requests take turns (round robin), so
each gets its share of what the pool can carry.

Past saturation (requests arrive faster than the pool serves them) a queue without a bound only
grows: every waiting request is a live chain of coroutines that the garbage collector walks, and
the process serves less the more waits. A request that cannot be admitted before its own deadline
is therefore refused at once (:meth:`Admission.hopeless`), with the error it would have got at
that deadline, instead of waiting for it. The wait is predicted from the turns ahead of it: its
location's own waiting requests times how long that location's turns take to come round now
(measured), or, before there is such a measurement, the requests the turn order certainly serves
first at the fastest rate the pool recently admitted.

A location with no request waiting is never refused early: its request joins the back of the
turn order and waits one round of turns at most, then has its place or its deadline's error. So
at most one request per location waits past its prediction, and a caller that asks again as
soon as it is refused (a job working through a location, a poller) is not refused again and
again, each refusal costing the process about what a wait would have: when such callers outrun
the pool, refusing them only turns the core over to refusals.

Once it has refused one (arrivals outrun it), a request may wait only a tenth of its budget
until a whole budget passes without a refusal. In a lasting overload the pool serves the same
number whatever the queue's length; a queue as long as the budget only makes each call wait
that long, and holds thousands of waiting calls for the collector to walk. The wait allowed
never drops below two rounds of turns for every location that asked in the last half second:
with less, which locations get a place would be a lottery of arrival times, not turns.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable

from ._deadlines import Deadlines
from .errors import PoolTimeoutError

_RATE_WINDOW = 0.5  # seconds of continuous saturation over which the admission rate is measured
_OVERLOADED_WAIT = 0.1  # share of its budget a request may wait while the pool refuses others


class _Queue(deque[asyncio.Future[float]]):
    """One location's waiting requests, and how often its turn comes round (both set by
    :meth:`Admission.enter`: no ``__init__`` of its own, one frame fewer per wait)."""

    __slots__ = ("interval", "turn_at")

    turn_at: float  # loop time of its last turn (or of joining the turn order)
    interval: float  # recent time between its turns, smoothed (0: not measured yet)


class Admission:
    """At most ``capacity`` requests in the transport at once; locations in turn beyond that.

    Use ``if not gate.try_enter(): await gate.enter(key, deadline)`` before sending and
    ``gate.leave()`` once the response is in (or the attempt failed).

    Args:
        capacity: Requests the pool carries at once (its connection limit).
        clock: The event loop's clock (``loop.time``, the default), for tests.
    """

    __slots__ = (
        "_arrived",
        "_askers",
        "_clock",
        "_deadlines",
        "_left",
        "_longer",
        "_loop",
        "_queues",
        "_rate",
        "_refused_at",
        "_window_left",
        "_window_rate",
        "_window_start",
        "capacity",
        "free",
    )

    def __init__(self, capacity: int, clock: Callable[[], float] | None = None) -> None:
        self.capacity = capacity
        self.free = capacity
        self._clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None  # the pool's, once it is used
        # Locations with waiting requests, in turn order. An OrderedDict, not a dict: taking the
        # first of a dict after many deletions at its front scans their leftovers (quadratic).
        self._queues: OrderedDict[str, _Queue] = OrderedDict()
        self._deadlines = Deadlines()
        # _longer[n]: how many locations have more than n requests waiting (a histogram of
        # queue lengths, so the requests certainly ahead of a new one are counted in O(its turn)).
        self._longer: list[int] = [0]
        self._left = 0  # places given back so far: admissions, once the pool is saturated
        self._window_start = 0.0  # loop time the current rate window began
        self._window_left = 0
        self._window_rate = 0.0  # the last full window's admissions per second
        self._rate = 0.0  # the fastest of the last two windows (0: not known yet)
        self._refused_at = float("-inf")  # loop time of the last early refusal
        self._arrived: set[str] = set()  # locations asking while saturated, this window
        self._askers = 1  # how many asked in the last full window

    def try_enter(self) -> bool:
        """Take a place at once if one is free and nobody is waiting (the O(1) path)."""
        if self.free > 0 and not self._queues:
            self.free -= 1
            return True
        return False

    async def enter(
        self, key: str, deadline: float | None = None, *, refuse_early: bool = True
    ) -> float | None:
        """Wait for a place, taking turns with the other locations that wait; return the loop
        time it was handed over (``None``: one was free at once).

        Args:
            key: The location the request counts against (its turn order).
            deadline: Event-loop time by which a place must be had.
            refuse_early: Refuse at once when none is predicted by ``deadline`` (see
                :meth:`hopeless`); ``False`` waits until the deadline (a token refresh).

        Raises:
            PoolTimeoutError: No place by ``deadline``, or none predicted by then; nothing
                was sent.
        """
        if self.free > 0 and not self._queues:  # (try_enter written out: callers tried it)
            self.free -= 1
            return None
        if refuse_early and deadline is not None and self.hopeless(key, deadline):
            raise self.refusal()
        waiter = (self._loop or self._running_loop()).create_future()
        queue = self._queues.get(key)
        if queue is None:
            now = self._now()
            if not self._queues:  # saturation begins: measure the rate and askers afresh
                self._window_start, self._window_left = now, self._left
                self._window_rate = self._rate = 0.0
                self._arrived.clear()
            queue = self._queues[key] = _Queue()
            queue.turn_at, queue.interval = now, 0.0
        queue.append(waiter)
        length, longer = len(queue), self._longer
        if length > len(longer):
            longer.append(0)
        longer[length - 1] += 1
        return await self._deadlines.wait(
            waiter,
            deadline,
            pass_on=self.leave,
            withdraw=lambda: self._forget(key, waiter),
            timed_out=_no_place_in_time,
        )

    def leave(self) -> None:
        """Free a place: the next location in turn with a waiting request gets it."""
        self._left += 1
        queues = self._queues
        while queues:
            key, queue = queues.popitem(last=False)
            waiter = queue.popleft()
            self._longer[len(queue)] -= 1
            if waiter.done():  # (its wait ended: its deadline, or its task was cancelled)
                if queue:
                    queues[key] = queue
                continue
            clock = self._clock  # (set by the enter() that queued the waiter)
            now = clock() if clock is not None else self._now()
            if queue:  # to the back of the line, its turns measured (an emptied one is let go)
                queues[key] = queue
                interval = now - queue.turn_at
                queue.interval = (queue.interval + interval) / 2 if queue.interval else interval
                queue.turn_at = now
            waiter.set_result(now)
            return
        self.free += 1

    def hopeless(self, key: str, deadline: float, now: float | None = None) -> bool:
        """Whether a request for ``key`` arriving now is predicted to get no place by
        ``deadline`` (event-loop time); False whenever nobody waits, and False for a location
        with no request waiting (see the module's docstring).

        Its location's turn comes round every ``interval`` seconds (measured while it waits),
        and the requests of its own ahead of it each take a turn first. Before that is
        measured: at least the requests the turn order certainly serves first, at the fastest
        rate the pool recently admitted them (none refused while that rate is unknown). While
        the pool has refused a request within the budget, only a tenth of it counts, or two
        rounds of turns for the locations asking if those take longer.

        ``now``: the loop's time, when the caller just read it.
        """
        if not self._queues:
            return False
        if now is None:
            now = self._now()
        self._arrived.add(key)
        if now - self._window_start >= _RATE_WINDOW:
            self._next_window(now)
        rate = self._rate
        queue = self._queues.get(key)
        if queue is None:  # its location's first waiting request: see the module's docstring
            return False
        allowed = deadline - now
        if now - self._refused_at < allowed:  # overloaded: see the module's docstring
            # Two rounds of turns for every location that asked in the last window.
            rounds = 2 * self._askers / rate if rate else float("inf")
            allowed = min(allowed, max(allowed * _OVERLOADED_WAIT, rounds))
        if queue.interval:
            # Its next turn, then one more per request of its own ahead. A turn overdue (its
            # waiters expiring before it comes) shows turns take at least that long now.
            interval = max(queue.interval, now - queue.turn_at)
            return queue.turn_at + interval - now + len(queue) * interval > allowed
        if not rate:
            return False
        # One with n of its own ahead gets its turn n times first, and between two of its
        # turns every other location that still waits gets one: at least min(its queue
        # length, n) of each go first (n of its own included).
        admissible = allowed * rate
        turns = len(queue)
        longer = self._longer
        ahead = 0
        for n in range(min(turns, len(longer))):
            ahead += longer[n]
            if ahead > admissible:
                return True
        return False

    def refusal(self, now: float | None = None) -> PoolTimeoutError:
        """The error for a request :meth:`hopeless` turned away; the refusal is noted (at
        ``now``, the loop's time when the caller just read it)."""
        self._refused_at = self._now() if now is None else now
        return PoolTimeoutError(
            "the connection pool is saturated: more requests wait ahead of this one than it "
            "admits within the call's time budget; nothing was sent"
        )

    @property
    def saturated(self) -> bool:
        """Whether requests wait for a place (only then may :meth:`hopeless` refuse one)."""
        return bool(self._queues)

    @property
    def waiting(self) -> int:
        """Requests waiting for a place."""
        return sum(len(queue) for queue in self._queues.values())

    def _now(self) -> float:
        clock = self._clock
        if clock is None:
            clock = self._clock = self._running_loop().time
        return clock()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        # Asked once: the pool admits only calls on its one loop, and on Python 3.11 every
        # get_running_loop() is a getpid system call.
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        return loop

    def _next_window(self, now: float) -> None:
        """A rate window ended: measure the admission rate and the askers over it."""
        elapsed = now - self._window_start
        self._askers = max(len(self._arrived), 1)
        self._arrived.clear()
        rate = (self._left - self._window_left) / elapsed
        self._rate = max(rate, self._window_rate)
        self._window_rate = rate
        self._window_start, self._window_left = now, self._left

    def _forget(self, key: str, waiter: asyncio.Future[float]) -> None:
        queue = self._queues.get(key)
        if queue is None:
            return
        try:
            queue.remove(waiter)
        except ValueError:
            return
        self._longer[len(queue)] -= 1
        if not queue:
            del self._queues[key]


def _no_place_in_time() -> PoolTimeoutError:
    return PoolTimeoutError(
        "no connection of the pool came free within the call's time budget; nothing was sent"
    )
