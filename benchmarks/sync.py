"""Sync benchmark: ``contacts.sync`` against ``contacts.bulk_upsert`` of the same file, in one run.

    python -m benchmarks.sync [--contacts 100000] [--concurrency 20] [--index 500000]

A location of ``--contacts`` contacts (the fake server's ``--seed``, in its own process) and a
file restating every one of them: 2% with a changed field, 1% with only an added tag, plus 0.5%
new rows. Each contender runs in its own client process against a freshly seeded server, so the
peak RSS (``ru_maxrss``) is that contender's alone. Time at the published limit is requests / 10
per second (100 requests per 10 s). After the sync, a dry run of the same file must find nothing
left to write. ``--index`` measures the sync's index alone at that many contacts (tracemalloc),
against whole decoded contacts measured at a tenth of that and scaled.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import msgspec

import leadconnector_async as lc
from benchmarks._results import machine, write_section
from benchmarks.compare import fake_server
from leadconnector_async.sync._index import ContactIndex
from leadconnector_async.sync._plan import MatchKey
from leadconnector_async.testing._seed import contact_fields

CHANGED, TAGGED, NEW = 0.02, 0.01, 0.005
PUBLISHED_RATE = 100 / 10.0


def file_rows(contacts: int) -> Iterator[lc.ContactCreate]:
    """The file: the seeded contacts restated (the server's seed 0), some changed, some new."""
    seeded, picks = random.Random(0), random.Random(1)
    for n in range(contacts):
        fields = contact_fields(seeded, n)
        del fields["attributionSource"]  # set by the server's forms, not by an import
        draw = picks.random()
        if draw < CHANGED:
            fields["city"] = f"Moved {n}"
        elif draw < CHANGED + TAGGED:
            fields["tags"] = [*fields["tags"], "renewed"]
        yield msgspec.convert(fields, lc.ContactCreate)
    for n in range(int(contacts * NEW)):
        yield lc.ContactCreate(
            first_name="New",
            last_name=f"Row{n}",
            tags=["imported"],
            email=f"new.{n}@sync.example",
            phone=f"+1666{n:07d}",
        )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run_contender(
    name: str, server: list[str], contacts: int, concurrency: int
) -> dict[str, Any]:
    """One contender in this process; its figures as a dict."""
    url, token, location = server
    rows = contacts + int(contacts * NEW)
    async with lc.LeadConnector(
        token, location_id=location, base_url=url, rate_limit=None
    ) as client:
        started = time.perf_counter()
        if name == "sync":
            result = await client.contacts.sync(
                file_rows(contacts), concurrency=concurrency, total=rows
            )
            figures: dict[str, float] = {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "failed": len(result.failed),
                "requests": result.requests,
                "reads": result.reads,
                "writes": result.writes,
            }
        else:
            bulk = await client.contacts.bulk_upsert(file_rows(contacts), concurrency=concurrency)
            figures = {
                "created": bulk.created,
                "updated": bulk.updated,
                "unchanged": 0,
                "failed": len(bulk.failed),
                "requests": bulk.requests,
            }
        figures["elapsed"] = time.perf_counter() - started
        figures["peak_rss_mb"] = peak_rss_mb()
        if name == "sync":
            again = await client.contacts.sync(file_rows(contacts), dry_run=True, total=rows)
            figures["left_after"] = again.writes + again.created + again.updated
    return figures


def contender(name: str, contacts: int, concurrency: int) -> dict[str, Any]:
    """Run one contender in a child process against a freshly seeded fake server."""
    with fake_server(contacts) as server:
        command = [
            sys.executable,
            "-m",
            "benchmarks.sync",
            "--run",
            name,
            "--contacts",
            str(contacts),
            "--concurrency",
            str(concurrency),
            "--server",
            server.url,
            server.token,
            server.location_id,
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    figures: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return figures


def index_memory(contacts: int) -> tuple[float, float, int]:
    """MB held by a sync's index of ``contacts`` contacts (every field of the file compared),
    MB of the same contacts decoded whole (measured at a tenth, scaled), and index bytes."""
    rng = random.Random(5)
    row = msgspec.convert(
        {k: v for k, v in contact_fields(rng, 0).items() if k != "attributionSource"},
        lc.ContactCreate,
    )
    from leadconnector_async.sync._read import paths_of

    match = MatchKey("email")
    index = ContactIndex(paths_of([row], match))
    tracemalloc.start()
    for contact in stored_contacts(contacts):
        index.add(contact, match.of_contact(contact))
    index.freeze()
    gc.collect()
    index_mb = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    tracemalloc.start()
    whole = list(stored_contacts(contacts // 10))
    whole_mb = tracemalloc.get_traced_memory()[0] / 2**20 * 10
    tracemalloc.stop()
    del whole
    return index_mb, whole_mb, index.nbytes()


def stored_contacts(count: int) -> Iterator[lc.Contact]:
    """Contacts as search returns them (the fake's seed shape)."""
    rng = random.Random(4)
    for n in range(count):
        fields = contact_fields(rng, n)
        fields["customFields"] = [
            {"id": f["id"], "value": f["field_value"]} for f in fields["customFields"]
        ]
        yield msgspec.convert({**fields, "id": f"c{n:019d}", "locationId": "loc"}, lc.Contact)


def report(
    contacts: int,
    concurrency: int,
    index_at: int,
    results: dict[str, dict[str, Any]],
    memory: tuple[float, float, int],
) -> str:
    sync, bulk = results["sync"], results["bulk_upsert"]
    ratio = bulk["requests"] / sync["requests"]
    index_mb, whole_mb, nbytes = memory
    rows = contacts + int(contacts * NEW)

    def line(name: str, r: dict[str, Any]) -> str:
        return (
            f"| `{name}` | {r['requests']:,} | {r['requests'] / PUBLISHED_RATE / 60:,.1f} min"
            f" | {r['elapsed']:.1f} s | {r['peak_rss_mb']:.0f} MB | {r['created']:,} / "
            f"{r['updated']:,} / {r['unchanged']:,} / {r['failed']} |"
        )

    return "\n".join(
        [
            f"Command: `python -m benchmarks.sync --contacts {contacts} --concurrency {concurrency}"
            f" --index {index_at}`",
            "",
            f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f} at the end (elapsed "
            "times suffer from other load; request counts do not)",
            "",
            f"A location of {contacts:,} contacts; a file of {rows:,} rows restating all of them, "
            f"{CHANGED:.0%} with a changed field (city), {TAGGED:.0%} with only an added tag, and "
            f"{NEW:.1%} new rows. Each contender in its own client process against a freshly seeded"
            " fake server in another (rate limit off; time at the limit is requests / 10 per s).",
            "",
            "| contender | requests | time at 100/10 s | elapsed (limit off) | client peak RSS |"
            " created / updated / unchanged / failed |",
            "|---|---:|---:|---:|---:|---|",
            line("sync", sync),
            line("bulk_upsert", bulk),
            "",
            f"**sync sends {ratio:.1f}x fewer requests** ({sync['reads']:,} reads + "
            f"{sync['writes']:,} writes). A dry run of the same file afterwards finds "
            f"{sync['left_after']} rows left to change.",
            "",
            f"Index memory at {index_at:,} contacts (tracemalloc, the file's 16 compared fields "
            f"and tags): {index_mb:.1f} MB ({nbytes / index_at:.0f} bytes of arrays a contact); "
            f"the same contacts decoded whole would take {whole_mb:,.0f} MB.",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--index", type=int, default=500_000, help="contacts for the index figure")
    parser.add_argument("--run", choices=("sync", "bulk_upsert"), help=argparse.SUPPRESS)
    parser.add_argument("--server", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        print(
            json.dumps(
                asyncio.run(run_contender(args.run, args.server, args.contacts, args.concurrency))
            )
        )
        return
    results = {
        name: contender(name, args.contacts, args.concurrency) for name in ("sync", "bulk_upsert")
    }
    body = report(args.contacts, args.concurrency, args.index, results, index_memory(args.index))
    print(body)
    write_section("Sync", body)


if __name__ == "__main__":
    main()
