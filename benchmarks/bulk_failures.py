"""Memory a bulk job keeps per failed row: while its result is held, and after it is dropped.

    python -m benchmarks.bulk_failures [--rows 5000] [--traced-rows 2000] [--concurrency 50]

Every row is refused by the server (a 422 from the raw-asyncio server in its own process), so
the job's result holds one ``BulkFailure`` per row. The process's resident memory (RSS) is read
before the job, while its result is held, and after it is dropped (and garbage collected). A
second job runs with Python's allocations traced (``tracemalloc``): held, that is what one
failure costs (its row, its error, their strings); after the drop, what the job left behind.
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


def measure(url: str, rows: int, traced_rows: int, concurrency: int) -> str:
    asyncio.run(failures(url, 200, concurrency))  # warm-up: imports, decoders, caches
    gc.collect()
    rss_before = rss_mb()
    result = asyncio.run(failures(url, rows, concurrency))
    assert len(result.failed) == rows == result.read, (len(result.failed), rows, result.read)
    kinds = ", ".join(sorted({type(f.error).__name__ for f in result.failed}))
    gc.collect()
    rss_held = rss_mb() - rss_before
    del result
    gc.collect()
    rss_left = rss_mb() - rss_before
    held, left = traced(url, traced_rows, concurrency)
    per_row_left = left / traced_rows
    return "\n".join(
        [
            f"`python -m benchmarks.bulk_failures {' '.join(sys.argv[1:])}`",
            "",
            f"{machine()}; load average {os.getloadavg()[0]:.2f}",
            "",
            f"Every row refused ({kinds}), concurrency {concurrency}, no retries. Resident memory "
            f"of the process for {rows:,} rows; Python's own allocations traced (`tracemalloc`, "
            f"which slows the job and costs RSS of its own) over a second job of {traced_rows:,} "
            "rows.",
            "",
            "| | RSS growth | traced per failed row |",
            "|---|---|---|",
            f"| result held | {rss_held:+.1f} MB | {held / traced_rows:,.0f} B |",
            f"| result dropped, gc run | {rss_left:+.1f} MB | {per_row_left:,.0f} B "
            f"(target < {TARGET_BYTES:,} B: {'yes' if per_row_left < TARGET_BYTES else 'no'}) |",
        ]
    )


def traced(url: str, rows: int, concurrency: int) -> tuple[int, int]:
    """Traced bytes while a ``rows``-failure result is held, and after it is dropped."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    result = asyncio.run(failures(url, rows, concurrency))
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - base
    del result
    gc.collect()
    left = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return held, left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--traced-rows", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with raw_server() as url:
        body = measure(url, args.rows, args.traced_rows, args.concurrency)
    print(body)
    if not args.no_write:
        write_section("Failed rows in memory (benchmarks/bulk_failures.py)", body)


if __name__ == "__main__":
    main()
