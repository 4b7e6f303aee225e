"""The standalone fake's shutdown: stop on SIGTERM/SIGINT and print what it saw as one JSON line.

Tests that run the fake in its own process (several client processes against one server) read
that line to assert on the server side: ``fake stats {"requests": ..., "rate_limited": ...}``.
"""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Any

from ._server import FakeLeadConnector

STATS_PREFIX = "fake stats "


async def until_signalled() -> None:
    """Return when the process receives SIGTERM or SIGINT (so ``finally`` blocks run)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


def stats_line(fake: FakeLeadConnector) -> str:
    """The fake's counters and a summary of its store, as ``fake stats {json}``."""
    emails = [c["email"] for c in fake.store.contacts.values() if c.get("email")]
    report: dict[str, Any] = {
        "requests": fake.stats.requests,
        "rate_limited": fake.stats.rate_limited,
        "statuses": {str(status): n for status, n in sorted(fake.stats.statuses.items())},
        "routes": dict(fake.stats.routes),
        "faults": dict(fake.stats.faults),
        "contacts": len(fake.store.contacts),
        "distinct_emails": len(set(emails)),
    }
    return STATS_PREFIX + json.dumps(report, sort_keys=True)
