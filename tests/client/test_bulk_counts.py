"""A bulk job counts its own requests and 429s, not everything else sharing the client's pool."""

from __future__ import annotations

import asyncio
from typing import Unpack

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, FakeRateLimit

from ._options import ClientOptions


def _rows(prefix: str, count: int) -> list[lc.ContactCreate]:
    return [lc.ContactCreate(email=f"{prefix}{n}@example.com") for n in range(count)]


def _client(fake: FakeLeadConnector, **kw: Unpack[ClientOptions]) -> lc.LeadConnector:
    return lc.LeadConnector(
        fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None, **kw
    )


async def test_two_concurrent_jobs_each_count_their_own_requests() -> None:
    async with FakeLeadConnector() as fake, _client(fake) as client:
        first, second = await asyncio.gather(
            client.contacts.bulk_upsert(_rows("a", 100), concurrency=10),
            client.contacts.bulk_upsert(_rows("b", 60), concurrency=10),
        )
        pool = client.request_counts
    assert (first.ok, second.ok) == (100, 60)
    assert first.requests == 100
    assert second.requests == 60
    assert pool.sent == fake.stats.requests == 160


async def test_a_jobs_429s_are_its_own() -> None:
    retry = lc.RetryPolicy(max_retries=20, backoff_base=0.01, backoff_max=0.05)
    async with (
        FakeLeadConnector(rate_limit=FakeRateLimit(10, 0.2)) as fake,
        _client(fake, retry=retry) as client,
    ):
        careless, idle = await asyncio.gather(
            client.contacts.bulk_upsert(_rows("a", 30), concurrency=30),
            client.contacts.bulk_upsert(_rows("b", 0)),
        )
    assert careless.ok == 30
    assert careless.rate_limited == fake.stats.rate_limited > 0
    assert careless.requests == fake.stats.requests
    assert (idle.requests, idle.rate_limited) == (0, 0)
