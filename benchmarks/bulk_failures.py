"""Memory a bulk job keeps per failed row: while its result is held, and after it is dropped.

    python -m benchmarks.bulk_failures [--rows 5000] [--concurrency 50]

Every row is refused by the server (a 422 from the raw-asyncio server in its own process), so
the job's result holds one ``BulkFailure`` per row. Python's allocations are traced
(``tracemalloc``) from just before the job: the figure while the result is held is what one
failure costs (its row, its error, their strings); the figure after the result is dropped and
garbage collected is what the job left behind. Resident memory (RSS) is shown beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tracemalloc
from collections.abc import Iterator

import leadconnector_async as lc
from benchmarks._results import machine, write_section
from benchmarks.bulk import rss_mb
from benchmarks.tenants import raw_server

TARGET_BYTES = 1024  # per failed row, retained after the result is dropped


def bad_rows(count: int) -> Iterator[lc.ContactCreate]:
    for n in range(count):
        yield lc.ContactCreate(email=f"bad{n}", first_name="Row", location_id="bare")  # unlimited


async def failures(url: str, rows: int, concurrency: int) -> lc.BulkResult[lc.ContactCreate]:
    async with lc.LeadConnector("tok", base_url=url, rate_limit=None, max_retries=0) as client:
        return await client.contacts.bulk_upsert(bad_rows(rows), concurrency=concurrency)


def measure(url: str, rows: int, concurrency: int) -> str:
    asyncio.run(failures(url, 200, concurrency))  # warm-up: imports, decoders, caches
    gc.collect()
    rss_before = rss_mb()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    result = asyncio.run(failures(url, rows, concurrency))
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    rss_held = rss_mb()
    failed = len(result.failed)
    assert failed == rows == result.read, (failed, rows, result.read)
    kinds = {type(f.error).__name__ for f in result.failed}
    del result
    gc.collect()
    left = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    rss_after = rss_mb()
    per_row_left = left / failed
    return "\n".join([
        f"`python -m benchmarks.bulk_failures {' '.join(sys.argv[1:])}`", "",
        f"{machine()}; load average {os.getloadavg()[0]:.2f}", "",
        f"{failed:,} rows, every one refused ({', '.join(sorted(kinds))}), concurrency "
        f"{concurrency}, no retries.", "",
        "| | traced Python memory | per failed row | RSS |", "|---|---|---|---|",
        f"| result held | {held / 2**20:.1f} MB | {held / failed:,.0f} B | "
        f"{rss_held - rss_before:+.1f} MB |",
        f"| result dropped, gc run | {left / 2**20:.2f} MB | {per_row_left:,.0f} B "
        f"(target < {TARGET_BYTES:,} B: {'yes' if per_row_left < TARGET_BYTES else 'no'}) | "
        f"{rss_after - rss_before:+.1f} MB |",
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with raw_server() as url:
        body = measure(url, args.rows, args.concurrency)
    print(body)
    if not args.no_write:
        write_section("Failed rows in memory (benchmarks/bulk_failures.py)", body)


if __name__ == "__main__":
    main()
