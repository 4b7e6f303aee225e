"""Receive LeadConnector webhooks in Starlette or FastAPI.

Run it::

    pip install 'leadconnector-async[webhooks]' starlette uvicorn
    uvicorn examples.webhook_receiver_starlette:app --port 8080

The one rule that matters: verify ``await request.body()``, the exact bytes received. A body
that was parsed and re-serialised no longer matches its signature. Verification failures get a
401; accepted events are acknowledged at once and handled in a background task.

With FastAPI the endpoint is the same function::

    from fastapi import FastAPI, Request

    api = FastAPI()
    api.post("/webhooks/leadconnector")(leadconnector_webhook)
"""

from __future__ import annotations

import os

from starlette.applications import Starlette  # type: ignore[import-not-found, unused-ignore]
from starlette.background import BackgroundTask  # type: ignore[import-not-found, unused-ignore]
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
    """Verify the delivery, answer 200 at once, and handle the event after the response."""
    body = await request.body()
    try:
        event = await verifier.averify(body, request.headers)
    except WebhookVerificationError as exc:
        return JSONResponse({"ok": False, "error": exc.message}, status_code=401)
    return JSONResponse({"ok": True}, background=BackgroundTask(handle_event, event))


app = Starlette(routes=[Route("/webhooks/leadconnector", leadconnector_webhook, methods=["POST"])])
