"""Many locations through one process: throughput, fairness, loop lag and CPU; bulk head-of-line.

    python -m benchmarks.tenants [--locations 100,300,1000,3000] [--seconds 3] [--warmup 1]
                                 [--hol-seconds 5] [--processes 2] [--gc both]
                                 [--timeout 1,0] [--demand open,paced] [--rounds 1]
                                 [--no-write]

A raw-asyncio server (``benchmarks/_raw_server.py``) runs in its own process and enforces the
API's 100 requests per 10 s per location. One root client drives N locations via
``for_location`` (each with its own token), each demanding 10 gets per second, in two ways
(``--demand``, see ``benchmarks/_tenant_load.py``): as a web backend's requests arrive (a task
each, on schedule: ``open``), and as a job that polls every location at its limit (one worker
per location, a call every 100 ms or at once after one that took longer: ``paced``). Past the
process's capacity, open arrivals that cannot be served must still be started and refused, which
costs the core; paced calls wait instead, so that run shows what the process carries. Reported
per N: requests/s served, share of the demand, calls failed per second, per-location spread, p99
event-loop lag and client CPU, beside bare aiohttp's ceiling (100 in flight, no limiter)
measured against the same server just before and just after each run (their mean: the machine's
speed drifts over minutes). Paced rows also show bare aiohttp driven the same way: the same
paced callers, one per location, sharing its 100 connections through the cheapest gate
(``FifoGate``, a future per waiting caller). Past saturation every served call waits once for a
connection; that wait costs bare aiohttp as much as any client, and the ceiling's 100 callers
never pay it, so "ours / that" is the client's own share of the gap to the ceiling.
``--gc both`` (the default) runs the locations twice: with ``lc.tune_gc()``, as a process serving
this many locations should, and with CPython's default collector settings, to show what the
setting buys.

Each call has ``--timeout`` seconds, one set of runs per value (default ``1,0``): 1 s as a web
backend that answers its own callers within a budget would set (past saturation the pool turns
away at once the calls it cannot serve within that, ``PoolTimeoutError``, instead of letting
them wait), and ``0`` for the client's default of 30 s, with which waiting requests pile up for
up to 30 s before any is refused. The ``--processes`` workers use the first value, and open
arrivals.

Head-of-line: ``bulk_upsert`` over 21 locations at 10/s each with one busy (half the rows), one
slow (answers after 2 s) or one low-limit (2/s) location (see ``benchmarks/_head_of_line.py``).

``--rounds R``: each row runs R times, each beside the ceiling measured just before and after
it, and shows the median (min-max) of the rounds' figures, the ratio to the ceiling taken within
each round: on a shared machine whose speed drifts by a third within minutes, one run says
little. Written to its own RESULTS.md section, beside the single-run one.

``--processes P``: the same demand split over P worker processes sharing one Redis limiter
(a redis-server started on a free port), against 1 process with the same limiter.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import product

import leadconnector_async as lc
from benchmarks import _head_of_line as hol
from benchmarks._results import machine, write_section
from benchmarks._tenant_load import Served, ceiling, drive
from leadconnector_async.testing._redis_server import REDIS_SERVER, RedisServer

RATE = 10.0  # gets per second demanded of each location (the published 100 per 10 s)
SECTION = "Many locations (benchmarks/tenants.py)"
ROUNDS_SECTION = "Many locations, medians of rounds (benchmarks/tenants.py --rounds)"
CPYTHON_DEFAULT_THRESHOLDS = (700, 10, 10)
GC_MODES = {"both": ("tuned", "default"), "tuned": ("tuned",), "default": ("default",)}
DEMAND_TITLES = {
    "open": "Open arrivals (each call its own task, on schedule)",
    "paced": (
        "Paced (each location one worker, a call every 100 ms or at once after one that took "
        "longer)"
    ),
}
Round = tuple[Served, float, Served | None]
"""One run, bare aiohttp's ceiling measured around it, and bare aiohttp driven the same way."""
GC_TITLES = {
    "tuned": "With `lc.tune_gc()` (young collections every 50,000 allocations)",
    "default": "With CPython's default collector settings (young collections every 700)",
}


@contextmanager
def collector(mode: str) -> Iterator[None]:
    """Run the block with the garbage collector as ``mode`` says, then restore it."""
    previous = gc.get_threshold()
    gc.set_threshold(*CPYTHON_DEFAULT_THRESHOLDS)
    if mode == "tuned":
        lc.tune_gc()
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@contextmanager
def raw_server(*flags: str) -> Iterator[str]:
    """Run the raw server in a child process; yield its base URL."""
    command = [sys.executable, "-m", "benchmarks._raw_server", *flags]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        port = process.stdout.readline().split()[-1]
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def redis_server() -> Iterator[str]:
    """Run a throwaway redis-server on a free loopback port; yield its URL."""
    if REDIS_SERVER is None:
        raise SystemExit("--processes needs redis-server on PATH")
    with RedisServer() as server:
        yield server.url


