"""The total timeout of a request in flight (one watchdog per pool, not a timer per request):
it ends a request that overruns, and only that; the caller's own cancellation stays its own."""

from __future__ import annotations

import asyncio

import pytest

import leadconnector_async as lc

from .test_hostile_server import CONTACT, RawServer, answer, client_for, serving


async def _never_answer(raw: RawServer, writer: asyncio.StreamWriter) -> None:
    await asyncio.Event().wait()


async def _answer_at_once(raw: RawServer, writer: asyncio.StreamWriter) -> None:
    await raw.write(writer, answer(CONTACT))


async def test_a_request_past_its_timeout_is_a_transport_error_with_unknown_outcome() -> None:
    async with serving(_never_answer) as raw, client_for(raw, timeout=0.2) as client:
        with pytest.raises(lc.TransportError, match=r"within its 0\.2 s timeout") as caught:
            await client.contacts.get("c1")
    assert caught.value.outcome_unknown
    assert len(raw.requests) == 1


async def test_the_timeout_is_per_request_not_per_task() -> None:
    # One task sends request after request for well past one timeout: none may be cut short.
    async with serving(_answer_at_once) as raw, client_for(raw, timeout=0.05) as client:
        for _ in range(40):
            contact = await client.contacts.get("c1")
            assert contact.id == "c1"
            await asyncio.sleep(0.005)  # time passes between requests (not synchronisation)
    assert len(raw.requests) == 40


async def test_the_callers_own_cancellation_is_not_turned_into_a_timeout() -> None:
    arrived = asyncio.Event()

    async def hold(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        arrived.set()
        await _never_answer(raw, writer)

    async with serving(hold) as raw, client_for(raw, timeout=5.0) as client:
        call = asyncio.create_task(client.contacts.get("c1"))
        await arrived.wait()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
    assert call.cancelled()


async def test_a_callers_shorter_asyncio_timeout_stays_a_timeout_error() -> None:
    async with serving(_never_answer) as raw, client_for(raw, timeout=5.0) as client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await client.contacts.get("c1")
    assert len(raw.requests) == 1


async def test_requests_timing_out_together_each_get_their_own_error() -> None:
    async with serving(_never_answer) as raw, client_for(raw, timeout=0.2) as client:
        results = await asyncio.gather(
            *(client.contacts.get(f"c{n}") for n in range(20)), return_exceptions=True
        )
    assert all(isinstance(r, lc.TransportError) and r.outcome_unknown for r in results), results
    assert len(raw.requests) == 20
