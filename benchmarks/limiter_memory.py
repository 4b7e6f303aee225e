"""Limiter memory per location: while locations are active, and once they are idle (evicted).

    python -m benchmarks.limiter_memory [--locations 10000] [--rounds 3] [--period 0.5]

Each round sends one request for each of ``--locations`` new locations, then waits until every
slot has cooled (one period): a location with nothing in flight, nothing cooling and no pause
is forgotten. Two ways, in one process:

1. the in-process limiter driven directly (acquire, the API's five rate-limit headers observed,
   release): the limiter's own state, measured with ``tracemalloc`` (bytes allocated by the
   limiter's modules and still held) and as RSS;
2. through the client (``pool.for_location(loc).contacts.get``) against the fake server in its
   own process, sending the five headers: the client's RSS, end to end.

Later rounds use new locations again: RSS that stays flat across rounds shows memory follows the
active locations only (freed state is reused), where it used to grow ~2.9 KB per location ever
seen.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import time
import tracemalloc
from dataclasses import dataclass

import leadconnector_async as lc
from benchmarks._results import machine, write_section
from benchmarks.bulk import rss_mb
from benchmarks.compare import bench_contact, fake_server
from leadconnector_async._rate_headers import RateLimitSnapshot
from leadconnector_async._ratelimit import LocalLimiter

LIMITER_FILES = ("*/_ratelimit.py", "*/_daily.py", "*/_limiter_seam.py", "*/_feedback.py")
CONCURRENCY = 64


@dataclass
class Round:
    """Memory after one round: with its locations active, then after they went idle."""

    active_locations: int
    active_bytes: int  # limiter allocations held (tracemalloc), 0 when not traced
    active_rss_mb: float
    idle_locations: int
    idle_bytes: int
    idle_rss_mb: float


def limiter_bytes() -> int:
    """Bytes the limiter's modules allocated and still hold."""
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(True, pattern) for pattern in LIMITER_FILES]
    )
    return sum(stat.size for stat in snapshot.statistics("filename"))


def headers(period: float) -> RateLimitSnapshot:
    """What the API says after one request in a fresh window."""
    return RateLimitSnapshot(
        remaining=99,
        max=100,
        interval_ms=round(period * 1000),
        daily_remaining=199_999,
        daily_limit=200_000,
    )


async def settle(period: float) -> None:
    """Wait until every slot released so far has cooled (a period and the timer's tick)."""
    await asyncio.sleep(period * 1.01 + 0.05)
    gc.collect()


async def direct_round(
    limiter: LocalLimiter, prefix: str, count: int, period: float, traced: bool
) -> Round:
    snapshot = headers(period)
    for n in range(count):
        permit = await limiter.acquire(f"{prefix}-{n}")
        limiter.observe(permit, snapshot)
        limiter.release(permit)
    gc.collect()
    active = (limiter.active_locations, limiter_bytes() if traced else 0, rss_mb())
    await settle(period)
    return Round(*active, limiter.active_locations, limiter_bytes() if traced else 0, rss_mb())


async def direct(count: int, rounds: int, limit: lc.RateLimit) -> tuple[list[Round], int, float]:
    """Rounds on one limiter: untraced first (RSS, as deployed), then traced (bytes)."""
    limiter = LocalLimiter(limit)
    await direct_round(limiter, "warm-up", 100, limit.period, traced=False)
    gc.collect()
    base_rss = rss_mb()
    untraced = [
        await direct_round(limiter, f"r{n}", count, limit.period, traced=False)
        for n in range(rounds)
    ]
    tracemalloc.start()
    await direct_round(limiter, "warm-up", 100, limit.period, traced=True)
    base_bytes = limiter_bytes()
    traced = [
        await direct_round(limiter, f"t{n}", count, limit.period, traced=True)
        for n in range(rounds)
    ]
    tracemalloc.stop()
    for bytes_seen, rss_seen in zip(traced, untraced, strict=True):
        rss_seen.active_bytes, rss_seen.idle_bytes = bytes_seen.active_bytes, bytes_seen.idle_bytes
    return untraced, base_bytes, base_rss


