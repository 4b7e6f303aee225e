"""Receive LeadConnector webhooks with aiohttp: verify each delivery, acknowledge, work later.

Run it::

    pip install 'leadconnector-async[webhooks]'
    PORT=8080 python examples/webhook_receiver.py

then set the app's webhook URL to ``https://<your host>/webhooks/leadconnector``. The verifier
uses the published keys unless ``WEBHOOK_SIGNATURE_PUBLIC_KEY`` (Ed25519) or
``WEBHOOK_PUBLIC_KEY`` (legacy RSA) hold other PEMs, the names the official SDKs read.

The handler answers as soon as an event is verified and queued; a worker task does the slow
part. Deliveries are at least once, so keep that work idempotent (``event.webhook_id`` helps).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator

from aiohttp import web

from leadconnector_async.models.webhooks import (
    ContactCreateEvent,
    ContactDeleteEvent,
    UnknownWebhookEvent,
)
from leadconnector_async.webhook_handler import webhook_handler
from leadconnector_async.webhooks import WebhookEvent, WebhookVerifier

PATH = "/webhooks/leadconnector"
EVENTS = web.AppKey("events", asyncio.Queue[WebhookEvent])


async def handle_event(event: WebhookEvent) -> None:
    """The application's own work for one event; here it only reports it."""
    match event:
        case ContactCreateEvent():
            print(f"contact created: {event.id} in {event.location_id}", flush=True)
        case ContactDeleteEvent():
            print(f"contact deleted: {event.id}", flush=True)
        case UnknownWebhookEvent():
            print(f"not modelled yet: {event.type}", flush=True)
        case _:
            print(f"{event.type} event", flush=True)


async def run_worker(app: web.Application) -> AsyncIterator[None]:
    """Consume queued events for as long as the app runs."""

    async def work() -> None:
        while True:
            await handle_event(await app[EVENTS].get())

    task = asyncio.create_task(work())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def build_app(verifier: WebhookVerifier) -> web.Application:
    """The receiver: one POST route, a queue, and a worker draining it."""
    app = web.Application()
    app[EVENTS] = asyncio.Queue()
    app.router.add_post(PATH, webhook_handler(verifier, app[EVENTS].put))
    app.cleanup_ctx.append(run_worker)
    return app


async def main() -> None:
    verifier = WebhookVerifier(
        os.environ.get("WEBHOOK_SIGNATURE_PUBLIC_KEY"), os.environ.get("WEBHOOK_PUBLIC_KEY")
    )
    runner = web.AppRunner(build_app(verifier))
    await runner.setup()
    sock = socket.create_server(
        (os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8080")))
    )
    await web.SockSite(runner, sock).start()
    host, port = sock.getsockname()[:2]
    print(f"listening on http://{host}:{port}{PATH}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
