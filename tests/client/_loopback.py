"""A server of a test's own on a free 127.0.0.1 port, its connections cut when the test ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager


@asynccontextmanager
async def loopback(
    serve: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
    writers: list[asyncio.StreamWriter],
) -> AsyncIterator[str]:
    """Serve each connection with ``serve`` (which appends its writer to ``writers``); yield
    the server's URL. At the end every connection in ``writers`` is aborted."""
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        for writer in writers:
            writer.transport.abort()
        await server.wait_closed()
