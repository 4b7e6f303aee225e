"""Instructions per request with many locations, ours against bare aiohttp, counted by valgrind.

    python -m benchmarks.tenant_instructions [--few 400] [--many 2400] [--locations 1000]

``benchmarks/tenants.py`` judges the client by requests/s beside bare aiohttp's ceiling, and on a
shared machine whose speed drifts over minutes that ratio strays by a tenth from run to run. The
instructions spent per request stray by a fraction of a percent, so this is where a change to
the many-locations path shows first. Against the raw server (``benchmarks/_raw_server.py``, its
own process, not counted), each contender runs under callgrind twice, sending ``--few`` and then
``--many`` gets; the difference divided by the extra gets is one request's cost:

- bare aiohttp, 100 in flight on one session (its ceiling in ``tenants.py``);
- ours, one root client and ``--locations`` locations via ``for_location`` (each its own token),
  the limiter on, 100 in flight: a place in the pool is always free;
- ours again with 300 calls outstanding: every call waits for a place in the pool (the
  admission queue, its deadline and its wake-up), as every served call does once the pool is
  saturated;
- bare aiohttp with the same 300 callers, each waiting for one of the 100 places: through the
  cheapest gate (``FifoGate`` of ``benchmarks/_tenant_load.py``, a future per waiting caller)
  and through ``asyncio.Semaphore(100)``, what a user would write. What waiting itself costs
  any client, so the yardstick for the row above.

Every child calls ``lc.tune_gc()``. Ours gives each call a 600 s budget so that valgrind's
slowness (~50x) never makes the saturated pool refuse one; for the same reason work done once
per limiter tick (10 ms of loop time) is counted about 50x as often as in a real run (see
``benchmarks/instructions.py``). Needs valgrind; run from the repository root.
"""

from __future__ import annotations

import argparse
import asyncio
import json

import leadconnector_async as lc
from benchmarks._callgrind import per_get, require_valgrind
from benchmarks._results import machine, write_section
from benchmarks._tenant_load import POOL, FifoGate, bare_session, location_token
from benchmarks.tenants import raw_server

MODULE = "benchmarks.tenant_instructions"
CONTENDERS = {
    "bare aiohttp, 100 in flight": ("bare", POOL),
    "ours, 100 in flight (a place always free)": ("ours", POOL),
    "ours, 300 outstanding (each call waits for a place)": ("ours", 3 * POOL),
    "bare aiohttp, 300 callers through a FIFO gate of 100": ("fifo", 3 * POOL),
    "bare aiohttp, 300 callers through asyncio.Semaphore(100)": ("semaphore", 3 * POOL),
}


async def child(url: str, gets: int, kind: str, outstanding: int, locations: int) -> None:
    """Send ``gets`` gets (after 200 to warm up) from ``outstanding`` callers, ours or bare
    aiohttp's (``kind``: ``bare``, through a ``fifo`` gate or a ``semaphore``)."""
    lc.tune_gc()
    left = [gets + 200]
    if kind != "ours":
        gate = FifoGate(POOL)
        semaphore = asyncio.Semaphore(POOL)
        async with bare_session(POOL) as session:

            async def bare_worker() -> None:
                while left[0] > 0:
                    left[0] -= 1
                    if kind == "semaphore":
                        await semaphore.acquire()
                    elif kind == "fifo":
                        await gate.enter()
                    try:
                        async with session.get(f"{url}/contacts/c1") as response:
                            await response.read()
                    finally:
                        if kind == "semaphore":
                            semaphore.release()
                        elif kind == "fifo":
                            gate.leave()

            await asyncio.gather(*(bare_worker() for _ in range(outstanding)))
        return
    async with lc.LeadConnector(None, base_url=url, connection_limit=POOL, timeout=600) as root:
        clients = [root.for_location(*location_token(n)) for n in range(locations)]
        turn = [0]

        async def worker() -> None:
            while left[0] > 0:
                left[0] -= 1
                turn[0] = (turn[0] + 1) % locations
                await clients[turn[0]].contacts.get("c1")

        await asyncio.gather(*(worker() for _ in range(outstanding)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--few", type=int, default=400)
    parser.add_argument("--many", type=int, default=2400)
    parser.add_argument("--locations", type=int, default=1000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(*json.loads(args.child)))
        return
    require_valgrind()
    command = f"python -m benchmarks.tenant_instructions --few {args.few} --many {args.many}"
    command += f" --locations {args.locations}"
    per: dict[str, float] = {}
    with raw_server() as url:
        for name, (kind, outstanding) in CONTENDERS.items():
            tail = [kind, outstanding, args.locations]
            per[name] = per_get(MODULE, args.few, args.many, [url], tail)
            print(f"{name}: {per[name] / 1000:,.1f} k", flush=True)
    bare = next(iter(per.values()))
    rows = [f"| {name} | {n / 1000:,.1f} k | {n / bare:.3f} |" for name, n in per.items()]
    text = "\n".join(
        [
            f"Command: `{command}`",
            "",
            f"Machine: {machine()}",
            "",
            f"Instructions per `contacts.get` with {args.locations:,} locations (each its own "
            "token, the limiter on) against the raw server of `benchmarks/tenants.py`, or bare "
            "aiohttp's equivalent:",
            "",
            "| contender | per request | / bare aiohttp |",
            "|---|---:|---:|",
            *rows,
            "",
            "Counted by valgrind's callgrind; see the script's docstring for what a count "
            "leaves out and what it counts too often.",
        ]
    )
    print(text)
    write_section("Instructions per request, many locations", text)


if __name__ == "__main__":
    main()
