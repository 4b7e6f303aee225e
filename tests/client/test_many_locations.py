"""One process, one pool, a thousand locations: shared connector, independent limits."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from typing import Any

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, FakeOAuth, FakeRateLimit, TokenInfo

N = 1_000
START = 1_700_000_000.0


def _token(i: int) -> lc.OAuthToken:
    return lc.OAuthToken(
        access_token=f"at-{i}",
        refresh_token=f"rt-{i}",
        expires_at=START,
        client_id="app",
        client_secret="secret",
        on_refresh=None,
    )


def _issued(
    body: dict[str, Any], oauth: FakeOAuth, save: lc.auth.OnRefresh | None, **kw: Any
) -> lc.OAuthToken:
    clock = kw.get("clock", time.time)
    return lc.OAuthToken(
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
        expires_at=clock() + body["expires_in"],
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        on_refresh=save,
        **kw,
    )


def test_a_thousand_location_clients_are_cheap() -> None:
    pool = lc.LeadConnector(None, base_url="http://127.0.0.1:9")
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        clients = [pool.for_location(f"loc-{i}", token=_token(i)) for i in range(N)]
        held = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert len(clients) == N
    assert held < 3_000 * N  # measured about 0.6 KB per location, token included


async def test_a_thousand_locations_are_served_through_one_connector() -> None:
    tokens = {f"tok-{i}": TokenInfo(location_id=f"loc-{i}") for i in range(N)}
    async with (
        FakeLeadConnector(tokens=tokens) as fake,
        lc.LeadConnector(None, base_url=fake.url) as pool,
    ):
        clients = [pool.for_location(f"loc-{i}", token=f"tok-{i}") for i in range(N)]
        created = await asyncio.gather(
            *(
                c.contacts.create(lc.ContactCreate(first_name=f"n{i}"))
                for i, c in enumerate(clients)
            )
        )
        transport = pool._pool.transport
        assert all(c._pool.transport is transport for c in clients)
        session = transport.session  # type: ignore[attr-defined]
        assert session is not None
        assert session.connector.limit == 100
    located = [fake.store.contacts[c.id]["locationId"] for c in created]
    assert located == [f"loc-{i}" for i in range(N)]
    assert fake.stats.requests == N


async def test_a_location_at_its_limit_does_not_slow_another() -> None:
    tokens = {"tok-a": TokenInfo(location_id="a"), "tok-b": TokenInfo(location_id="b")}
    async with FakeLeadConnector(tokens=tokens, rate_limit=FakeRateLimit(5, 0.3)) as fake:
        a_id = fake.store.create("a", {"firstName": "A"})["id"]
        b_id = fake.store.create("b", {"firstName": "B"})["id"]
        limit = lc.RateLimit(max_requests=5, period=0.3, daily=None)
        async with lc.LeadConnector(None, base_url=fake.url, rate_limit=limit) as pool:
            a = pool.for_location("a", token="tok-a")
            b = pool.for_location("b", token="tok-b")
            started = time.perf_counter()
            await asyncio.gather(*(a.contacts.get(a_id) for _ in range(5)))  # A's window is full
            backlog = asyncio.gather(*(a.contacts.get(a_id) for _ in range(10)))
            await b.contacts.get(b_id)
            assert not backlog.done()  # B went ahead of A's two windows of backlog
            await backlog
            a_took = time.perf_counter() - started
    assert a_took >= 2 * 0.3  # fifteen calls at five per window need three windows
    assert fake.stats.rate_limited == 0
    assert fake.stats.requests == 16


async def test_each_locations_grant_refreshes_once_and_alone() -> None:
    clock_now = [START]
    saved: dict[str, list[lc.OAuthToken]] = {}

    async def save(token: lc.OAuthToken) -> None:
        saved.setdefault(token.location_id or "", []).append(token)

    locations = [f"loc-{i}" for i in range(200)]
    async with FakeLeadConnector(wall_clock=lambda: clock_now[0]) as fake:
        oauth = FakeOAuth.of(fake)
        async with lc.LeadConnector(None, base_url=fake.url) as pool:
            clients = []
            for location in locations:
                body = oauth.redeem(oauth.authorize(location_id=location))
                token = _issued(body, oauth, save, clock=lambda: clock_now[0])
                clients.append(pool.for_location(location, token=token))
            clock_now[0] += oauth.access_token_ttl
            await asyncio.gather(
                *(c.contacts.create(lc.ContactCreate()) for c in clients for _ in range(3))
            )
    assert oauth.stats.refreshes == len(locations)
    assert sorted(saved) == sorted(locations)
    assert all(len(pairs) == 1 for pairs in saved.values())
    assert fake.stats.statuses[401] == 0


async def test_agency_mints_share_the_company_budget_without_blocking_locations() -> None:
    async with FakeLeadConnector() as fake:
        oauth = FakeOAuth.of(fake)
        body = oauth.redeem(oauth.authorize(user_type="Company", company_id="co"))
        agency = _issued(body, oauth, None, user_type="Company", company_id="co")
        limit = lc.RateLimit(max_requests=100, period=10.0, daily=None)
        async with lc.LeadConnector(None, base_url=fake.url, rate_limit=limit) as pool:
            tokens = lc.AgencyTokens(pool, agency)
            clients = [
                pool.for_location(f"loc-{i}", token=tokens.for_location(f"loc-{i}"))
                for i in range(100)
            ]
            async with asyncio.timeout(5):
                await asyncio.gather(
                    *(c.contacts.create(lc.ContactCreate()) for c in clients for _ in range(2))
                )
            company = pool.rate_limit_status("co")
    assert oauth.stats.location_tokens == 100
    assert company is not None
    assert company.daily_used == 100
    assert len(fake.store.contacts) == 200
