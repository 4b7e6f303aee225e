"""Side by side: leadconnector_async, the official SDK and bare aiohttp against one fake server.

    python -m benchmarks.compare [--rounds 5] [--seconds 1.0] [--walk 20000]

Needs the ``bench`` extra (``pip install -e '.[bench]'``). The fake server runs in its own
process with no rate limit, so the figures below are the client's: CPU time is this process's
own (``time.process_time``). The clients take turns (A B C, A B C, ...) for ``--rounds`` rounds,
so drift of a shared machine hits them alike; each figure is the median over rounds, and each
ratio is the median of the per-round ratios. Workloads:

1. sequential ``get`` of one contact: wall and client CPU microseconds per call;
2. concurrent ``get`` at concurrency 64: requests/s and client CPU per request;
3. decoding a 100-contact search page: CPU microseconds per contact, per decoder;
4. walking ``--walk`` contacts through search pages, one fresh client process per run:
   contacts/s and peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version

import msgspec

import leadconnector_async as lc
from benchmarks._contenders import CONTENDERS, Contender, Server
from benchmarks._results import machine, write_section
from leadconnector_async.models._base import Model
from leadconnector_async.testing._seed import contact_fields, seed_contacts
from leadconnector_async.testing._store import ContactStore

CONCURRENCY = 64
PAGE = 100
# Targets from issue 10: (label, workload, figure, numerator, denominator, at least?, bound).
TARGETS = (
    (
        "client CPU per call, ours / bare aiohttp",
        "sequential",
        "cpu_us",
        "ours",
        "aiohttp",
        False,
        1.3,
    ),
    ("client CPU per call, SDK / ours", "sequential", "cpu_us", "sdk", "ours", True, 4.0),
    ("requests/s at 64, ours / bare aiohttp", "concurrent", "rate", "ours", "aiohttp", True, 0.8),
    ("requests/s at 64, ours / SDK", "concurrent", "rate", "ours", "sdk", True, 10.0),
    ("decode per contact, SDK model / ours", "decode", "cpu_us", "sdk", "ours", True, 5.0),
)


@dataclass
class Sample:
    """One timed run: how many units (calls, contacts) in how much wall and CPU time."""

    count: int
    wall: float
    cpu: float
    peak_rss_mb: float = 0.0

    @property
    def cpu_us(self) -> float:
        return self.cpu / self.count * 1e6

    @property
    def wall_us(self) -> float:
        return self.wall / self.count * 1e6

    @property
    def rate(self) -> float:
        return self.count / self.wall


@contextmanager
def timed(counter: list[int], into: list[Sample]) -> Iterator[None]:
    """Time the block (wall and this process's CPU); append a Sample of ``counter[0]`` units."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into.append(Sample(counter[0], time.perf_counter() - wall, time.process_time() - cpu))


async def sequential(
    get: Callable[[str], Awaitable[object]], contact_id: str, seconds: float, into: list[Sample]
) -> None:
    """Call ``get`` one after another for ``seconds``."""
    done = [0]
    with timed(done, into):
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            await get(contact_id)
            done[0] += 1


async def concurrent(
    get: Callable[[str], Awaitable[object]], contact_id: str, seconds: float, into: list[Sample]
) -> None:
    """Keep ``CONCURRENCY`` calls of ``get`` in flight for ``seconds``."""
    done = [0]

    async def worker(deadline: float) -> None:
        while time.perf_counter() < deadline:
            await get(contact_id)
            done[0] += 1

    with timed(done, into):
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(worker(deadline) for _ in range(CONCURRENCY)))


def decoding(
    decode: Callable[[bytes], int], page: bytes, seconds: float, into: list[Sample]
) -> None:
    """Decode ``page`` over and over for ``seconds``; units are contacts."""
    done = [0]
    with timed(done, into):
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            done[0] += decode(page)


class _Page(Model):
    """Our search envelope ``{contacts, total}`` (until ``client.contacts.search`` lands)."""

    contacts: list[lc.Contact] = msgspec.field(default_factory=list)
    total: int = 0


def decoders() -> dict[str, Callable[[bytes], int]]:
    """Each library's way from a search page's bytes to its contacts; returns the count."""
    from highlevel.services.contacts.models import GetContactByIdSchemaV3

    ours = msgspec.json.Decoder(_Page).decode

    def sdk(body: bytes) -> int:
        return len([GetContactByIdSchemaV3.model_validate(c) for c in json.loads(body)["contacts"]])

    return {
        "ours": lambda body: len(ours(body).contacts),
        "sdk": sdk,
        "aiohttp": lambda body: len(json.loads(body)["contacts"]),
    }


