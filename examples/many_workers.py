"""Several worker processes share one location's rate limit through Redis.

    python examples/many_workers.py --redis redis://127.0.0.1:6379/0 --workers 4 --rows 200

The demo starts the embedded fake server (20 requests per 0.5 s, so it finishes in seconds),
runs ``--workers`` processes that each upsert their share of the rows through a
:class:`RedisLimiter`, and prints what the server saw: every row stored, no 429. In production,
each of your processes runs what :func:`worker` does, with your token, location and
``lc.RateLimit()``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import leadconnector_async as lc
from leadconnector_async.redis_limiter import RedisLimiter
from leadconnector_async.testing import FakeLeadConnector, FakeRateLimit

LIMIT = lc.RateLimit(max_requests=20, period=0.5, daily=None)  # the API's is lc.RateLimit()


async def worker(
    url: str, token: str, location: str, redis_url: str, rows: range, share: float
) -> tuple[float, float]:
    """One process's job: upsert ``rows`` within the budget every worker shares.

    Returns:
        When it started and finished sending (``time.time()``).
    """
    limiter = RedisLimiter(redis_url, LIMIT, on_unavailable="local", local_share=share)
    async with (
        limiter,
        lc.LeadConnector(token, location_id=location, base_url=url, limiter=limiter) as client,
    ):
        started = time.time()
        items = (lc.ContactCreate(email=f"row{n}@example.com") for n in rows)
        result = await client.contacts.bulk_upsert(items, concurrency=10)
        assert not result.failed, result.failed
    return started, time.time()


def run_worker(*args: Any) -> tuple[float, float]:
    """:func:`worker` in a process of its own."""
    return asyncio.run(worker(*args))


async def main(redis_url: str, workers: int, rows: int) -> None:
    async with FakeLeadConnector(
        rate_limit=FakeRateLimit(LIMIT.max_requests, LIMIT.period)
    ) as fake:
        loop = asyncio.get_running_loop()
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=spawn) as pool:
            jobs = [
                loop.run_in_executor(
                    pool,
                    run_worker,
                    fake.url,
                    fake.token,
                    fake.location_id,
                    redis_url,
                    range(n, rows, workers),
                    1 / workers,
                )
                for n in range(workers)
            ]
            spans = await asyncio.gather(*jobs)
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    stored, refused = len(fake.store.contacts), fake.stats.rate_limited
    print(
        f"{workers} workers upserted {rows} rows in {elapsed:.1f} s ({rows / elapsed:.0f}/s; "
        f"the limit allows {LIMIT.max_requests / LIMIT.period:.0f}/s); the server stored "
        f"{stored} and answered {refused} with 429"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rows", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.redis, args.workers, args.rows))
