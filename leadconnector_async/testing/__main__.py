"""``python -m leadconnector_async.testing --port N``: run the fake server standalone.

On SIGTERM or Ctrl-C it stops and prints its counters as one ``fake stats {json}`` line.
"""

from __future__ import annotations

import argparse
import asyncio

from ._limits import FakeRateLimit
from ._report import stats_line, until_signalled
from ._seed import seed_contacts, seed_custom_fields
from ._server import FakeLeadConnector


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake LeadConnector server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rate-limit", type=int, metavar="N", help="requests per window")
    parser.add_argument("--period", type=float, default=10.0, help="window seconds")
    parser.add_argument("--daily", type=int, default=200_000, help="requests per token per day")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="contacts to create")
    parser.add_argument(
        "--real-world-shapes",
        action="store_true",
        help="serve search results as the real API does (epoch-ms dateOfBirth, address)",
    )
    parser.add_argument(
        "--allow-duplicates", action="store_true", help="the location allows duplicate contacts"
    )
    args = parser.parse_args(argv)
    limit = FakeRateLimit(args.rate_limit, args.period, args.daily) if args.rate_limit else None
    fake = FakeLeadConnector(rate_limit=limit, real_world_shapes=args.real_world_shapes)
    fake.store.allow_duplicates[fake.location_id] = args.allow_duplicates
    seed_contacts(fake.store, fake.location_id, args.seed)
    seed_custom_fields(fake.custom_fields, fake.location_id)
    asyncio.run(_serve(fake, args.host, args.port))


async def _serve(fake: FakeLeadConnector, host: str, port: int) -> None:
    url = await fake.start(host, port)
    print(f"fake LeadConnector at {url} token={fake.token} location={fake.location_id}", flush=True)
    try:
        await until_signalled()
    finally:
        await fake.stop()
        print(stats_line(fake), flush=True)


if __name__ == "__main__":
    main()
