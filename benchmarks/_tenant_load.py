"""Drive N locations at a demanded rate each through one client, and measure what was served.

Two kinds of demand:

- open: requests arrive as a web backend's do, each its own task, started on schedule whether
  or not earlier ones finished, spread evenly over the locations. A web backend answers its own
  callers within a budget, so it gives each call a ``timeout`` to match: a call that the
  saturated pool cannot serve within it fails (``PoolTimeoutError``) instead of waiting.
- paced: each location is one worker, as a job that polls or syncs every location at its
  limit: it starts a call every ``1 / rate`` seconds on schedule, or as soon as the last one
  ended when that took longer (never catching up on the calls it missed). Past the process's
  capacity the calls wait instead of piling up, so this measures what the process carries
  without the cost of starting and refusing calls it cannot serve.

Every location has its own token (``for_location(loc, token=...)``), so the server counts each
one apart.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

import aiohttp

import leadconnector_async as lc

TICK = 0.005  # seconds between launches of the requests that came due
POOL = 100  # connections: our connection_limit, and bare aiohttp's in flight for its ceiling


@dataclass
class Served:
    """What one run served, measured over its window only (after the warm-up)."""

    locations: int
    seconds: float
    demanded: int
    served: int
    errors: int
    spread_low: float  # slowest location's rate / mean rate
    spread_high: float  # fastest location's rate / mean rate
    within_25: float  # share of locations within +-25% of the mean rate
    lag_p99_ms: float
    cpu_cores: float  # client CPU seconds per wall second

    @property
    def rate(self) -> float:
        return self.served / self.seconds

    @property
    def share(self) -> float:
        return self.served / self.demanded if self.demanded else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def location_token(n: int) -> tuple[str, str]:
    """Location ``n``'s id and its own token."""
    return f"loc{n}", f"tok-loc{n}"


async def drive(
    url: str,
    locations: range,
    rate: float,
    seconds: float,
    warmup: float,
    limiter: lc.Limiter | None = None,
    timeout: float | None = None,  # noqa: ASYNC109 - the client's per-call setting, passed on
    paced: bool = False,
    bare: bool = False,
) -> Served:
    """Demand ``rate`` gets per second of each location for ``warmup + seconds``; measure the
    window after the warm-up. ``timeout``: each call's (``None``: the client's default);
    ``paced``: each location one worker (see the module's docstring), else open arrivals;
    ``bare``: the same demand on bare aiohttp through a :class:`FifoGate` instead of ours
    (``limiter`` and ``timeout`` unused), the yardstick for a pool that callers outnumber."""
    async with _callers(url, locations, limiter, timeout, bare) as gets:
        return await _demand(gets, rate, seconds, warmup, paced)


@asynccontextmanager
async def _callers(
    url: str,
    locations: range,
    limiter: lc.Limiter | None,
    timeout: float | None,  # noqa: ASYNC109 - the client's per-call setting, passed on
    bare: bool,
) -> AsyncIterator[list[Callable[[str], Awaitable[object]]]]:
    """Each location's get of a contact by id, ours or bare aiohttp's (through one gate)."""
    if bare:
        gate = FifoGate(POOL)
        async with bare_session(POOL) as session:

            async def bare_get(contact_id: str) -> bytes:
                await gate.enter()
                try:
                    async with session.get(f"{url}/contacts/{contact_id}") as response:
                        return await response.read()
                finally:
                    gate.leave()

            yield [bare_get] * len(locations)
        return
    options: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    root = lc.LeadConnector(None, base_url=url, limiter=limiter, connection_limit=POOL, **options)
    async with root:
        clients = [root.for_location(*location_token(n)) for n in locations]
        yield [client.contacts.get for client in clients]


