"""One worker process of the many-workers tests: upsert a range of rows into one location.

Prints ``ready``, waits for a line on stdin (so every worker starts at once), runs
``contacts.bulk_upsert_stream`` printing ``row`` as each row finishes, and ends with
``result {json}``. Without ``--redis`` it uses the default
in-process limiter, which is what the Redis limiter exists to replace.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

import leadconnector_async as lc
from leadconnector_async.redis_limiter import RedisLimiter


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    for name in ("--url", "--token", "--location"):
        parser.add_argument(name, required=True)
    parser.add_argument("--first", type=int, required=True)
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--rate-limit", type=int, default=20)
    parser.add_argument("--period", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--max-retries", type=int, default=3)
    parser.add_argument("--redis")
    parser.add_argument("--key-prefix", default="test")
    parser.add_argument("--on-unavailable", default="fail")
    return parser.parse_args()


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    limit = lc.RateLimit(args.rate_limit, args.period, daily=None)
    limiter = None
    if args.redis:
        limiter = RedisLimiter(
            args.redis, limit, key_prefix=args.key_prefix, on_unavailable=args.on_unavailable
        )
    rows = [
        lc.ContactCreate(email=f"row{n}@example.com", first_name=f"Row {n}")
        for n in range(args.first, args.first + args.rows)
    ]
    failed: list[str] = []
    started = time.time()
    async with (
        lc.LeadConnector(
            args.token,
            location_id=args.location,
            base_url=args.url,
            rate_limit=limit,
            limiter=limiter,
            max_retries=args.max_retries,
        ) as client,
        client.contacts.bulk_upsert_stream(rows, concurrency=args.concurrency) as job,
    ):
        async for outcome in job:
            print("row", flush=True)
            if outcome.error is not None:
                failed.append(type(outcome.error).__name__)
    finished = time.time()
    degraded = limiter is not None and limiter.degraded
    if limiter is not None:
        await limiter.aclose()
    return {
        "ok": len(rows) - len(failed),
        "failed": failed,
        "started": started,
        "finished": finished,
        "degraded": degraded,
    }


def main() -> None:
    args = _arguments()
    print("ready", flush=True)
    sys.stdin.readline()
    print("result " + json.dumps(asyncio.run(_run(args))), flush=True)


if __name__ == "__main__":
    main()