def search_page() -> bytes:
    """A 100-contact search page as the fake serves it (seeded contacts, cursors included)."""
    contacts = seed_contacts(ContactStore(), "bench-location", PAGE, seed=1)
    for n, contact in enumerate(contacts):
        contact["searchAfter"] = [1_700_000_000_000 + n, contact["id"]]
    return json.dumps({"contacts": contacts, "total": PAGE}).encode()


@contextmanager
def fake_server(seed: int) -> Iterator[Server]:
    """Run the fake server (no rate limit, ``seed`` contacts) in a child process."""
    command = [
        sys.executable,
        "-m",
        "leadconnector_async.testing",
        "--port",
        "0",
        "--seed",
        str(seed),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        found = re.search(r"at (\S+) token=(\S+) location=(\S+)", banner)
        if found is None:
            raise RuntimeError(f"the fake server did not start: {banner!r}")
        yield Server(*found.groups())
    finally:
        process.terminate()
        process.wait(timeout=10)


async def bench_contact(server: Server) -> str:
    """Create the contact the ``get`` workloads fetch; return its id."""
    fields = contact_fields(random.Random(2), 10**6)
    del fields["attributionSource"]  # set by the server's forms, not by a create
    async with lc.LeadConnector(
        server.token, location_id=server.location_id, base_url=server.url
    ) as client:
        return (await client.contacts.create(msgspec.convert(fields, lc.ContactCreate))).id


Results = dict[tuple[str, str], list[Sample]]


async def run_http(server: Server, rounds: int, seconds: float, results: Results) -> None:
    """Workloads 1 and 2, all contenders in one process, interleaved."""
    contact_id = await bench_contact(server)
    clients: dict[str, Contender] = {key: cls(server) for key, cls in CONTENDERS.items()}
    try:
        for client in clients.values():  # warm up: connections, imports, caches
            await concurrent(client.get, contact_id, 0.3, [])
        for _ in range(rounds):
            for key, client in clients.items():
                await sequential(client.get, contact_id, seconds, results["sequential", key])
            for key, client in clients.items():
                await concurrent(client.get, contact_id, seconds, results["concurrent", key])
    finally:
        for client in clients.values():
            await client.aclose()


def run_decode(rounds: int, seconds: float, results: Results) -> None:
    """Workload 3: the same page through each library's decoding."""
    page = search_page()
    ways = decoders()
    for _ in range(rounds):
        for key, decode in ways.items():
            decoding(decode, page, seconds, results["decode", key])


def run_walks(server: Server, rounds: int, total: int, results: Results) -> None:
    """Workload 4: each walk in a fresh client process, so its peak RSS is its own."""
    for _ in range(rounds):
        for key in CONTENDERS:
            command = [
                sys.executable,
                "-m",
                "benchmarks.compare",
                "--child-walk",
                key,
                "--walk",
                str(total),
                "--server",
                json.dumps(asdict(server)),
            ]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            results["walk", key].append(Sample(**json.loads(out.splitlines()[-1])))


async def child_walk(key: str, server: Server, total: int) -> None:
    """In a fresh process: walk ``total`` contacts with one contender; print a Sample as JSON."""
    client = CONTENDERS[key](server)
    done = [0]
    samples: list[Sample] = []
    try:
        with timed(done, samples):
            async for _ in client.walk():
                done[0] += 1
                if done[0] >= total:
                    break
    finally:
        await client.aclose()
    samples[0].peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(asdict(samples[0])))


NAMES = {"ours": "leadconnector_async", "sdk": "official SDK", "aiohttp": "bare aiohttp"}
DECODER_NAMES = {
    "ours": "msgspec into `lc.Contact` structs",
    "sdk": "`json.loads` + pydantic `GetContactByIdSchemaV3.model_validate`",
    "aiohttp": "`json.loads` (plain dicts, the floor)",
}
ROWS = (  # (workload, figure, label, format)
    ("sequential", "wall_us", "sequential get: wall µs per call", "{:,.0f}"),
    ("sequential", "cpu_us", "sequential get: client CPU µs per call", "{:,.0f}"),
    ("concurrent", "rate", f"concurrent get ({CONCURRENCY} in flight): requests/s", "{:,.0f}"),
    (
        "concurrent",
        "cpu_us",
        f"concurrent get ({CONCURRENCY} in flight): client CPU µs per request",
        "{:,.0f}",
    ),
    ("decode", "cpu_us", f"decode a {PAGE}-contact search page: CPU µs per contact", "{:,.2f}"),
    ("walk", "rate", "walk search pages: contacts/s", "{:,.0f}"),
    ("walk", "peak_rss_mb", "walk search pages: peak RSS of the client process, MB", "{:,.0f}"),
)


