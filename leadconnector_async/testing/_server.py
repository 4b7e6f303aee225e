"""The fake LeadConnector server: configuration, lifecycle, counters and the request pipeline."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .._closing import AsyncClosing
from .._config import API_VERSIONS, CONTACTS_API_VERSION
from . import _responses as respond
from ._custom_fields import CustomFieldStore
from ._faults import FaultDice, FaultKind, Faults
from ._limits import FakeRateLimit, RollingWindow
from ._related_store import RelatedStore
from ._store import ContactStore
from ._v3 import answer_as_v3, is_v3

DEFAULT_TOKEN = "test-token"
DEFAULT_LOCATION = "test-location"
API_VERSION = CONTACTS_API_VERSION
_V2_ONLY = frozenset({API_VERSION})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Subscriber = Callable[[str, dict[str, Any]], Coroutine[Any, Any, None]]


@dataclass
class TokenInfo:
    """What a token may do: its location (``None``: any) and scopes (``None``: all).

    ``expires_at`` is when it stops working, in the fake's ``wall_clock`` seconds (``None``:
    never); an expired token is answered 401 ``Invalid JWT: jwt expired``.
    """

    location_id: str | None = None
    scopes: frozenset[str] | None = None
    expires_at: float | None = None


@dataclass
class Stats:
    """What the fake saw, for tests to assert on."""

    requests: int = 0
    rate_limited: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    routes: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    exchanges: list[Exchange] = field(default_factory=list)


@dataclass(frozen=True)
class Exchange:
    """One recorded request and its answer (kept when the fake runs with ``record=True``)."""

    method: str
    route: str
    request_body: Any
    status: int
    response_body: Any


class FakeLeadConnector(AsyncClosing):
    """An in-process LeadConnector Contacts API over real HTTP on a loopback port.

    Args:
        tokens: Accepted bearer tokens and what each may do.
        location_id: The location the default token belongs to.
        rate_limit: The rolling-window limit to enforce, or ``None`` for none.
        faults: Fault probabilities and latency.
        not_found_status: Status for unknown ids: 400 (as the spec declares) or 404.
        record: Keep every request and response body in ``stats.exchanges`` (contract tests).
        real_world_shapes: Serve search results as the real API was seen to (``dateOfBirth``
            as epoch milliseconds, ``address`` for ``address1``), not as the spec declares.
        clock: Monotonic clock for the rate limit.
        wall_clock: Unix-seconds clock for token expiry (OAuth tokens).

    Example::

        async with FakeLeadConnector() as fake:
            async with LeadConnector(fake.token, location_id=fake.location_id,
                                     base_url=fake.url) as client:
                ...
    """

    def __init__(
        self,
        *,
        tokens: dict[str, TokenInfo] | None = None,
        location_id: str = DEFAULT_LOCATION,
        rate_limit: FakeRateLimit | None = None,
        faults: Faults | None = None,
        not_found_status: int = 400,
        record: bool = False,
        real_world_shapes: bool = False,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = DEFAULT_TOKEN
        self.wall_clock = wall_clock
        self.location_id = location_id
        self.tokens = tokens if tokens is not None else {DEFAULT_TOKEN: TokenInfo()}
        self.window = RollingWindow(rate_limit, clock) if rate_limit is not None else None
        self.dice = FaultDice(faults or Faults())
        self.not_found_status = not_found_status
        self.record = record
        self.real_world_shapes = real_world_shapes
        self.store = ContactStore()
        self.related = RelatedStore()
        self.custom_fields = CustomFieldStore()
        self.stats = Stats()
        self.extensions: dict[str, Any] = {}
        self.route_versions: dict[tuple[str, str], frozenset[str]] = {}
        self._subscribers: list[Subscriber] = []
        self._pending: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def __repr__(self) -> str:
        state = [f"url={self.url!r}"] if self.url else []
        state += [f"location_id={self.location_id!r}", f"contacts={len(self.store.contacts)}"]
        if self.window is not None:
            state.append("rate_limited=True")
        if self.record:
            state.append("record=True")
        return f"FakeLeadConnector({', '.join(state)})"

    def build_app(self) -> web.Application:
        """The aiohttp application, for mounting or for ``aiohttp.test_utils``."""
        from ._routes import add_routes

        app = web.Application(middlewares=[self._pipeline])
        app[FAKE] = self
        self.route_versions = add_routes(app.router)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0 picks a free port); return the base URL."""
        self._runner = web.AppRunner(self.build_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = self._runner.addresses[0][1]
        self.url = f"http://{host}:{bound_port}"
        return self.url

    async def stop(self) -> None:
        """Deliver pending events, then stop serving."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeLeadConnector:
        await self.start()
        return self

    async def aclose(self) -> None:
        """The same as :meth:`stop`."""
        await self.stop()

    def force_fault(self, kind: FaultKind, count: int = 1) -> None:
        """Make the next ``count`` requests fail with ``kind``."""
        self.dice.force(kind, count)

    def subscribe(self, callback: Subscriber) -> None:
        """Call ``callback(event_type, payload)`` after every change (webhook delivery)."""
        self._subscribers.append(callback)

    def emit(self, event_type: str, payload: dict[str, Any]) -> None:
        """Notify subscribers of a change, without delaying the response."""
        for callback in self._subscribers:
            task = asyncio.get_running_loop().create_task(callback(event_type, dict(payload)))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    def contact_not_found(self, contact_id: str) -> web.Response:
        return respond.not_found(f"Contact with id {contact_id} not found", self.not_found_status)

    def scope_allowed(self, request: web.Request, scope: str) -> bool:
        info = self.tokens.get(_bearer(request) or "")  # authenticated before any handler
        return info is not None and (info.scopes is None or scope in info.scopes)

    @web.middleware
    async def _pipeline(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.stats.requests += 1
        resource = request.match_info.route.resource
        route = resource.canonical if resource else request.path
        self.stats.routes[f"{request.method} {route}"] += 1
        response, limit_headers = await self._guarded(request, handler)
        response.headers.update(limit_headers)
        self.stats.statuses[response.status] += 1
        if self.record:
            await self._record(request, route, response)
        return response

    async def _record(self, request: web.Request, route: str, response: web.StreamResponse) -> None:
        body = await request.read()
        sent = response.body if isinstance(response, web.Response) else None
        self.stats.exchanges.append(
            Exchange(
                request.method,
                route,
                _json_or_raw(body),
                response.status,
                _json_or_raw(sent if isinstance(sent, bytes) else b""),
            )
        )

    def authenticate(self, request: web.Request) -> TokenInfo | web.Response:
        """The bearer token's info, or the 401 the real API answers for it."""
        info = self.tokens.get(_bearer(request) or "")
        if info is None:
            return respond.unauthorized("Invalid JWT")
        if info.expires_at is not None and self.wall_clock() >= info.expires_at:
            return respond.unauthorized("Invalid JWT: jwt expired")
        return info

    async def _guarded(
        self, request: web.Request, handler: Handler
    ) -> tuple[web.StreamResponse, dict[str, str]]:
        if request.path.startswith("/oauth/"):
            return await handler(request), {}
        token = _bearer(request)
        info = self.authenticate(request)
        if isinstance(info, web.Response):
            return info, {}
        headers: dict[str, str] = {}
        if self.window is not None:
            # The budget is per location (per resource), so a refreshed token does not reset it.
            allowed, headers = self.window.admit(info.location_id or token or "")
            if not allowed:
                self.stats.rate_limited += 1
                return respond.rate_limited(), headers
        if (refused := self._version_refused(request)) is not None:
            return refused, headers
        return await self._with_faults(request, handler), headers

    def _version_refused(self, request: web.Request) -> web.Response | None:
        """The answer to a ``Version`` the route does not take: 404 when that version has no
        such path (v3 dropped it), else 400; ``None`` when it is accepted."""
        version = request.headers.get("Version")
        resource = request.match_info.route.resource
        route = (request.method, resource.canonical if resource else request.path)
        accepted = self.route_versions.get(route, _V2_ONLY)
        if version in accepted:
            return None
        if version in API_VERSIONS:
            message = f"Cannot {request.method} {request.path} in API version {version}"
            return respond.not_found(message, 404)
        return respond.bad_request("Version header is missing or not supported")

    async def _with_faults(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.dice.faults.latency:
            await asyncio.sleep(self.dice.faults.latency)
        fault = self.dice.roll()
        if fault is not None:
            self.stats.faults[fault] += 1
        if fault == "unavailable":
            return respond.unavailable()
        if fault == "reset_before":
            return _drop(request)
        response = await handler(request)
        if is_v3(request):
            response = answer_as_v3(response)
        if fault == "reset_after":
            return _drop(request)
        if fault == "bad_gateway":
            return respond.bad_gateway()
        if fault in ("malformed", "truncated") and isinstance(response, web.Response):
            body = response.body if isinstance(response.body, bytes) else b"{}"
            broken = b"<html>502 Bad Gateway</html>" if fault == "malformed" else body[:-7]
            return web.Response(
                status=response.status, body=broken, content_type="application/json"
            )
        return response


FAKE = web.AppKey("fake", FakeLeadConnector)


def _json_or_raw(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body


def _bearer(request: web.Request) -> str | None:
    value = request.headers.get("Authorization", "")
    scheme, _, token = value.partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def _drop(request: web.Request) -> web.Response:
    """Cut the connection: the client sees a reset and no response."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=500)