async def worker(args: argparse.Namespace) -> None:
    """One of the ``--processes`` workers: drive its share of locations, print the figures."""
    from leadconnector_async import RateLimit
    from leadconnector_async.redis_limiter import RedisLimiter

    async with RedisLimiter(args.redis, RateLimit(), key_prefix=args.prefix) as limiter:
        locations = range(args.first, args.first + args.count)
        with collector("tuned" if args.gc != "default" else "default"):
            timeout = _timeouts(args.timeout)[0]
            served = await drive(
                args.url, locations, RATE, args.seconds, args.warmup, limiter, timeout
            )
    print(json.dumps(served.as_dict()), flush=True)


def run_processes(
    url: str, redis: str, total: int, processes: int, args: argparse.Namespace, first: int
) -> list[Served]:
    """Split ``total`` locations over ``processes`` workers; their figures, each."""
    share = total // processes
    children = []
    for n in range(processes):
        command = [
            sys.executable,
            "-m",
            "benchmarks.tenants",
            "--worker",
            "--url",
            url,
            "--redis",
            redis,
            "--prefix",
            f"p{processes}",
            "--first",
            str(first + n * share),
            "--count",
            str(share),
            "--seconds",
            str(args.seconds),
            "--warmup",
            str(args.warmup),
            "--gc",
            args.gc,
            "--timeout",
            args.timeout.split(",")[0],
        ]
        children.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    return [Served(**json.loads(child.communicate()[0])) for child in children]


def tenant_rows(rows: list[list[Round]]) -> list[str]:
    """Table rows, each run beside bare aiohttp's ceiling measured around it (and, for paced
    demand, beside bare aiohttp driven the same way); a row of several rounds shows each
    figure's median (min-max)."""
    same_way = any(bare is not None for rounds in rows for _, _, bare in rounds)
    extra = " | bare driven the same way/s | ours / that" if same_way else ""
    lines = [
        "| locations | bare ceiling/s | demanded/s | served/s | of min(ceiling, demand) "
        f"| share of demand | failed/s | per-location rate / mean (min-max) | within ±25% "
        f"| p99 loop lag | client CPU{extra} |",
        "|---|---|---|---|---|---|---|---|---|---|---|" + "---|" * (2 * same_way),
    ]
    for rounds in rows:
        runs = [run for run, _, _ in rounds]
        demand = [run.demanded / run.seconds for run in runs]
        ratio = [
            run.rate / max(1.0, min(top, wanted))
            for (run, top, _), wanted in zip(rounds, demand, strict=True)
        ]
        line = (
            f"| {runs[0].locations:,} | {_spread([top for _, top, _ in rounds], ',.0f')} "
            f"| {_spread(demand, ',.0f')} | {_spread([run.rate for run in runs], ',.0f')} "
            f"| {_spread(ratio, '.2f')} | {_spread([run.share for run in runs], '.2f')} "
            f"| {_spread([run.errors / run.seconds for run in runs], ',.0f')} "
            f"| {min(run.spread_low for run in runs):.2f}-"
            f"{max(run.spread_high for run in runs):.2f} "
            f"| {min(run.within_25 for run in runs):.0%} "
            f"| {_spread([run.lag_p99_ms for run in runs], '.0f')} ms "
            f"| {_spread([run.cpu_cores for run in runs], '.2f')} core |"
        )
        bares = [bare for _, _, bare in rounds if bare is not None]
        if same_way and len(bares) == len(rounds):
            ours_to_bare = [run.rate / bare.rate for run, _, bare in rounds if bare is not None]
            line += (
                f" {_spread([bare.rate for bare in bares], ',.0f')} "
                f"| {_spread(ours_to_bare, '.2f')} |"
            )
        elif same_way:
            line += " - | - |"
        lines.append(line)
    return lines


def _spread(values: list[float], spec: str) -> str:
    """One figure, or the median (min-max) of a row's rounds."""
    if len(values) == 1:
        return format(values[0], spec)
    middle, low, high = statistics.median(values), min(values), max(values)
    return f"{middle:{spec}} ({low:{spec}}-{high:{spec}})"


