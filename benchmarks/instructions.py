"""Instructions per request, ours against bare aiohttp, counted by valgrind (callgrind).

CPU-time ratios on a shared 2-core machine stray by several hundredths between runs; an
instruction count strays by a few tenths of a percent (the server's pace changes how often the
event loop turns), so a change to the hot path shows here first. Each contender runs
in a child process under callgrind twice, sending ``--few`` and then ``--many`` gets to the fake
server (in its own process, sending the API's rate-limit headers, not counted); the difference
divided by the extra gets is the cost of one request, start-up left out. Ours runs with its
limiter on (sized so that it never waits), bare aiohttp is one session and ``json.loads``.

Instructions are not time: the interpreter's instructions cost more cache misses and
mispredicted branches than the C of ``json.loads``, so a CPU-time ratio comes out above the
instruction ratio. Under valgrind the process runs ~50x slower, so work done once per limiter
tick (10 ms of loop time) is counted about 50x as often as in a real run.

Needs valgrind (``apt install valgrind``); run from the repository root.
"""

from __future__ import annotations

import argparse
import asyncio
import json

import aiohttp

import leadconnector_async as lc
from benchmarks._callgrind import per_get, require_valgrind
from benchmarks._contenders import Server
from benchmarks._results import machine, write_section
from benchmarks.compare import bench_contact, fake_server
from leadconnector_async.testing import API_VERSION

CONTENDERS = ("bare aiohttp", "leadconnector_async, limiter on")
MODULE = "benchmarks.instructions"


async def child(name: str, server: Server, contact_id: str, gets: int, in_flight: int) -> None:
    """Send ``gets`` gets (after 100 to warm up), ``in_flight`` at a time."""
    if name == CONTENDERS[0]:
        headers = {"Authorization": f"Bearer {server.token}", "Version": API_VERSION}
        session = aiohttp.ClientSession(headers={**headers, "Accept": "application/json"})

        async def get() -> object:
            async with session.get(f"{server.url}/contacts/{contact_id}") as response:
                body = await response.read()
                response.raise_for_status()
            return json.loads(body)["contact"]

        close = session.close
    else:
        limit = lc.RateLimit(max_requests=10**9, period=10.0, daily=None)
        client = lc.LeadConnector(
            server.token, location_id=server.location_id, base_url=server.url, rate_limit=limit
        )

        async def get() -> object:
            return await client.contacts.get(contact_id)

        close = client.aclose
    for _ in range(100):
        await get()
    left = [gets]

    async def worker() -> None:
        while left[0] > 0:
            left[0] -= 1
            await get()

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    await close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--few", type=int, default=300)
    parser.add_argument("--many", type=int, default=1300)
    parser.add_argument("--in-flight", default="1,64", help="comma-separated")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, server, contact_id, gets, in_flight = json.loads(args.child)
        asyncio.run(child(name, Server(**server), contact_id, gets, in_flight))
        return
    require_valgrind()
    command = f"python -m benchmarks.instructions --few {args.few} --many {args.many}"
    command += f" --in-flight {args.in_flight}"
    rows = []
    with fake_server(200, headers=True) as server:
        contact_id = asyncio.run(bench_contact(server))
        for in_flight in (int(n) for n in args.in_flight.split(",")):
            per = {}
            for name in CONTENDERS:
                spec = [name, server.__dict__, contact_id]
                per[name] = per_get(MODULE, args.few, args.many, spec, [in_flight])
            ours, bare = per[CONTENDERS[1]], per[CONTENDERS[0]]
            rows.append(
                f"| {in_flight} | {bare / 1000:,.1f} k | {ours / 1000:,.1f} k | {ours / bare:.3f} |"
            )
            print(rows[-1], flush=True)
    text = "\n".join(
        [
            f"Command: `{command}`",
            "",
            f"Machine: {machine()}",
            "",
            "Instructions per `contacts.get` (or bare aiohttp's equivalent) against the fake "
            "server sending the five rate-limit headers; ours with its limiter on.",
            "",
            "| in flight | bare aiohttp | leadconnector_async | ours / bare |",
            "|---|---:|---:|---:|",
            *rows,
            "",
            "Counted by valgrind's callgrind, whatever else the machine does; runs differ by a "
            "few tenths of a percent. See the script's docstring for what a count leaves out.",
        ]
    )
    print(text)
    write_section("Instructions per request", text)


if __name__ == "__main__":
    main()
