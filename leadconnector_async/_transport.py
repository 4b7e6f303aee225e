"""The one place that does HTTP: a pooled aiohttp session, owned or borrowed."""

from __future__ import annotations

from typing import Protocol

import aiohttp
from yarl import URL

from ._config import Timeouts
from ._protocol import Request, Response
from .errors import ClientClosedError, TransportError


class Transport(Protocol):
    """Sends one request and returns the whole response; one method wide."""

    async def send(self, request: Request, timeouts: Timeouts) -> Response:
        """Send ``request``; raise :class:`TransportError` if no response could be read."""
        ...

    async def aclose(self) -> None:
        """Release what this transport created."""
        ...


class AiohttpTransport:
    """One ``ClientSession`` over one ``TCPConnector``, shared by every derived client.

    Args:
        session: A session to borrow; it is never closed by us.
        connection_limit: Most connections open at once (our own connector only).
        keepalive_timeout: Seconds an idle connection is kept for reuse (our own connector only).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        connection_limit: int = 100,
        keepalive_timeout: float = 30.0,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self._connection_limit = connection_limit
        self._keepalive_timeout = keepalive_timeout
        self._timeouts: dict[Timeouts, aiohttp.ClientTimeout] = {}

    def _open_session(self) -> aiohttp.ClientSession:
        # Created lazily so the session binds to the loop that actually runs the requests.
        connector = aiohttp.TCPConnector(
            limit=self._connection_limit, keepalive_timeout=self._keepalive_timeout
        )
        session = aiohttp.ClientSession(
            connector=connector, auto_decompress=True, raise_for_status=False
        )
        # aiohttp quietly sends an idempotent request a second time after a disconnect. That
        # second send would bypass our rate-limit slot and hide an unknown outcome from our
        # retry policy, so our own session leaves every retry to the client (aiohttp's test
        # client turns the same switch off; it has no public argument).
        if hasattr(session, "_retry_connection"):
            session._retry_connection = False
        self._session = session
        return session

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The underlying session, once opened."""
        return self._session

    def _timeout(self, timeouts: Timeouts) -> aiohttp.ClientTimeout:
        timeout = self._timeouts.get(timeouts)
        if timeout is None:
            timeout = self._timeouts[timeouts] = aiohttp.ClientTimeout(
                total=timeouts.total, connect=timeouts.connect
            )
        return timeout

    async def send(self, request: Request, timeouts: Timeouts) -> Response:
        if self._closed:
            raise ClientClosedError("the connection pool is closed; create a new client")
        session = self._session or self._open_session()
        try:
            async with session.request(
                request.method,
                URL(request.url, encoded=True),
                headers=request.headers,
                data=request.body,
                timeout=self._timeout(timeouts),
            ) as response:
                body = await response.read()
                return Response(response.status, response.headers, body)
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise TransportError(
                f"could not connect for {request!r}: {type(exc).__name__}: {exc}",
                outcome_unknown=False,
            ) from None
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TransportError(
                f"no complete response for {request!r} (it may have been applied): "
                f"{type(exc).__name__}: {exc}",
                outcome_unknown=True,
            ) from None

    async def aclose(self) -> None:
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None