async def measure(args: argparse.Namespace) -> str:
    """Run everything asked for; return the RESULTS.md section body."""
    counts = [int(n) for n in args.locations.split(",")]
    lines = [
        f"`python -m benchmarks.tenants {' '.join(sys.argv[1:])}`",
        "",
        f"{machine()}; load average at start {os.getloadavg()[0]:.2f}",
        "",
    ]
    with raw_server() as url:
        first = 0  # each run its own locations: the server's windows still hold the last run's
        sets = product(args.demand.split(","), _timeouts(args.timeout), GC_MODES[args.gc])
        for demand, timeout, mode in sets:
            budget = f"{timeout:g} s" if timeout else "the default 30 s"
            paced = demand == "paced"
            with collector(mode):
                # Measured before and after each run (the mean is its yardstick): a shared
                # machine's speed drifts over minutes, and a ceiling taken once would judge a
                # run made a minute later at another speed.
                before = await ceiling(url, args.seconds)
                rows = []
                for n in counts:
                    rounds = []
                    for _ in range(args.rounds):
                        locations = range(first, first + n)
                        run = await drive(
                            url, locations, RATE, args.seconds, args.warmup, None, timeout, paced
                        )
                        after = await ceiling(url, args.seconds)
                        same_way = None
                        if paced:  # (open arrivals would need the timeout ours enforces)
                            same_way = await drive(
                                url,
                                locations,
                                RATE,
                                args.seconds,
                                args.warmup,
                                paced=True,
                                bare=True,
                            )
                        rounds.append((run, (before + after) / 2, same_way))
                        before = after
                        first += n
                        print(demand, mode, budget, tenant_rows([rounds[-1:]])[-1], flush=True)
                    rows.append(rounds)
            lines += [
                f"{DEMAND_TITLES[demand]}. {GC_TITLES[mode]}, each call's timeout {budget}; "
                "bare aiohttp's ceiling against the same server (100 in flight, no limiter) is "
                "the mean of its runs just before and just after each row's"
                + (
                    f"; each row {args.rounds} rounds (ceiling, run, ceiling, run, ...), "
                    "its figures the median (min-max) of the rounds' (ratios within a round):"
                    if args.rounds > 1
                    else ":"
                ),
                "",
                *tenant_rows(rows),
                "",
            ]
    if args.hol_seconds > 0:
        lines += [
            "Head-of-line, `bulk_upsert` over 21 locations at 10/s each "
            f"({args.hol_seconds:g} s each, concurrency 20):",
            "",
            "| case | rows finished | of ideal |",
            "|---|---|---|",
        ]
        with raw_server(*hol.SERVER_FLAGS) as url:
            for case in hol.CASES:
                done, ratio = await hol.run_case(url, case, args.hol_seconds, 20)
                lines.append(f"| one {case} location | {done:,} | {ratio:.2f} |")
                print(lines[-1], flush=True)
        lines.append("")
    if args.processes > 1:
        lines += processes_section(args)
    lines.append(f"Load average at the end: {os.getloadavg()[0]:.2f}.")
    return "\n".join(lines)


def _timeouts(option: str) -> list[float | None]:
    """``--timeout 1,0`` -> ``[1.0, None]`` (``0``: the client's default)."""
    return [float(value) or None for value in option.split(",")]


def processes_section(args: argparse.Namespace) -> list[str]:
    total = args.process_locations
    timeout = _timeouts(args.timeout)[0]
    budget = f"{timeout:g} s" if timeout else "the default 30 s"
    collector_used = "CPython's default collector" if args.gc == "default" else "`lc.tune_gc()`"
    lines = [
        f"{total:,} locations at 10/s each, one shared Redis limiter, {collector_used} in every "
        f"worker, each call's timeout {budget}:",
        "",
        "| processes | served/s (sum) | share of demand | client CPU (sum) |",
        "|---|---|---|---|",
    ]
    with raw_server() as url, redis_server() as redis:
        for processes in (1, args.processes):
            # Locations of their own per run (the server's windows still hold the last run's).
            figures = run_processes(url, redis, total, processes, args, first=processes * total)
            served = sum(f.served for f in figures) / figures[0].seconds
            demanded = sum(f.demanded for f in figures)
            share = sum(f.served for f in figures) / demanded
            cpu = sum(f.cpu_cores for f in figures)
            lines.append(f"| {processes} | {served:,.0f} | {share:.2f} | {cpu:.2f} core |")
            print(lines[-1], flush=True)
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locations", default="100,300,1000,3000")
    parser.add_argument("--seconds", type=float, default=3.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument(
        "--demand", default="open,paced", help="open arrivals, paced workers, or both"
    )
    parser.add_argument("--hol-seconds", type=float, default=5.0, help="0 skips head-of-line")
    parser.add_argument("--processes", type=int, default=0, help="2+: also split over processes")
    parser.add_argument("--process-locations", type=int, default=1000)
    parser.add_argument(
        "--gc", choices=sorted(GC_MODES), default="both", help="collector settings to run under"
    )
    parser.add_argument(
        "--timeout",
        default="1,0",
        help="each call's budget in s, one run per value (0: the client's default 30 s)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="runs per row, each beside the ceiling measured around it; a row shows medians",
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", default="bench", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds takes a count of 1 or more, not {args.rounds}")
    if not set(args.demand.split(",")) <= DEMAND_TITLES.keys():
        parser.error(f"--demand takes open, paced or both, not {args.demand!r}")
    if args.worker:
        asyncio.run(worker(args))
        return
    body = asyncio.run(measure(args))
    print(body)
    if not args.no_write:
        write_section(SECTION if args.rounds == 1 else ROUNDS_SECTION, body)


if __name__ == "__main__":
    main()
