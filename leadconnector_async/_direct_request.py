"""A request on our own session's connections without ``ClientSession._request``'s generality.

``ClientSession.request`` serves every use of aiohttp: per request it binds some forty arguments,
merges the session's default headers, builds and checks the URL, starts a total-time timer,
filters the cookie jar, looks for credentials and proxies, wraps middlewares and traces, and
follows redirects and resends. None of that applies to a request on our own session: the
transport's watchdog keeps each request's time, no cookie jar is kept, no middleware or trace is
set, no redirect is followed and no request is sent twice. Per ``contacts.get`` that generality
cost about 58,000 of some 440,000 instructions (``benchmarks/tenant_instructions.py``). What
remains is what aiohttp's own ``_connect_and_send_request`` does: one ``ClientRequest``, a
connection from the connector, the request written and the response's head read.

That leans on aiohttp's internals, and mirrors what ``_request`` does in the releases it was
checked against (``_CHECKED_RELEASES``). On any other release, or one whose internals it uses do
not have the signatures it expects (:func:`direct_supported`), the transport goes through
``ClientSession.request`` as before and warns as its session opens, and
``tests/client/test_direct_request.py`` fails, so a CI run on a new aiohttp tells that this
module needs checking against it.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import aiohttp
from aiohttp import hdrs
from yarl import URL

# What our own session is created with, and so what its requests are read with: aiohttp's
# defaults, written out so that the direct path and the session agree.
READ_BUFSIZE = 2**16
MAX_LINE_SIZE = 8190
MAX_FIELD_SIZE = 8190
MAX_HEADERS = 128
TIMEOUT_CEIL_THRESHOLD = 5.0

# (major, minor) of the aiohttp releases whose ClientSession._request this was checked against.
_CHECKED_RELEASES = frozenset({(3, 14)})
_REQUEST_KEYWORDS = ("headers", "data", "loop", "timer", "session", "traces")
_RESPONSE_KEYWORDS = (
    "timer",
    "skip_payload",
    "read_until_eof",
    "auto_decompress",
    "read_timeout",
    "read_bufsize",
    "timeout_ceil_threshold",
    "max_line_size",
    "max_field_size",
    "max_headers",
)


class DirectRequests:
    """Sends requests on ``session``'s connector as its ``_request`` would, minus what our own
    session never uses (see the module's docstring). Only for a session we created: its
    connector, reading limits and lack of cookies, middlewares and traces are ours."""

    __slots__ = ("_connector", "_loop", "_no_timer", "_session")

    def __init__(self, session: aiohttp.ClientSession, loop: asyncio.AbstractEventLoop) -> None:
        from aiohttp.helpers import TimerNoop  # (checked by direct_supported)

        assert session.connector is not None  # (an open session has its connector)
        self._session = session
        self._connector = session.connector
        self._loop = loop
        self._no_timer = TimerNoop()  # the watchdog keeps each request's time (_watchdog.py)

    async def send(
        self,
        method: str,
        url: URL,
        headers: Mapping[str, str],
        body: bytes | None,
        client_timeout: aiohttp.ClientTimeout,
    ) -> aiohttp.ClientResponse:
        """Send one request and read its response's head (the body is read by the caller).

        Raises:
            aiohttp.ConnectionTimeoutError: No connection within ``client_timeout.connect``.
            aiohttp.ClientError, OSError: The request could not be sent or answered.
        """
        request = aiohttp.ClientRequest(
            method,
            url,
            headers=headers,
            data=body,
            loop=self._loop,
            timer=self._no_timer,
            session=self._session,
            traces=[],
        )
        try:
            connection = await self._connector.connect(request, traces=[], timeout=client_timeout)
        except TimeoutError as exc:  # (a connect timeout, as _request says it)
            # The origin alone: the query can hold an email or phone (see Request's repr).
            raise aiohttp.ConnectionTimeoutError(f"Connection timeout to {url.origin()}") from exc
        protocol = connection.protocol
        assert protocol is not None  # (a connection the connector hands out has one)
        protocol.set_response_params(
            timer=self._no_timer,
            skip_payload=request.method == hdrs.METH_HEAD,  # (upper-cased by ClientRequest)
            read_until_eof=True,
            auto_decompress=True,
            read_timeout=client_timeout.sock_read,
            read_bufsize=READ_BUFSIZE,
            timeout_ceil_threshold=TIMEOUT_CEIL_THRESHOLD,
            max_line_size=MAX_LINE_SIZE,
            max_field_size=MAX_FIELD_SIZE,
            max_headers=MAX_HEADERS,
        )
        try:
            response = await request.send(connection)
            try:
                await response.start(connection)
            except BaseException:
                response.close()
                raise
        except BaseException:
            connection.close()
            raise
        # (A bytes body holds nothing to close, so the request's payload is left alone.)
        return response


@cache
def direct_supported() -> bool:
    """Whether this aiohttp is a release :class:`DirectRequests` was checked against, whose
    internals take what it passes them and require nothing more."""
    try:
        release = tuple(int(part) for part in aiohttp.__version__.split(".")[:2])
        from aiohttp.client_proto import ResponseHandler
        from aiohttp.helpers import TimerNoop  # noqa: F401 - (DirectRequests's)
    except (ValueError, ImportError):
        return False
    return (
        release in _CHECKED_RELEASES
        and _takes(aiohttp.ClientRequest, _REQUEST_KEYWORDS, "method", "url")
        and _takes(ResponseHandler.set_response_params, _RESPONSE_KEYWORDS, "self")
        and _takes(aiohttp.BaseConnector.connect, ("traces", "timeout"), "self", "req")
        and _takes(aiohttp.ClientRequest.send, (), "self", "conn")
        and _takes(aiohttp.ClientResponse.start, (), "self", "connection")
    )


def _takes(function: Callable[..., Any], keywords: tuple[str, ...], *positional: str) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):  # (no signature to read)
        return False
    required = {
        name
        for name, parameter in parameters.items()
        if parameter.default is inspect.Parameter.empty
        and parameter.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    }
    return set(keywords) <= parameters.keys() and required <= {*keywords, *positional}
