"""The one place that does HTTP: a pooled aiohttp session, owned or borrowed."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Mapping
from typing import Protocol

import aiohttp
from aiohttp import hdrs
from yarl import URL

from ._config import DEFAULT_MAX_RESPONSE_BYTES, Timeouts
from ._direct_request import (
    MAX_FIELD_SIZE,
    MAX_HEADERS,
    MAX_LINE_SIZE,
    READ_BUFSIZE,
    TIMEOUT_CEIL_THRESHOLD,
    DirectRequests,
    direct_supported,
)
from ._protocol import Request, Response, identity_headers
from ._proxy import EnvironmentProxies
from ._watchdog import Watchdog
from .errors import ClientClosedError, ConfigurationError, ResponseTooLargeError, TransportError

_CHUNK = 64 * 1024
_CONTENT_TYPE = hdrs.CONTENT_TYPE
WAITED_BUDGET = "what waiting to send left of its time budget"  # (a call's, once it waited)


class Transport(Protocol):
    """Sends one request and returns the whole response; one method wide."""

    async def send(
        self, request: Request, timeouts: Timeouts, deadline: float | None = None
    ) -> Response:
        """Send ``request``; raise :class:`TransportError` if no response could be read.

        The response must be in within ``timeouts.total``, or by ``deadline`` (event-loop
        time: what is left of a call's time budget after it waited) when one is given.
        """
        ...

    async def aclose(self) -> None:
        """Release what this transport created."""
        ...


class AiohttpTransport:
    """One ``TCPConnector`` shared by every derived client. Requests on our own session are
    sent without ``ClientSession.request``'s generality (see ``_direct_request.py``); through
    a borrowed session, or a proxy, they go through its ``request``.

    Bodies are read in chunks and counted after decompression, so a server that sends an
    endless body or a small compressed body that inflates to gigabytes costs at most
    ``max_response_bytes`` of memory. Redirects are never followed, and our own sessions keep
    no cookies (a borrowed session's cookie jar is its owner's).

    Args:
        session: A session to borrow; it is never closed by us.
        connection_limit: Most connections open at once (our own connector only).
        keepalive_timeout: Seconds an idle connection is kept for reuse (our own connector only).
        max_response_bytes: Largest response body accepted, counted after decompression.
        trust_env: Send through the proxies the environment names (``HTTPS_PROXY``, ...).
        headers: Headers every request carries: set once on our own session, added to each
            request on a borrowed one.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        connection_limit: int = 100,
        keepalive_timeout: float = 30.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        trust_env: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if (
            isinstance(max_response_bytes, bool)
            or not isinstance(max_response_bytes, int)
            or (max_response_bytes < 1)
        ):
            raise ConfigurationError(
                f"max_response_bytes must be a positive int, got {max_response_bytes!r}"
            )
        self._session = session
        self._owns_session = session is None
        self._loop: asyncio.AbstractEventLoop | None = None  # the running one, once known
        self._closed = False
        self._connection_limit = connection_limit
        self._keepalive_timeout = keepalive_timeout
        self._max_body = max_response_bytes
        self._proxies = EnvironmentProxies() if trust_env else None
        self._timeouts: dict[Timeouts, aiohttp.ClientTimeout] = {}
        self._watchdog = Watchdog()
        self._last_timeouts: Timeouts | None = None
        self._last_timeout = aiohttp.ClientTimeout()
        self._static_headers = dict(headers or {})
        self._direct: DirectRequests | None = None  # our own session's, once it is open

    def _open_session(self) -> aiohttp.ClientSession:
        # Created lazily so the session binds to the loop that actually runs the requests.
        self._loop = asyncio.get_running_loop()
        connector = aiohttp.TCPConnector(
            limit=self._connection_limit,
            keepalive_timeout=self._keepalive_timeout,
            timeout_ceil_threshold=TIMEOUT_CEIL_THRESHOLD,
        )
        self._session = session = _own_session(connector, self._static_headers)
        if direct_supported():
            self._direct = DirectRequests(session, self._loop)
        else:
            warnings.warn(
                f"leadconnector_async's direct requests were not checked against aiohttp "
                f"{aiohttp.__version__} (or the internals they use have changed): requests go "
                "through ClientSession.request instead, which works but costs more CPU each",
                RuntimeWarning,
                stacklevel=4,
            )
        return session

    def _headers(self, request: Request, with_static: bool) -> dict[str, str]:
        """The request's own headers, after the static ones if ``with_static`` (a session's
        defaults add them otherwise)."""
        headers = identity_headers(request.token, request.version)
        if with_static:
            headers = {**self._static_headers, **headers}
        if request.content_type is not None:
            headers[_CONTENT_TYPE] = request.content_type
        return headers

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The underlying session, once opened."""
        return self._session

    def _timeout(self, timeouts: Timeouts) -> aiohttp.ClientTimeout:
        if timeouts is self._last_timeouts:  # nearly every request: no hashing of the dataclass
            return self._last_timeout
        timeout = self._timeouts.get(timeouts)
        if timeout is None:
            # ``total`` is the watchdog's (see ``send``): it runs until the last body byte is
            # read, so a server that drips its body slowly is cut off too.
            timeout = self._timeouts[timeouts] = aiohttp.ClientTimeout(
                total=None, connect=timeouts.connect
            )
        self._last_timeouts, self._last_timeout = timeouts, timeout
        return timeout

    async def send(
        self, request: Request, timeouts: Timeouts, deadline: float | None = None
    ) -> Response:
        if self._closed:
            raise ClientClosedError("the connection pool is closed; create a new client")
        session = self._session or self._open_session()
        # The errors are raised after the ``except`` blocks on purpose: raised inside one,
        # they would keep aiohttp's exception as ``__context__``, and its ``request_info``
        # holds the request's headers, bearer token included.
        url = URL(request.url, encoded=True)
        proxy = self._proxies.for_url(url) if self._proxies is not None else None
        # current_task() without the loop asks for the running loop: a getpid system call
        # per request on Python 3.11. The pool keeps every request on one loop.
        task = asyncio.current_task(self._loop) or asyncio.current_task()
        if task is not None:
            if deadline is not None:
                self._watchdog.watch(task, deadline)
            elif timeouts.total is not None:
                self._watchdog.watch(task, task.get_loop().time() + timeouts.total)
        try:
            # Awaited rather than entered with ``async with``: aiohttp's context managers are
            # five coroutines per request, and one more frame every resumption passes through.
            direct = self._direct
            if direct is not None and proxy is None:
                response = await direct.send(
                    request.method,
                    url,
                    self._headers(request, True),
                    request.body,
                    self._timeout(timeouts),
                )
            else:  # a borrowed session (whose defaults are not ours), a proxy, or an aiohttp
                # the direct path does not know
                response = await session.request(
                    request.method,
                    url,
                    headers=self._headers(request, not self._owns_session),
                    data=request.body,
                    timeout=self._timeout(timeouts),
                    allow_redirects=False,
                    proxy=proxy,
                )
            try:
                if _one_read_suffices(response, self._max_body, request):
                    body = await response.read()  # (no coroutine of ours: a frame fewer)
                else:
                    body = await _read_counted(response, self._max_body, request)
            finally:
                response.release()  # (the connection goes back to the pool once read whole)
            return Response(response.status, response.headers, body)
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            failure = TransportError(
                f"could not connect for {request!r}: {_described(exc)}",
                outcome_unknown=False,
            )
        except (OSError, aiohttp.ClientError) as exc:  # TimeoutError is an OSError
            failure = TransportError(
                f"no complete response for {request!r} (it may have been applied): "
                f"{_described(exc)}",
                outcome_unknown=True,
            )
        except asyncio.CancelledError:
            if task is None or not self._watchdog.expired(task):
                raise
            budget = f"its {timeouts.total:g} s timeout" if deadline is None else WAITED_BUDGET
            failure = cut_off(request, budget)
        finally:
            if task is not None:
                self._watchdog.forget(task)
        raise failure

    async def aclose(self) -> None:
        self._closed = True
        self._direct = None
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None


def cut_off(request: Request, budget: str) -> TransportError:
    """The error of ``request``, sent but not answered within ``budget`` (its description)."""
    return TransportError(
        f"no complete response for {request!r} within {budget} (it may have been applied)",
        outcome_unknown=True,
    )


def _described(exc: BaseException) -> str:
    """``exc`` for a message, without the URL aiohttp's response and connect-timeout errors
    quote: its query can hold an email or phone (see :class:`Request`'s repr)."""
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"{type(exc).__name__}: {exc.status}, message={exc.message!r}"
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return f"{type(exc).__name__}: no connection within the connect timeout"
    return f"{type(exc).__name__}: {exc}"


def _one_read_suffices(response: aiohttp.ClientResponse, limit: int, request: Request) -> bool:
    """Whether ``response.read()`` may take the body whole; if not, :func:`_read_counted` must.

    aiohttp inflates a compressed body chunk by chunk as it is read, so counting what comes
    out of ``response.content`` bounds memory however well the body compresses. An uncompressed
    body framed by its ``Content-Length`` (no ``Transfer-Encoding``) cannot outgrow what it
    declares, so one read takes it whole once the declared size is within ``limit``.

    Raises:
        ResponseTooLargeError: The body declares more than ``limit`` bytes.
    """
    headers = response.headers
    declared = headers.get(hdrs.CONTENT_LENGTH)  # (aiohttp's parser refused a malformed one)
    if declared is None or hdrs.CONTENT_ENCODING in headers:
        return False
    if int(declared) > limit:
        raise _too_large(response, limit, request, f"it declares {declared} bytes")
    return hdrs.TRANSFER_ENCODING not in headers


async def _read_counted(response: aiohttp.ClientResponse, limit: int, request: Request) -> bytes:
    """The whole body, decompressed, or :class:`ResponseTooLargeError` once it passes ``limit``."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(response, limit, request, f"{size} bytes read so far")
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(
    response: aiohttp.ClientResponse, limit: int, request: Request, seen: str
) -> ResponseTooLargeError:
    response.close()  # drop the connection: the rest of the body is never read
    applied = "" if request.idempotent else " (it may have been applied)"
    return ResponseTooLargeError(
        f"the response to {request!r} is larger than max_response_bytes={limit} ({seen}); "
        f"reading stopped{applied}",
        limit=limit,
        status_code=response.status,
    )


def _own_session(
    connector: aiohttp.BaseConnector, headers: dict[str, str]
) -> aiohttp.ClientSession:
    session = aiohttp.ClientSession(
        connector=connector,
        auto_decompress=True,
        read_bufsize=READ_BUFSIZE,
        max_line_size=MAX_LINE_SIZE,
        max_field_size=MAX_FIELD_SIZE,
        max_headers=MAX_HEADERS,
        raise_for_status=False,
        headers=headers,
        # The API authenticates by token and needs no cookies. A jar would send what the
        # answer to one location's request set with every other location's requests on the
        # session (and with the token endpoint's), so none is kept.
        cookie_jar=aiohttp.DummyCookieJar(),
    )
    # aiohttp quietly sends an idempotent request a second time after a disconnect. That
    # second send would bypass our rate-limit slot and hide an unknown outcome from our retry
    # policy, so our own sessions leave every retry to the client (aiohttp's test client turns
    # the same switch off; it has no public argument). Every aiohttp from the declared floor
    # has it; tests/client/test_no_silent_resend.py fails if one drops it.
    if not hasattr(session, "_retry_connection"):
        warnings.warn(
            f"aiohttp {aiohttp.__version__} has no switch for its silent resend of a request "
            "after a disconnect: such a resend bypasses the rate limiter",
            RuntimeWarning,
            stacklevel=4,
        )
    session._retry_connection = False
    return session
