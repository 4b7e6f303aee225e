"""Issue 14's reproductions against the fake server: each failed before the fix."""

from __future__ import annotations

import asyncio

import pytest

import leadconnector_async as lc
from leadconnector_async._config import RateLimit
from leadconnector_async._rate_headers import RateLimitSnapshot
from leadconnector_async._ratelimit import LocalLimiter
from leadconnector_async.testing import FakeLeadConnector, Faults

from ._secrets import assert_secret_unreachable

FAST_RETRY = lc.RetryPolicy(max_retries=3, backoff_base=0.001, backoff_max=0.01)


def _client(fake: FakeLeadConnector, token: str | None = None, **kw: object) -> lc.LeadConnector:
    return lc.LeadConnector(
        token or fake.token,
        location_id=fake.location_id,
        base_url=fake.url,
        rate_limit=None,
        retry=FAST_RETRY,
        **kw,  # type: ignore[arg-type]
    )


def _limited(fake: FakeLeadConnector, slots: int) -> lc.LeadConnector:
    """A client allowed ``slots`` requests a minute: each slot stays taken for the test."""
    return lc.LeadConnector(
        fake.token,
        location_id=fake.location_id,
        base_url=fake.url,
        rate_limit=RateLimit(max_requests=slots, period=60.0),
    )


async def test_dot_segments_are_refused_before_anything_is_sent() -> None:
    async with FakeLeadConnector() as fake, _client(fake) as client:
        contact_id = fake.store.create(fake.location_id, {"firstName": "D"})["id"]
        for bad in ("..", ".", " "):
            with pytest.raises(lc.ConfigurationError):
                await client.contacts.campaigns.remove(contact_id, bad)
        with pytest.raises(lc.ConfigurationError):
            await client.contacts.get("..")
    assert fake.stats.requests == 0
    assert contact_id in fake.store.contacts


async def test_an_id_with_a_slash_stays_one_segment() -> None:
    async with FakeLeadConnector() as fake, _client(fake) as client:
        with pytest.raises(lc.NotFoundError):
            await client.contacts.get("a/../b")
    assert list(fake.stats.routes) == ["GET /contacts/{contactId}"]


@pytest.mark.parametrize("token", ["abc\r\nX-Injected: 1", "abc\n", "a\x00b", "a\ud800b"])
async def test_a_token_with_control_characters_is_refused_before_sending(token: str) -> None:
    async with FakeLeadConnector() as fake, _client(fake, token=token) as client:
        with pytest.raises(lc.ConfigurationError) as caught:
            await client.contacts.get("c1")
    assert fake.stats.requests == 0
    assert token not in str(caught.value)


async def test_a_delete_answered_502_then_not_found_succeeds() -> None:
    async with FakeLeadConnector(not_found_status=404) as fake, _client(fake) as client:
        contact_id = fake.store.create(fake.location_id, {"firstName": "D"})["id"]
        fake.force_fault("bad_gateway")
        assert await client.contacts.delete(contact_id) is None  # type: ignore[func-returns-value]
    assert contact_id not in fake.store.contacts
    assert fake.stats.statuses[502] == 1
    assert fake.stats.statuses[404] == 1


async def test_a_get_answered_502_then_not_found_still_raises() -> None:
    async with FakeLeadConnector(not_found_status=404) as fake, _client(fake) as client:
        fake.force_fault("bad_gateway")
        with pytest.raises(lc.NotFoundError):
            await client.contacts.get("missing")
    assert fake.stats.statuses[502] == 1


async def test_the_rejected_token_is_not_reachable_from_the_401() -> None:
    secret = "wrong-token-s3cr3t"
    async with FakeLeadConnector() as fake, _client(fake, token=secret) as client:
        with pytest.raises(lc.AuthenticationError) as caught:
            await client.contacts.get("c1")
    assert caught.value.__context__ is None
    assert_secret_unreachable(caught.value, secret)


async def test_the_token_is_not_reachable_from_a_transport_error() -> None:
    async with FakeLeadConnector(faults=Faults(reset_before=1.0)) as fake, _client(fake) as client:
        with pytest.raises(lc.TransportError) as caught:
            await client.with_options(max_retries=0).contacts.get("c1")
    assert caught.value.__context__ is None
    assert_secret_unreachable(caught.value, fake.token)


async def test_cancelled_while_queued_for_a_slot_raises_cancelled_and_frees_nothing_twice() -> None:
    limiter = LocalLimiter(RateLimit(max_requests=2, period=60.0, daily=None))
    held = await limiter.acquire("loc")
    limiter.observe(held, RateLimitSnapshot(max=1))  # one slot: the next request queues
    queued = asyncio.ensure_future(limiter.acquire("loc"))
    await asyncio.sleep(0)  # queued behind the held slot
    queued.cancel()
    limiter.observe(held, RateLimitSnapshot(max=2))  # wakes the queue before the task runs
    with pytest.raises(asyncio.CancelledError):
        await queued
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 1
    await limiter.acquire("loc")  # the slot is still usable: the limiter is whole
    status = limiter.status("loc")
    assert status is not None
    assert status.in_use == 2


async def test_a_timeout_while_queued_raises_timeout_error_and_keeps_the_limiter() -> None:
    async with FakeLeadConnector() as fake:
        contact_id = fake.store.create(fake.location_id, {"firstName": "Q"})["id"]
        async with _limited(fake, 1) as client:
            await client.contacts.get(contact_id)
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.05):
                    await client.contacts.get(contact_id)
            status = client.rate_limit_status()
    assert fake.stats.requests == 1
    assert status is not None
    assert status.in_use == 1  # the first request's slot, cooling; nothing leaked or lost


async def test_a_timeout_while_the_request_is_in_flight_keeps_the_limiter_whole() -> None:
    async with FakeLeadConnector(faults=Faults(latency=0.5)) as fake:
        contact_id = fake.store.create(fake.location_id, {"firstName": "F"})["id"]
        async with _limited(fake, 2) as client:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.1):
                    await client.contacts.get(contact_id)
            cancelled = client.rate_limit_status()
            found = await client.contacts.get(contact_id)  # the second slot is still there
            after = client.rate_limit_status()
    assert found.first_name == "F"
    assert cancelled is not None
    assert after is not None
    assert (cancelled.in_use, after.in_use) == (1, 2)  # each slot cooling, none lost or leaked


async def test_text_that_is_not_valid_unicode_is_refused_before_sending() -> None:
    bad = "a\ud800"
    async with FakeLeadConnector() as fake, _client(fake) as client:
        attempts = [
            client.contacts.get(bad),
            client.contacts.create(lc.ContactCreate(first_name=bad)),
            client.contacts.search(query=bad).__anext__(),
            client.contacts.by_business("b1", query=bad).__anext__(),
        ]
        for attempt in attempts:
            with pytest.raises(lc.ConfigurationError, match="not valid Unicode"):
                await attempt
    assert fake.stats.requests == 0
