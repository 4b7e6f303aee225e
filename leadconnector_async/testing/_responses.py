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


def ok(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


def bad_request(message: str, **extra: Any) -> web.Response:
    return web.json_response({"statusCode": 400, "message": message, **extra}, status=400)


def not_found(message: str, status: int) -> web.Response:
    """Unknown ids: 400 with a not-found message (as the spec declares) or 404."""
    return web.json_response({"statusCode": status, "message": message}, status=status)


def unauthorized(message: str) -> web.Response:
    body = {"statusCode": 401, "message": message, "error": "Unauthorized"}
    return web.json_response(body, status=401)


def unprocessable(messages: list[str]) -> web.Response:
    body = {"statusCode": 422, "message": messages, "error": "Unprocessable Entity"}
    return web.json_response(body, status=422)


def rate_limited() -> web.Response:
    body = {"statusCode": 429, "message": "Too Many Requests"}
    return web.json_response(body, status=429)


def unavailable() -> web.Response:
    body = {"statusCode": 503, "message": "Service Unavailable"}
    return web.json_response(body, status=503)


def bad_gateway() -> web.Response:
    return web.Response(status=502, text="<html>502 Bad Gateway</html>", content_type="text/html")
