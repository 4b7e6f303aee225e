"""A tiny loopback server that answers canned bodies and keeps each raw request target."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Capture:
    """What the server saw (``targets``: raw path and query) and where it listens."""

    url: str = ""
    targets: list[str] = field(default_factory=list)


@asynccontextmanager
async def capture_server(answers: list[tuple[int, bytes]]) -> AsyncIterator[Capture]:
    """Serve ``answers`` (status, JSON body) in turn to any request, repeating the last one."""
    seen = Capture()

    async def answer(request: web.Request) -> web.Response:
        seen.targets.append(request.raw_path)
        status, body = answers[min(len(seen.targets), len(answers)) - 1]
        return web.Response(status=status, body=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    seen.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield seen
    finally:
        await runner.cleanup()
