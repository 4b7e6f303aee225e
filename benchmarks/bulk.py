"""Bulk benchmark: ``contacts.bulk_upsert`` rows/s with the rate limit off, and the client's memory
while it streams a long generator.

    python -m benchmarks.bulk [--rows 200000] [--concurrency 20]

The fake server runs in its own process (``python -m leadconnector_async.testing``), so time and
memory figures are the client's. After a warm-up job, the client's RSS is the baseline; the
growth is the process's peak RSS (``ru_maxrss``) over the whole run minus that baseline. The rows
come from a generator, so a flat figure means the job never holds the input.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import time
from collections.abc import Iterator

import leadconnector_async as lc
from benchmarks._results import machine, write_section
from benchmarks.compare import fake_server

GROWTH_LIMIT_MB = 50.0
WARM_UP_ROWS = 2_000
_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_mb() -> float:
    """This process's resident memory now."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE_MB


def peak_rss_mb() -> float:
    """This process's highest resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rows(count: int, prefix: str) -> Iterator[lc.ContactCreate]:
    """``count`` distinct contacts, made one at a time."""
    for n in range(count):
        yield lc.ContactCreate(
            first_name="Bulk",
            last_name=f"Row{n}",
            city="Oslo",
            email=f"{prefix}{n}@bulk.example",
            phone=f"+1555{n:07d}",
            tags=["import"],
        )


async def measure(url: str, token: str, location_id: str, count: int, concurrency: int) -> str:
    """Run the warm-up and the measured job; return the section's body."""
    samples: list[tuple[int, float]] = []

    def sample(progress: lc.BulkProgress) -> None:
        samples.append((progress.done, rss_mb()))

    async with lc.LeadConnector(
        token, location_id=location_id, base_url=url, rate_limit=None
    ) as client:
        await client.contacts.bulk_upsert(rows(WARM_UP_ROWS, "warm"), concurrency=concurrency)
        gc.collect()
        baseline = rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        job = rows(count, "row")
        result = await client.contacts.bulk_upsert(
            job, concurrency=concurrency, on_progress=sample, progress_interval=1.0
        )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.ok != count or result.failed:
        raise RuntimeError(f"the job lost rows: ok={result.ok} failed={len(result.failed)}")
    # The kernel updates the high-water mark lazily: take the samples into account too.
    growth = max(peak_rss_mb(), rss_mb(), *(rss for _, rss in samples)) - baseline
    return _report(count, concurrency, result, (wall, cpu), baseline, growth, samples)


def _report(
    count: int,
    concurrency: int,
    result: lc.BulkResult[lc.ContactCreate],
    times: tuple[float, float],
    baseline: float,
    growth: float,
    samples: list[tuple[int, float]],
) -> str:
    marks = [samples[len(samples) * part // 4] for part in (1, 2, 3)] + [samples[-1]]
    along = ", ".join(f"{done:,} rows: {rss:.1f} MB" for done, rss in marks)
    verdict = "yes" if growth < GROWTH_LIMIT_MB else "NO"
    wall, cpu = times
    return "\n".join(
        [
            f"Command: `python -m benchmarks.bulk --rows {count} --concurrency {concurrency}`",
            "",
            f"Machine: {machine()}",
            "",
            f"`contacts.bulk_upsert` of a {count:,}-row generator at concurrency {concurrency}, "
            "rate limit off, against the fake server in its own process (loopback HTTP).",
            "",
            "| figure | value |",
            "|---|---:|",
            f"| rows upserted (ok / failed) | {result.ok:,} / {len(result.failed)} |",
            f"| elapsed | {wall:.1f} s |",
            f"| rows/s | {count / wall:,.0f} |",
            f"| client CPU per row | {cpu / count * 1e6:.0f} µs |",
            f"| requests sent / 429s | {result.requests:,} / {result.rate_limited} |",
            f"| client RSS after warm-up | {baseline:.1f} MB |",
            f"| client peak RSS growth over the job | {growth:.1f} MB "
            f"(limit {GROWTH_LIMIT_MB:.0f} MB: {verdict}) |",
            "",
            f"RSS along the job: {along}. Rows/s is bounded by the single-process fake server (the "
            "client's CPU per row shows its own share); the server's memory is not counted.",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args(argv)
    with fake_server(0) as server:
        body = asyncio.run(
            measure(server.url, server.token, server.location_id, args.rows, args.concurrency)
        )
    print(body)
    write_section("Bulk", body)


if __name__ == "__main__":
    main()
