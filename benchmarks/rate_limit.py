"""Rate-limit benchmark: saturate a strict rolling window and report how much of it we use.

    python -m benchmarks.rate_limit [--requests 1200] [--max 100] [--period 1.0]

Runs the fake server (in this process, strict rolling window) and sends ``--requests`` GETs at
concurrency 50 through (a) our limiter and (b) a plain aiolimiter bucket of the same size, for
comparison, then (c) as many upserts through ``bulk_upsert`` (concurrency 20) with our limiter.
Prints achieved rate / allowed rate, 429s, and how long the first burst took. (The test suite
asserts only the counts of these runs; the rates depend on the machine's load, so they live here.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiolimiter import AsyncLimiter

import leadconnector_async as lc
from benchmarks._results import machine, write_section
from leadconnector_async.testing import FakeLeadConnector, FakeRateLimit

CONCURRENCY = 50


@dataclass
class Run:
    name: str
    elapsed: float
    first_burst: float
    rejected: int
    ok: int


async def _drive(
    total: int, call: Callable[[], Awaitable[object]], burst: int
) -> tuple[float, float]:
    done = 0
    first_burst = math.inf
    started = time.perf_counter()
    numbers = iter(range(total))

    async def worker() -> None:
        nonlocal done, first_burst
        for _ in numbers:
            with contextlib.suppress(lc.RateLimitError):
                await call()
            done += 1
            if done == burst:
                first_burst = time.perf_counter() - started

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - started, first_burst


async def _measure(name: str, total: int, limit: FakeRateLimit, ours: bool) -> Run:
    async with FakeLeadConnector(rate_limit=limit) as fake:
        contact_id = fake.store.create(fake.location_id, {"firstName": "Bench"})["id"]
        client_limit = lc.RateLimit(limit.max_requests, limit.period, daily=None) if ours else None
        async with lc.LeadConnector(
            fake.token, base_url=fake.url, rate_limit=client_limit, max_retries=0 if not ours else 3
        ) as client:
            bucket = AsyncLimiter(limit.max_requests, limit.period)

            async def call() -> object:
                if ours:
                    return await client.contacts.get(contact_id)
                async with bucket:
                    return await client.contacts.get(contact_id)

            elapsed, burst = await _drive(total, call, min(limit.max_requests, total))
    return Run(name, elapsed, burst, fake.stats.rate_limited, fake.stats.statuses[200])


async def _measure_bulk(total: int, limit: FakeRateLimit) -> Run:
    rows = (lc.ContactCreate(email=f"bench{n}@example.com") for n in range(total))
    client_limit = lc.RateLimit(limit.max_requests, limit.period, daily=None)
    async with (
        FakeLeadConnector(rate_limit=limit) as fake,
        lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=client_limit
        ) as client,
    ):
        result = await client.contacts.bulk_upsert(rows, concurrency=20)
    return Run("bulk_upsert (ours)", result.elapsed, math.nan, fake.stats.rate_limited, result.ok)


def _report(runs: list[Run], total: int, limit: FakeRateLimit) -> str:
    ideal = (math.ceil(total / limit.max_requests) - 1) * limit.period
    lines = [
        f"{total} GETs at concurrency {CONCURRENCY} (and {total} bulk upserts) against a strict "
        "rolling window of "
        f"{limit.max_requests} per {limit.period:g} s (fake server in-process).",
        "",
        "| limiter | achieved / allowed rate | 429s | ok | first burst of "
        f"{limit.max_requests} | elapsed |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        burst = (
            f"{run.first_burst * 1000:.0f} ms ({run.first_burst / limit.period:.1%} of a window)"
            if not math.isnan(run.first_burst)
            else "-"
        )
        lines.append(
            f"| {run.name} | {ideal / run.elapsed:.3f} | {run.rejected} | {run.ok} | {burst} "
            f"| {run.elapsed:.2f} s |"
        )
    lines += [
        "",
        "Achieved / allowed: the least time a strict window allows for these requests "
        "((ceil(N/max) - 1) periods) divided by the time taken; 1.0 is the limit used to the full.",
        "The plain bucket admits a full burst and then refills, so a rolling window refuses "
        "part of what it sends; ours returns each slot one period after its response arrived.",
    ]
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1200)
    parser.add_argument("--max", type=int, default=100)
    parser.add_argument("--period", type=float, default=1.0)
    args = parser.parse_args()
    limit = FakeRateLimit(args.max, args.period)
    runs = [
        await _measure("leadconnector_async", args.requests, limit, ours=True),
        await _measure("plain aiolimiter bucket", args.requests, limit, ours=False),
        await _measure_bulk(args.requests, limit),
    ]
    report = _report(runs, args.requests, limit)
    command = (
        f"python -m benchmarks.rate_limit --requests {args.requests} --max {args.max} "
        f"--period {args.period}"
    )
    print(report)
    write_section("Rate limit", f"Command: `{command}`\n\nMachine: {machine()}\n\n{report}")


if __name__ == "__main__":
    asyncio.run(main())
