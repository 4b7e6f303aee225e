"""Head-of-line cases for ``bulk_upsert``: one awkward location among twenty normal ones.

Each case runs one job over 21 locations whose rows come in turn, for a fixed time, against a
server enforcing ``MAX`` per ``PERIOD`` per location: ``busy`` has half of all rows; ``slow``
answers after ``SLOW_SECONDS``; ``low`` may send only ``LOW_MAX`` per period. The ideal is every
location at its own limit for the whole time (the server cannot accept more); the figure is rows
finished / ideal.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Iterator

import leadconnector_async as lc

MAX, PERIOD = 10, 1.0  # 10 requests per second per location, in 1 s windows
SLOW_SECONDS = 2.0
LOW_MAX = 2
NORMAL = 20
SERVER_FLAGS = [
    "--max",
    str(MAX),
    "--period",
    str(PERIOD),
    "--slow",
    f"slow={SLOW_SECONDS}",
    "--limit",
    f"low={LOW_MAX}",
]
CASES = ("busy", "slow", "low")


def rows(case: str) -> Iterator[lc.ContactCreate]:
    """Endless rows taking the locations in turn; ``busy`` gets every other row."""
    normal = itertools.cycle(f"{case}-loc{n}" for n in range(NORMAL))
    for i in itertools.count():
        if case == "busy":
            location = "busy" if i % 2 else next(normal)
        else:
            location = case if i % (NORMAL + 1) == NORMAL else next(normal)
        yield lc.ContactCreate(email=f"{case}{i}@x.com", location_id=location)


def ideal(case: str, seconds: float) -> float:
    """Rows the server would accept in ``seconds``: every location at its own limit."""
    special = LOW_MAX if case == "low" else MAX
    return (NORMAL * MAX + special) / PERIOD * seconds


async def run_case(url: str, case: str, seconds: float, concurrency: int) -> tuple[int, float]:
    """Rows finished by one ``bulk_upsert`` job in ``seconds``, and that over the ideal."""
    limit = lc.RateLimit(max_requests=MAX, period=PERIOD)
    async with lc.LeadConnector("tok", base_url=url, rate_limit=limit) as client:
        job = client.contacts.bulk_upsert_stream(rows(case), concurrency=concurrency)
        finished = 0
        async with job:  # leaving the block cancels the rows still in flight
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    async for _ in job:
                        finished += 1
    return finished, finished / ideal(case, seconds)