def spread(values: list[float], fmt: str) -> str:
    """``median (min-max)`` of the per-round values."""
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{fmt.format(mid)} ({fmt.format(low)}-{fmt.format(high)})"


def figures_table(results: Results) -> list[str]:
    lines = [
        "| figure: median (min-max) over rounds | " + " | ".join(NAMES.values()) + " |",
        "|---|---:|---:|---:|",
    ]
    for workload, figure, label, fmt in ROWS:
        if (workload, "ours") not in results:
            continue
        cells = [spread([getattr(s, figure) for s in results[workload, k]], fmt) for k in NAMES]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def ratios_table(results: Results) -> list[str]:
    lines = [
        "| ratio of the same round's figures: median (min-max) | measured | target | met |",
        "|---|---:|---:|---|",
    ]
    for label, workload, figure, num, den, at_least, bound in TARGETS:
        pairs = zip(results[workload, num], results[workload, den], strict=True)
        values = [getattr(a, figure) / getattr(b, figure) for a, b in pairs]
        median = statistics.median(values)
        met = median >= bound if at_least else median <= bound
        target = f"{'≥' if at_least else '≤'} {bound:g}"
        lines.append(
            f"| {label} | {spread(values, '{:.2f}')} | {target} | {'yes' if met else '**no**'} |"
        )
    return lines


def environment() -> str:
    names = ("leadconnector-async", "gohighlevel-api-client", "httpx", "pydantic")
    peers = ", ".join(f"{name} {_version_of(name)}" for name in names)
    return f"{machine()}; {peers}; {os.cpu_count()} cores"


NOTES = """\
What the figures mean:
- The fake server runs in its own process with its rate limit off. CPU figures are the
  benchmark process's own (`time.process_time`), so the server's cost is not counted; wall
  figures and requests/s include the server's time and the machine's noise.
- leadconnector_async runs its whole pipeline: limiter (sized out of reach), retry loop, typed
  `lc.Contact` results. The official SDK (`gohighlevel-api-client`, httpx) returns
  `response.json()` dicts; a subclass points it at the fake (`BASE_URL`, `API_VERSION`).
  Bare aiohttp is one session and `json.loads`: the floor.
- Decoding: {decoders}.
- Walk: one fresh client process per run; its peak RSS includes the interpreter and imports.
"""


def _version_of(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "(not installed)"


def report(results: Results, command: str, load: tuple[float, float]) -> str:
    """The Markdown section: command, machine, figures, ratios against the targets, notes."""
    decoders = "; ".join(f"{NAMES[key]}: {how}" for key, how in DECODER_NAMES.items())
    return "\n".join(
        [
            f"Command: `{command}`",
            "",
            f"Machine: {environment()}",
            "",
            f"Load average (1 min) before / after: {load[0]:.2f} / {load[1]:.2f}.",
            "",
            *figures_table(results),
            "",
            *ratios_table(results),
            "",
            NOTES.format(decoders=decoders),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="per timed run")
    parser.add_argument("--walk", type=int, default=20_000, help="contacts to walk (0: skip)")
    parser.add_argument("--child-walk", choices=sorted(CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--server", type=json.loads, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_walk:
        asyncio.run(child_walk(args.child_walk, Server(**args.server), args.walk))
        return
    command = (
        f"python -m benchmarks.compare --rounds {args.rounds} --seconds {args.seconds} "
        f"--walk {args.walk}"
    )
    load_before = os.getloadavg()[0]
    results: Results = {(w, k): [] for w in ("sequential", "concurrent", "decode") for k in NAMES}
    with fake_server(seed=args.walk) as server:
        asyncio.run(run_http(server, args.rounds, args.seconds, results))
        run_decode(args.rounds, args.seconds, results)
        if args.walk:
            results.update({("walk", k): [] for k in NAMES})
            run_walks(server, args.rounds, args.walk, results)
    text = report(results, command, (load_before, os.getloadavg()[0]))
    print(text)
    write_section("Compare", text)


if __name__ == "__main__":
    main()
