"""Response bodies exactly as the real API shapes them (reference §5)."""

from __future__ import annotations

import secrets
import string
from typing import Any

from aiohttp import web

_ID_ALPHABET = string.ascii_letters + string.digits


def new_id() -> str:
    """A 20-character id like the API's (``seD4PfOuKoVMLkEZqohJ``)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(20))


def trace_id() -> str:
    """A fresh ``traceId``: the API returns one with every response (reference brief section 1)."""
    return secrets.token_hex(16)


def ok(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


def error(body: dict[str, Any], status: int) -> web.Response:
    """An error answer: ``body`` with the request's ``traceId``, which clients report."""
    return web.json_response({**body, "traceId": trace_id()}, status=status)


def bad_request(message: str, **extra: Any) -> web.Response:
    return error({"statusCode": 400, "message": message, **extra}, 400)


def not_found(message: str, status: int) -> web.Response:
    """Unknown ids: 400 with a not-found message (as the spec declares) or 404."""
    return error({"statusCode": status, "message": message}, status)


def unauthorized(message: str) -> web.Response:
    return error({"statusCode": 401, "message": message, "error": "Unauthorized"}, 401)


def unprocessable(messages: list[str]) -> web.Response:
    return error({"statusCode": 422, "message": messages, "error": "Unprocessable Entity"}, 422)


def rate_limited() -> web.Response:
    return error({"statusCode": 429, "message": "Too Many Requests"}, 429)


def unavailable() -> web.Response:
    return error({"statusCode": 503, "message": "Service Unavailable"}, 503)


def bad_gateway() -> web.Response:
    return web.Response(status=502, text="<html>502 Bad Gateway</html>", content_type="text/html")