async def _demand(
    gets: list[Callable[[str], Awaitable[object]]],
    rate: float,
    seconds: float,
    warmup: float,
    paced: bool,
) -> Served:
    locations = len(gets)
    served = [0] * locations
    errors = [0]
    measuring = [False]

    async def one(i: int) -> None:
        try:
            await gets[i]("c1")
        except (lc.LeadConnectorError, aiohttp.ClientError):
            errors[0] += measuring[0]
            return
        served[i] += measuring[0]

    async def pace(i: int, due: float) -> None:
        while True:
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await one(i)
            # On schedule (a late wake-up does not push the next call back), and at once
            # after a call that took longer than the period, but never catching up.
            due = max(due + 1 / rate, loop.time())

    lags: list[float] = []
    tasks: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()
    lag_task = asyncio.create_task(_watch_lag(lags, measuring))
    start = loop.time()
    launched = 0
    per_second = rate * locations
    if paced:  # first calls spread evenly over one period, as the open arrivals are
        tasks = {loop.create_task(pace(i, start + i / per_second)) for i in range(locations)}
    cpu_start = 0.0
    while True:
        now = loop.time()
        if not measuring[0] and now - start >= warmup:
            measuring[0], cpu_start, measured_from = True, time.process_time(), now
            served[:] = [0] * len(served)
            demanded_at_start = launched
        if now - start >= warmup + seconds:
            break
        if not paced:
            due = int((now - start) * per_second)
            while launched < due:
                task = loop.create_task(one(launched % locations))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                launched += 1
        await asyncio.sleep(TICK)
    measuring[0] = False
    wall = loop.time() - measured_from
    cpu = time.process_time() - cpu_start
    demanded = round(per_second * wall) if paced else launched - demanded_at_start
    lag_task.cancel()
    for task in list(tasks):
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*tasks, lag_task, return_exceptions=True)
    return _summary(locations, wall, demanded, served, errors[0], lags, cpu)


class FifoGate:
    """The cheapest fair way for callers to share ``places`` connections: first come, first
    served, one future per waiting caller (no deadline, no early refusal, no turns between
    locations). Bare aiohttp behind it is what any client pays once callers outnumber its
    connections and wait: the yardstick for ours in that regime."""

    def __init__(self, places: int) -> None:
        self._free = places
        self._waiting: deque[asyncio.Future[None]] = deque()

    async def enter(self) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        await waiter

    def leave(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


async def _watch_lag(lags: list[float], measuring: list[bool]) -> None:
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(0.01)
        if measuring[0]:
            lags.append(loop.time() - before - 0.01)


def _summary(
    locations: int,
    wall: float,
    demanded: int,
    served: list[int],
    errors: int,
    lags: list[float],
    cpu: float,
) -> Served:
    mean = statistics.fmean(served) or 1.0
    within = sum(abs(s / mean - 1) <= 0.25 for s in served) / len(served)
    # A loop too busy to wake the watcher often has lagged at least as long as its longest gap.
    few = len(lags) < 100
    lag = max(lags, default=wall) if few else statistics.quantiles(lags, n=100)[98]
    return Served(
        locations,
        wall,
        demanded,
        sum(served),
        errors,
        min(served) / mean,
        max(served) / mean,
        within,
        lag * 1000,
        cpu / wall,
    )


def bare_session(in_flight: int) -> aiohttp.ClientSession:
    """Bare aiohttp as the benchmarks race it: one session, ``in_flight`` connections, the
    server's unlimited token."""
    headers = {"Authorization": "Bearer bare", "Version": "2021-07-28"}
    connector = aiohttp.TCPConnector(limit=in_flight)
    return aiohttp.ClientSession(connector=connector, headers=headers)


async def ceiling(url: str, seconds: float, in_flight: int = POOL) -> float:
    """Bare aiohttp's requests per second against the same server (unlimited token)."""
    done = [0]
    async with bare_session(in_flight) as session:
        stop = time.monotonic() + seconds

        async def worker() -> None:
            while time.monotonic() < stop:
                async with session.get(f"{url}/contacts/c1") as response:
                    await response.read()
                done[0] += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        return done[0] / (time.monotonic() - started)
