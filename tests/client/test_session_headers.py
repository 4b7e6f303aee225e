"""The headers every request carries are set once on our own session, and added per request on
a borrowed one: either way the server sees them, and a borrowed session's own defaults stay."""

from __future__ import annotations

import aiohttp

import leadconnector_async as lc
from tests.client.test_client_lifecycle import _capture_server


async def test_a_borrowed_session_sends_the_static_headers_too() -> None:
    runner, url, seen = await _capture_server()
    try:
        async with aiohttp.ClientSession(headers={"X-Team": "ours"}) as session:
            client = lc.LeadConnector("tok", base_url=url, rate_limit=None, session=session)
            async with client:
                await client.contacts.get("c1")
            assert session.headers["X-Team"] == "ours"  # borrowed: left as it was
    finally:
        await runner.cleanup()
    headers = seen[0].headers
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"] == f"leadconnector-async/{lc.__version__}"
    assert headers["Authorization"] == "Bearer tok"
    assert headers["X-Team"] == "ours"
