"""Route table of the fake server, and helpers every handler uses."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .._config import API_V3, API_VERSIONS
from ..endpoints import ENDPOINTS
from ..errors import ConfigurationError
from . import _responses as respond
from ._server import FAKE, FakeLeadConnector
from ._v3 import is_v3, request_as_v2
from ._validation import Schema, validate

RouteVersions = dict[tuple[str, str], frozenset[str]]

# API groups whose v3 spec keeps the v2 paths (reference brief section 10): the server answers
# ``Version: v3`` there too, though the client keeps sending the group's own version.
_SAME_PATHS_IN_V3 = frozenset({"locations"})


def fake_of(request: web.Request) -> FakeLeadConnector:
    return request.app[FAKE]


async def read_body(request: web.Request, schema: Schema) -> dict[str, Any] | web.Response:
    """The JSON body validated against ``schema``, or the error response to send instead."""
    try:
        body = await request.json() if request.can_read_body else {}
    except json.JSONDecodeError:
        return respond.bad_request("Unexpected token in JSON body")
    if is_v3(request):
        body = request_as_v2(body)
    messages = validate(body, schema)
    return respond.unprocessable(messages) if messages else body


async def checked_body(
    request: web.Request, scope: str, schema: Schema | None
) -> dict[str, Any] | web.Response:
    """The validated body (``{}`` when ``schema`` is None), or the error to answer instead.

    The scope is checked first, as the real API answers a token without it before reading.
    """
    if (denied := scope_denied(request, scope)) is not None:
        return denied
    return await read_body(request, schema) if schema is not None else {}


def scope_denied(request: web.Request, scope: str) -> web.Response | None:
    """A 401 scope error when the token lacks ``scope`` (as the real API answers)."""
    if fake_of(request).scope_allowed(request, scope):
        return None
    return respond.unauthorized("The token is not authorized for this scope.")


def handlers() -> dict[str, Any]:
    """Every API handler, by the name of the endpoint it serves (``"contacts.get"``)."""
    from . import (
        _routes_associations,
        _routes_bulk,
        _routes_contacts,
        _routes_locations,
        _routes_lookups,
        _routes_records,
        _routes_search,
    )

    modules = (
        _routes_contacts,
        _routes_records,
        _routes_associations,
        _routes_lookups,
        _routes_bulk,
        _routes_search,
        _routes_locations,
    )
    return {name: handler for module in modules for name, handler in module.HANDLERS.items()}


def add_routes(router: web.UrlDispatcher) -> RouteVersions:
    """Register a handler for every endpoint of the package's table under each API version's
    path, and the OAuth routes; return the versions each (method, path) answers to."""
    from . import _routes_oauth

    served = handlers()
    versions: dict[tuple[str, str], set[str]] = {}
    for endpoint in ENDPOINTS:
        for api_version in API_VERSIONS:
            try:
                path, header = endpoint.route(api_version)
            except ConfigurationError:
                continue  # the version removed it
            key = (endpoint.method, path)
            if key not in versions:
                router.add_route(endpoint.method, path, served[endpoint.name])
            versions.setdefault(key, set()).add(header)
        if endpoint.group in _SAME_PATHS_IN_V3:
            versions[(endpoint.method, endpoint.path)].add(API_V3)
    _routes_oauth.add_routes(router)
    return {key: frozenset(found) for key, found in versions.items()}
