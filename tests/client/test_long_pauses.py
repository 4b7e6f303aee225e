"""A 429 that asks for a longer pause than the client waits out still pauses its location."""

from __future__ import annotations

import asyncio

import pytest

import leadconnector_async as lc

from .test_hostile_server import CONTACT, RawServer, answer, client_for, serving

HOUR = 3600.0


async def _an_hour_please(raw: RawServer, writer: asyncio.StreamWriter) -> None:
    body = b'{"message":"Too many requests"}'
    await raw.write(writer, answer(body, f"Retry-After: {HOUR:g}", status="429 Too Many"))


async def test_the_locations_other_calls_fail_at_once_without_a_request() -> None:
    async with serving(_an_hour_please) as raw, client_for(raw, max_retries=3) as client:
        with pytest.raises(lc.RateLimitError) as first:
            await client.contacts.get("c1")  # an hour is longer than max_wait: not waited
        assert first.value.status_code == 429
        assert first.value.retry_after == HOUR
        later = await asyncio.gather(
            *(client.contacts.get(f"c{n}") for n in range(5)), return_exceptions=True
        )
        assert len(raw.requests) == 1  # none of them spent a request on another 429
        for error in later:
            assert isinstance(error, lc.RateLimitTimeoutError)
            assert error.retry_after is not None
            assert HOUR - 60 < error.retry_after <= HOUR
            assert "paused" in str(error)
        elsewhere = client.for_location("another-location")
        with pytest.raises(lc.RateLimitError) as other:
            await elsewhere.contacts.get("c1")  # another location's budget is its own
        assert other.value.status_code == 429
        assert len(raw.requests) == 2


@pytest.mark.parametrize("value", ["inf", "1e400"])
async def test_an_endless_retry_after_pauses_for_a_day_at_most(value: str) -> None:
    async def forever(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        body = b'{"message":"Too many requests"}'
        await raw.write(writer, answer(body, f"Retry-After: {value}", status="429 Too Many"))

    async with serving(forever) as raw, client_for(raw) as client:
        with pytest.raises(lc.RateLimitError):
            await client.contacts.get("c1")
        with pytest.raises(lc.RateLimitTimeoutError) as later:
            await client.contacts.get("c1")
        status = client.rate_limit_status()
    assert len(raw.requests) == 1
    assert later.value.retry_after is not None
    assert 86_000 < later.value.retry_after <= 86_400
    assert status is not None
    assert 86_000 < status.paused_for <= 86_400


async def test_a_429_that_ends_a_calls_retries_still_pauses_its_location() -> None:
    answers = iter(["429 Too Many", "200 OK"])

    async def limited_once(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        status = next(answers)
        body = CONTACT if status == "200 OK" else b'{"message":"Too many requests"}'
        await raw.write(writer, answer(body, "Retry-After: 0.3", status=status))

    async with serving(limited_once) as raw, client_for(raw, max_retries=0) as client:
        with pytest.raises(lc.RateLimitError) as first:
            await client.contacts.get("c1")  # no retries left: the 429 goes to the caller
        assert first.value.status_code == 429
        hurried = client.with_options(timeout=0.1)
        with pytest.raises(lc.RateLimitTimeoutError):
            await hurried.contacts.get("c1")  # the pause outlasts its budget: refused at once
        assert len(raw.requests) == 1
        assert (await client.contacts.get("c1")).id == "c1"  # waits out the pause, then sent
    assert len(raw.requests) == 2
