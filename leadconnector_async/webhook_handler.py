"""A ready aiohttp.web handler that verifies webhook deliveries and hands typed events over.

Example::

    from aiohttp import web
    from leadconnector_async.webhooks import WebhookEvent, WebhookVerifier
    from leadconnector_async.webhook_handler import webhook_handler

    async def on_event(event: WebhookEvent) -> None:
        await queue.put(event)  # keep this fast: acknowledge first, work later

    app = web.Application()
    app.router.add_post("/webhooks/leadconnector", webhook_handler(WebhookVerifier(), on_event))
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from .errors import WebhookVerificationError
from .webhooks import WebhookEvent, WebhookVerifier

__all__ = ["WebhookCallback", "webhook_handler"]

WebhookCallback = Callable[[WebhookEvent], Awaitable[None]]
"""What :func:`webhook_handler` calls with each verified event."""

logger = logging.getLogger(__name__)


def webhook_handler(
    verifier: WebhookVerifier, callback: WebhookCallback
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Build an aiohttp.web handler for the app's webhook URL.

    The handler reads the raw body, verifies it with :meth:`WebhookVerifier.averify`, awaits
    ``callback(event)`` and answers ``200 {"ok": true}``. A delivery that fails verification gets
    ``401 {"ok": false, "error": "<reason>"}`` and never reaches the callback. The platform only
    redelivers on 429, so the callback should be quick (enqueue, then work) and idempotent.
    An exception from the callback propagates, and aiohttp answers 500.

    Args:
        verifier: Checks signatures, freshness and replays.
        callback: An async function called once per accepted event.

    Returns:
        A handler for ``app.router.add_post(path, handler)``.
    """

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            event = await verifier.averify(body, request.headers)
        except WebhookVerificationError as exc:
            logger.info("rejected a webhook delivery: %s", exc.message)
            return web.json_response({"ok": False, "error": exc.message}, status=401)
        await callback(event)
        return web.json_response({"ok": True})

    return handle
