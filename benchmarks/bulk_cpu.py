"""Client CPU per bulk row: ``bulk_upsert`` against bare aiohttp workers posting the same rows.

    python -m benchmarks.bulk_cpu [--rows 3000] [--rounds 5] [--concurrency 20]

Both send one ``POST /contacts/upsert`` per row with ``concurrency`` in flight to the raw-asyncio
server in its own process (location ``bare``: never limited; ``rate_limit=None`` for ours, so
both do the same work), taking turns over the rounds. The figure is the client process's CPU time
per row (user + system), median over the rounds, and the ratio ours / bare aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Iterator

import aiohttp
import msgspec

import leadconnector_async as lc
from benchmarks._results import machine, write_section
from benchmarks.tenants import raw_server

HEADERS = {
    "Authorization": "Bearer tok",
    "Version": "2021-07-28",
    "Content-Type": "application/json",
}


def rows(count: int, prefix: str) -> Iterator[lc.ContactCreate]:
    for n in range(count):
        yield lc.ContactCreate(email=f"{prefix}{n}@x.com", first_name="Row", location_id="bare")


async def ours(url: str, count: int, concurrency: int, prefix: str) -> None:
    async with lc.LeadConnector("tok", base_url=url, rate_limit=None) as client:
        result = await client.contacts.bulk_upsert(rows(count, prefix), concurrency=concurrency)
    assert result.ok == count, result


async def bare(url: str, count: int, concurrency: int, prefix: str) -> None:
    encode = msgspec.json.Encoder().encode
    bodies = (encode(row) for row in rows(count, prefix))
    async with aiohttp.ClientSession(headers=HEADERS) as session:

        async def worker() -> None:
            for body in bodies:
                async with session.post(f"{url}/contacts/upsert", data=body) as response:
                    msgspec.json.decode(await response.read())

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def cpu_per_row(run: object, url: str, count: int, concurrency: int, prefix: str) -> float:
    started = time.process_time()
    asyncio.run(run(url, count, concurrency, prefix))  # type: ignore[operator]
    return (time.process_time() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    samples: dict[str, list[float]] = {"ours": [], "bare": []}
    with raw_server() as url:
        for n in range(args.rounds):
            for name, run in (("ours", ours), ("bare", bare)):
                samples[name].append(
                    cpu_per_row(run, url, args.rows, args.concurrency, f"{name}{n}-")
                )
    ratios = [o / b for o, b in zip(samples["ours"], samples["bare"], strict=True)]
    body = "\n".join(
        [
            f"`python -m benchmarks.bulk_cpu {' '.join(sys.argv[1:])}`",
            "",
            f"{machine()}; load average {os.getloadavg()[0]:.2f}",
            "",
            f"{args.rows:,} upserts a round, {args.concurrency} in flight, {args.rounds} rounds "
            "taking turns; client CPU per row, median (min-max):",
            "",
            "| | µs per row |",
            "|---|---|",
            *(
                f"| {name} | {statistics.median(v):.0f} ({min(v):.0f}-{max(v):.0f}) |"
                for name, v in (("bulk_upsert", samples["ours"]), ("bare aiohttp", samples["bare"]))
            ),
            "",
            f"bulk_upsert / bare aiohttp: **{statistics.median(ratios):.2f}x** "
            f"(per-round {min(ratios):.2f}-{max(ratios):.2f}).",
        ]
    )
    print(body)
    if not args.no_write:
        write_section("Bulk CPU per row (benchmarks/bulk_cpu.py)", body)


if __name__ == "__main__":
    main()
