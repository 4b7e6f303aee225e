"""Side by side: leadconnector_async, the official SDK and bare aiohttp against one fake server.

    python -m benchmarks.compare [--rounds 15] [--seconds 0.5] [--walk 20000]

Needs the ``bench`` extra (``pip install -e '.[bench]'``). The fake server runs in its own
process with no rate limit, so the figures below are the client's: CPU time is this process's
own (``time.process_time``). The clients take turns (A B C, C B A, ...) for ``--rounds`` rounds,
so drift of a shared machine hits them alike; each figure is the median over rounds, and each
ratio is the median of the per-round ratios. Workloads:

1. sequential ``get`` of one contact: wall and client CPU microseconds per call;
2. concurrent ``get`` at concurrency 64: requests/s and client CPU per request;
3. decoding a 100-contact search page: CPU microseconds per contact, per decoder;
4. walking ``--walk`` contacts through search pages, one fresh client process per run:
   contacts/s and peak RSS;
5. workloads 1 and 2 again against a second fake that sends the API's five ``X-RateLimit-*``
   headers on every response (a limit far above what the run sends): ours with its limiter on
   against bare aiohttp, the limiter's whole hot path (admission, header reading, feedback).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import msgspec

import leadconnector_async as lc
from benchmarks._compare_report import CONCURRENCY, PAGE, Results, Sample, report
from benchmarks._contenders import CONTENDERS, LIMITED, WITH_HEADERS, Contender, Server
from benchmarks._results import write_section
from leadconnector_async._protocol import unwrap
from leadconnector_async.models.search import SearchResponse
from leadconnector_async.testing import API_VERSION
from leadconnector_async.testing._seed import contact_fields


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


def decoders() -> dict[str, Callable[[bytes], int]]:
    """Each library's way from a search page's bytes to its contacts; returns the count.

    ``pydantic_json`` is pydantic's fastest path (bytes straight into the SDK's contact model),
    which the SDK itself does not take: it is there to show the best a pydantic user gets.
    """
    import pydantic
    from highlevel.services.contacts.models import GetContactByIdSchemaV3

    class SDKPage(pydantic.BaseModel):  # type: ignore[misc]
        contacts: list[GetContactByIdSchemaV3]

    ours = unwrap(SearchResponse, SearchResponse.page)  # what contacts.search decodes with

    def sdk(body: bytes) -> int:
        return len([GetContactByIdSchemaV3.model_validate(c) for c in json.loads(body)["contacts"]])

    return {
        "ours": lambda body: len(ours(body).items),
        "sdk": sdk,
        "aiohttp": lambda body: len(json.loads(body)["contacts"]),
        "pydantic_json": lambda body: len(SDKPage.model_validate_json(body).contacts),
    }


def search_page(server: Server) -> bytes:
    """The first 100-contact page of ``POST /contacts/search``, as the fake serves it."""
    body = json.dumps({"locationId": server.location_id, "pageLimit": PAGE}).encode()
    headers = {
        "Authorization": f"Bearer {server.token}",
        "Version": API_VERSION,
        "Content-Type": "application/json",
    }
    request = urllib.request.Request(f"{server.url}/contacts/search", body, headers)
    with urllib.request.urlopen(request) as response:
        page: bytes = response.read()
    return page


@contextmanager
def fake_server(seed: int, *, headers: bool = False, period: float = 10.0) -> Iterator[Server]:
    """Run the fake server (``seed`` contacts) in a child process; with ``headers``, it enforces
    a limit no run reaches (windows of ``period``), so that it sends the five ``X-RateLimit-*``
    headers."""
    command = [sys.executable, "-m", "leadconnector_async.testing", "--port", "0"]
    command += ["--seed", str(seed)]
    if headers:
        command += ["--rate-limit", str(10**9), "--period", str(period), "--daily", str(10**9)]
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


async def run_http(
    servers: tuple[Server, Server],
    rounds: int,
    seconds: float,
    results: Results,
    headers_only: bool = False,
) -> None:
    """Workloads 1, 2 and 5 (only 5 with ``headers_only``), in one process, interleaved."""
    plain, with_headers = servers
    headers_id = await bench_contact(with_headers)
    clients: dict[str, tuple[Contender, str]] = {}
    if not headers_only:
        plain_id = await bench_contact(plain)
        clients = {key: (cls(plain), plain_id) for key, cls in {**CONTENDERS, **LIMITED}.items()}
    clients.update({key: (cls(with_headers), headers_id) for key, cls in WITH_HEADERS.items()})
    try:
        for client, contact_id in clients.values():  # warm up: connections, imports, caches
            await concurrent(client.get, contact_id, 0.3, [])
        order = list(clients.items())
        for _ in range(rounds):
            for workload, run in (("sequential", sequential), ("concurrent", concurrent)):
                for key, (client, contact_id) in order:
                    into = results.setdefault((workload, key), [])
                    await run(client.get, contact_id, seconds, into)
            order.reverse()  # A B, B A, ...: a machine that drifts during a round favours neither
    finally:
        for client, _ in clients.values():
            await client.aclose()


def run_decode(server: Server, rounds: int, seconds: float, results: Results) -> None:
    """Workload 3: the same page through each library's decoding."""
    page = search_page(server)
    ways = decoders()
    for _ in range(rounds):
        for key, decode in ways.items():
            decoding(decode, page, seconds, results.setdefault(("decode", key), []))


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
            sample = Sample(**json.loads(out.splitlines()[-1]))
            results.setdefault(("walk", key), []).append(sample)


def _memory_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, from ``/proc/self/status`` (Linux).

    ``getrusage``'s ``ru_maxrss`` would not do: across fork and exec it keeps the parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


async def child_walk(key: str, server: Server, total: int) -> None:
    """In a fresh process: walk ``total`` contacts with one contender; print a Sample as JSON."""
    client = CONTENDERS[key](server)
    start_rss_mb = _memory_mb("VmRSS")
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
    samples[0].start_rss_mb = start_rss_mb
    samples[0].peak_rss_mb = _memory_mb("VmHWM")
    print(json.dumps(asdict(samples[0])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=0.5, help="per timed run")
    parser.add_argument("--walk", type=int, default=20_000, help="contacts to walk (0: skip)")
    parser.add_argument(
        "--headers-only",
        action="store_true",
        help="only workload 5 (ours with its limiter vs bare aiohttp, rate-limit headers on)",
    )
    parser.add_argument("--child-walk", choices=sorted(CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--server", type=json.loads, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_walk:
        asyncio.run(child_walk(args.child_walk, Server(**args.server), args.walk))
        return
    command = f"python -m benchmarks.compare --rounds {args.rounds} --seconds {args.seconds} " + (
        "--headers-only" if args.headers_only else f"--walk {args.walk}"
    )
    load_before = os.getloadavg()[0]
    results: Results = {}
    seed = max(args.walk, PAGE)
    with fake_server(seed) as server, fake_server(seed, headers=True) as limiting:
        servers = (server, limiting)
        asyncio.run(run_http(servers, args.rounds, args.seconds, results, args.headers_only))
        if not args.headers_only:
            run_decode(server, args.rounds, args.seconds, results)
            if args.walk:
                run_walks(server, args.rounds, args.walk, results)
    text = report(results, command, (load_before, os.getloadavg()[0]))
    print(text)
    write_section("Compare, rate-limit headers" if args.headers_only else "Compare", text)


if __name__ == "__main__":
    main()
