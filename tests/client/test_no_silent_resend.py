"""aiohttp's silent resend of an idempotent request after a disconnect is switched off.

The resend would bypass the rate limiter and hide an unknown outcome; it is switched off through
a private attribute, so this test shows the behaviour itself on every aiohttp CI installs.
"""

from __future__ import annotations

import asyncio

import pytest

import leadconnector_async as lc

BODY = b'{"contact": {"id": "c1"}}'
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
)


async def test_a_dropped_keep_alive_request_is_not_resent_behind_our_back() -> None:
    seen: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                seen.append(head.split(b"\r\n", 1)[0])
                if len(seen) == 2:  # read the second request, then drop the connection
                    break
                writer.write(ANSWER)
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with lc.LeadConnector(
            "tok", base_url=f"http://127.0.0.1:{port}", rate_limit=None, max_retries=0
        ) as client:
            await client.contacts.get("c1")  # opens the keep-alive connection
            with pytest.raises(lc.TransportError):
                await client.contacts.get("c1")  # sent on it, answered by a disconnect
            sent = client.request_counts.sent
    finally:
        server.close()
        await server.wait_closed()
    assert sent == 2
    assert len(seen) == 2, seen  # aiohttp's own resend would make it 3
