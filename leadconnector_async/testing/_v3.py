"""How the fake speaks ``Version: v3``: requests are read into the v2 shapes its stores keep,
and answers are given in v3 shape (lower camel ``dndSettings`` keys, ``succeeded``)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .. import _v3
from .._config import API_V3


def is_v3(request: web.Request) -> bool:
    return request.headers.get("Version") == API_V3


def request_as_v2(body: Any) -> Any:
    """A v3 request body in the shape the stores keep (v2 ``dndSettings`` keys,
    ``field_value``)."""
    if not isinstance(body, dict):
        return body
    body = _v3.dnd_keys_v3_to_v2(body)
    if "customFields" in body:
        body["customFields"] = _v3.field_values_v3_to_v2(body["customFields"])
    return body


def answer_as_v3(response: web.StreamResponse) -> web.StreamResponse:
    """A 2xx JSON answer as v3 gives it; anything else unchanged.

    ``succeeded`` joins the deprecated ``succeded``, except on a contact update, which answers
    only ``succeeded`` (``UpdateContactsSuccessfulResponseDtoV3``).
    """
    if not isinstance(response, web.Response) or not 200 <= response.status < 300:
        return response
    if response.content_type != "application/json" or not isinstance(response.body, bytes):
        return response
    payload = _v3.dnd_keys_v2_to_v3(json.loads(response.body))
    if isinstance(payload, dict) and "succeded" in payload:
        payload["succeeded"] = payload["succeded"]
        if "contact" in payload:
            del payload["succeded"]
    return web.json_response(payload, status=response.status, headers=_kept(response))


def _kept(response: web.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("x-")}
