"""Receive LeadConnector webhooks in Starlette or FastAPI.

Run it::

    pip install 'leadconnector-async[webhooks]' starlette uvicorn
    uvicorn examples.webhook_receiver_starlette:app --port 8080

The one rule that matters: verify ``await request.body()``, the exact bytes received. A body
that was parsed and re-serialised no longer matches its signature. Verification failures get a
401. HighLevel delivers an event again only after a 429, so an event whose handling fails (or
takes too long) gets a 429 and its id is forgotten, and a delivery of an event already handled
gets a 200 without being handled twice: the same rules as ``webhook_handler`` for aiohttp.

With FastAPI the endpoint is the same function::

    from fastapi import FastAPI, Request

    api = FastAPI()
    api.post("/webhooks/leadconnector")(leadconnector_webhook)
"""

from __future__ import annotations

import asyncio
import os

from starlette.applications import Starlette  # type: ignore[import-not-found, unused-ignore]
from starlette.requests import Request  # type: ignore[import-not-found, unused-ignore]
from starlette.responses import JSONResponse  # type: ignore[import-not-found, unused-ignore]
from starlette.routing import Route  # type: ignore[import-not-found, unused-ignore]

from leadconnector_async.errors import WebhookVerificationError
from leadconnector_async.models.webhooks import ContactCreateEvent
from leadconnector_async.webhooks import WebhookEvent, WebhookVerifier

verifier = WebhookVerifier(
    os.environ.get("WEBHOOK_SIGNATURE_PUBLIC_KEY"), os.environ.get("WEBHOOK_PUBLIC_KEY")
)


async def handle_event(event: WebhookEvent) -> None:
    """The application's own work for one event; keep it idempotent (at-least-once delivery)."""
    if isinstance(event, ContactCreateEvent):
        print(f"contact created: {event.id} in {event.location_id}", flush=True)


async def leadconnector_webhook(request: Request) -> JSONResponse:
    """Verify the delivery, handle it, and answer 200; 429 when handling failed."""
    body = await request.body()
    try:
        event, first = await verifier.averify_first(body, request.headers)
    except WebhookVerificationError as exc:
        return JSONResponse({"ok": False, "error": exc.message}, status_code=401)
    if not first:
        return JSONResponse({"ok": True, "duplicate": True})
    try:
        async with asyncio.timeout(10.0):
            await handle_event(event)
    except Exception:
        await verifier.aforget(event, body)  # so the redelivery is handled, not refused as a replay
        return JSONResponse({"ok": False, "error": "not handled, retry"}, status_code=429)
    return JSONResponse({"ok": True})


app = Starlette(routes=[Route("/webhooks/leadconnector", leadconnector_webhook, methods=["POST"])])
