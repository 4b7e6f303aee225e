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

import asyncio
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
    verifier: WebhookVerifier, callback: WebhookCallback, *, timeout: float | None = 10.0
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Build an aiohttp.web handler for the app's webhook URL.

    The handler reads the raw body, verifies it with the ``verifier``, awaits
    ``callback(event)`` and answers ``200 {"ok": true}``. A delivery that fails verification gets
    ``401 {"ok": false, "error": "<reason>"}`` and never reaches the callback. A signed, fresh
    delivery whose body does not fit its type's struct is not a failure: the callback gets it
    as an ``UnknownWebhookEvent`` with the whole body in ``raw``.

    The platform delivers again only when the answer is 429, so when the callback raises or
    takes longer than ``timeout`` the answer is ``429`` and the event's id is forgotten by the
    replay store: the next delivery is handled afresh. A replay store that fails (a shared one
    that is unreachable) is answered ``429`` too. A delivery of an event whose callback
    already succeeded is answered ``200 {"ok": true, "duplicate": true}`` without calling the
    callback again. Keep the callback quick (enqueue, then work) and idempotent.

    Args:
        verifier: Checks signatures, freshness and replays.
        callback: An async function called once per accepted event.
        timeout: Seconds the callback may take (``None``: no limit).

    Returns:
        A handler for ``app.router.add_post(path, handler)``.
    """

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            event, first = await verifier.averify_first(body, request.headers)
        except WebhookVerificationError as exc:
            logger.info("rejected a webhook delivery: %s", exc.message)
            return web.json_response({"ok": False, "error": exc.message}, status=401)
        except Exception:  # the replay store failed: only a 429 is ever delivered again
            logger.exception("webhook delivery not checked (replay store failed); answering 429")
            return web.json_response({"ok": False, "error": "not handled, retry"}, status=429)
        if not first:
            logger.info("acknowledged a repeated delivery of webhook %s", event.webhook_id)
            return web.json_response({"ok": True, "duplicate": True})
        try:
            async with asyncio.timeout(timeout):
                await callback(event)
        except Exception:
            logger.exception("webhook %s: the callback failed; answering 429", event.webhook_id)
            await _forget(verifier, event, body)
            return web.json_response({"ok": False, "error": "not handled, retry"}, status=429)
        except BaseException:  # cancelled: not handled, so its redelivery must not be refused
            await _forget(verifier, event, body)
            raise
        return web.json_response({"ok": True})

    return handle


async def _forget(verifier: WebhookVerifier, event: WebhookEvent, body: bytes) -> None:
    if not await verifier.aforget(event, body):
        logger.warning(
            "webhook %s will be refused as a replay when delivered again: the replay store "
            "has no forget() method",
            event.webhook_id,
        )
