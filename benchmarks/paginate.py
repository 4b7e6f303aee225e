"""Walk a whole location through ``contacts.search``: contacts/s and the client's memory growth.

    python -m benchmarks.paginate [--contacts 100000] [--page-size 500] [--rounds 3]
                                  [--work-ms 5]

The fake server runs in its own process (seeded contacts, no rate limit), and every walk runs in a
fresh client process, so its peak RSS is its own: growth is the peak minus the RSS measured once
the client is built, before the first page. Each walk runs with read-ahead off and on, for a
consumer that does nothing per page and for one that awaits ``--work-ms`` per page (as writing
the page somewhere would); runs take turns, and each figure is the median over ``--rounds``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass

import leadconnector_async as lc
from benchmarks._contenders import Server
from benchmarks._results import machine, write_section
from benchmarks.compare import fake_server

RSS_BUDGET_MB = 30.0


@dataclass
class Walk:
    """One walk: contacts seen, seconds taken, RSS before and at peak (MB)."""

    contacts: int
    seconds: float
    start_rss_mb: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.contacts / self.seconds

    @property
    def growth_mb(self) -> float:
        return max(0.0, self.peak_rss_mb - self.start_rss_mb)


def _rss_mb() -> float:
    """Resident memory of this process now (Linux ``/proc``)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def walk(server: Server, page_size: int, read_ahead: bool, work_ms: float) -> Walk:
    """Iterate every contact of the server's location once; count them."""
    async with lc.LeadConnector(
        server.token, location_id=server.location_id, base_url=server.url, rate_limit=None
    ) as client:
        start_rss = _rss_mb()
        seen = 0
        began = time.perf_counter()
        async with client.contacts.search(page_size=page_size, read_ahead=read_ahead) as found:
            async for page in found.pages():
                seen += len(page.items)
                if work_ms:
                    await asyncio.sleep(work_ms / 1000)
        seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Walk(seen, seconds, start_rss, peak)


def run_child(server: Server, page_size: int, read_ahead: bool, work_ms: float) -> Walk:
    """One walk in a fresh process."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.paginate",
        "--child",
        json.dumps(asdict(server)),
        "--page-size",
        str(page_size),
        "--work-ms",
        str(work_ms),
    ]
    if read_ahead:
        command.append("--read-ahead")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return Walk(**json.loads(out.splitlines()[-1]))


Results = dict[tuple[float, bool], list[Walk]]


def report(results: Results, command: str, contacts: int, page_size: int) -> str:
    """The Markdown section: command, machine, one row per consumer and read-ahead setting."""
    lines = [
        f"Command: `{command}`",
        "",
        f"Machine: {machine()}; {os.cpu_count()} cores",
        "",
        f"{contacts:,} contacts walked through `client.contacts.search(page_size={page_size})`, "
        "fake server in its own process, rate limit off; median (min-max) over rounds.",
        "",
        "| consumer | read-ahead | contacts/s | peak RSS growth, MB | every contact seen |",
        "|---|---|---:|---:|---|",
    ]
    for (work_ms, ahead), walks in results.items():
        consumer = f"awaits {work_ms:g} ms per page" if work_ms else "does nothing"
        rates = [w.rate for w in walks]
        growth = [w.growth_mb for w in walks]
        complete = all(w.contacts == contacts for w in walks)
        lines.append(
            f"| {consumer} | {'on' if ahead else 'off'} | {_spread(rates, '{:,.0f}')} | "
            f"{_spread(growth, '{:.1f}')} | {'yes' if complete else '**no**'} |"
        )
    lines += ["", *_verdict(results), "", NOTES]
    return "\n".join(lines)


NOTES = """\
What the figures mean:
- Growth is the client process's peak RSS minus its RSS once the client was built, before the
  first page: one page (two with read-ahead) is held at a time, so it does not grow with the
  number of contacts.
- On loopback the fake server (encoding each page in its own process) sets the pace. Read-ahead
  overlaps the next page's fetch with what the consumer does with this one: it pays when the
  consumer awaits something per page, and not when the consumer is idle.
- So `read_ahead` is off by default: the gain needs per-page work, and with it on, leaving the
  loop early leaves a fetch (and a rate-limit slot) running until the paginator is closed."""


def _spread(values: list[float], fmt: str) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{fmt.format(mid)} ({fmt.format(low)}-{fmt.format(high)})"


def _verdict(results: Results) -> list[str]:
    lines = []
    for work_ms in sorted({work for work, _ in results}):
        off = statistics.median(w.rate for w in results[work_ms, False])
        on = statistics.median(w.rate for w in results[work_ms, True])
        consumer = f"a consumer awaiting {work_ms:g} ms per page" if work_ms else "an idle consumer"
        lines.append(f"- Read-ahead on / off, {consumer}: {on / off:.2f}x contacts/s.")
    worst = max(w.growth_mb for walks in results.values() for w in walks)
    met = "within" if worst < RSS_BUDGET_MB else "**over**"
    lines.append(
        f"- Largest peak RSS growth of any walk: {worst:.1f} MB ({met} the "
        f"{RSS_BUDGET_MB:g} MB budget)."
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work-ms", type=float, default=5.0, help="consumer's await per page")
    parser.add_argument("--child", type=json.loads, help=argparse.SUPPRESS)
    parser.add_argument("--read-ahead", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = asyncio.run(
            walk(Server(**args.child), args.page_size, args.read_ahead, args.work_ms)
        )
        print(json.dumps(asdict(result)))
        return
    command = (
        f"python -m benchmarks.paginate --contacts {args.contacts} --page-size "
        f"{args.page_size} --rounds {args.rounds} --work-ms {args.work_ms:g}"
    )
    results: Results = {(w, a): [] for w in (0.0, args.work_ms) for a in (False, True)}
    with fake_server(seed=args.contacts) as server:
        for _ in range(args.rounds):
            for (work_ms, ahead), walks in results.items():
                walks.append(run_child(server, args.page_size, ahead, work_ms))
    text = report(results, command, args.contacts, args.page_size)
    print(text)
    write_section("Pagination", text)


if __name__ == "__main__":
    main()