async def client_round(
    pool: lc.LeadConnector, token: str, contact_id: str, prefix: str, count: int, period: float
) -> Round:
    names = iter(range(count))

    async def worker() -> None:
        for n in names:
            await pool.for_location(f"{prefix}-{n}", token=token).contacts.get(contact_id)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    gc.collect()
    limiter = pool._pool.limiter
    assert isinstance(limiter, LocalLimiter)
    active = (limiter.active_locations, 0, rss_mb())
    await settle(period)
    return Round(*active, limiter.active_locations, 0, rss_mb())


def table(title: str, base_rss: float, base_bytes: int, rounds: list[Round], count: int) -> str:
    lines = [
        f"{title}",
        "",
        "| round | locations kept, active | limiter bytes per location, active | RSS above "
        "start, active (MB) | locations kept, idle | limiter bytes per location, idle | RSS "
        "above start, idle (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, r in enumerate(rounds, 1):
        per_active = f"{(r.active_bytes - base_bytes) / count:,.0f}" if r.active_bytes else "-"
        per_idle = f"{(r.idle_bytes - base_bytes) / count:,.1f}" if r.idle_bytes else "-"
        lines.append(
            f"| {number} | {r.active_locations:,} | {per_active} | "
            f"{r.active_rss_mb - base_rss:,.1f} | {r.idle_locations:,} | {per_idle} | "
            f"{r.idle_rss_mb - base_rss:,.1f} |"
        )
    return "\n".join(lines)


async def run(count: int, rounds: int, period: float, client_period: float) -> str:
    limit = lc.RateLimit(max_requests=100, period=period)
    by_limiter, base_bytes, base_rss = await direct(count, rounds, limit)
    limit = lc.RateLimit(max_requests=100, period=client_period)
    with fake_server(100, headers=True, period=client_period) as server:
        contact_id = await bench_contact(server)
        async with lc.LeadConnector(None, base_url=server.url, rate_limit=limit) as pool:
            token, warm = server.token, "warm-up"
            await client_round(pool, token, contact_id, warm, 200, client_period)
            client_base = rss_mb()
            client = [
                await client_round(pool, token, contact_id, f"r{n}", count, client_period)
                for n in range(rounds)
            ]
    return "\n\n".join(
        [
            table(
                "The in-process limiter, driven directly (bytes from a traced pass, RSS from an "
                "untraced one):",
                base_rss,
                base_bytes,
                by_limiter,
                count,
            ),
            table(
                f"Through the client (`pool.for_location(loc, token=...).contacts.get`, "
                f"{CONCURRENCY} in flight, windows of {client_period:g} s) against the fake in "
                "its own process:",
                client_base,
                0,
                client,
                count,
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--period", type=float, default=0.5, help="the limit's window, seconds")
    parser.add_argument(
        "--client-period", type=float, default=20.0, help="the window through the client"
    )
    args = parser.parse_args()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    body = asyncio.run(run(args.locations, args.rounds, args.period, args.client_period))
    command = (
        f"python -m benchmarks.limiter_memory --locations {args.locations} "
        f"--rounds {args.rounds} --period {args.period} --client-period {args.client_period}"
    )
    text = "\n".join(
        [
            f"Command: `{command}` ({time.perf_counter() - started:.0f} s)",
            "",
            f"Machine: {machine()}; load average (1 min) at the start: {load:.2f}",
            "",
            f"Each round: one request for each of {args.locations:,} new locations, then one "
            'period for every slot to cool. "Active": right after the round (every location '
            'has a slot cooling); "idle": after the period (idle locations are forgotten). '
            "Limiter bytes are what the limiter's modules allocated and still hold "
            "(`tracemalloc`), per location of the round; RSS is the process's, above its level "
            "after a warm-up; through the client it includes the pool's own buffers and the "
            "derived clients not yet collected. Before eviction existed, state was kept for every "
            "location ever seen (~2.9 KB each). What stays per idle location is the slot its "
            "key had in the registry's hash table, which keeps the size of the busiest moment.",
            "",
            body,
        ]
    )
    print(text)
    write_section("Limiter memory per location", text)


if __name__ == "__main__":
    main()
