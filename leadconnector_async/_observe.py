"""What a backend operator sees of each call: a log line per attempt, an OpenTelemetry span per
call (when ``opentelemetry-api`` is installed), and the user's request hooks.

Nothing here is paid for when nothing listens: with DEBUG logging off, no hooks and no
OpenTelemetry installed, :meth:`Observer.start` returns ``None`` and the client skips it all.
OpenTelemetry is imported on the first call that could use it, never when the package is.
Nothing recorded here holds a token: paths are templates (no ids), errors are our own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from ._protocol import Call, Response
from ._rate_headers import read_rate_limit
from .errors import LeadConnectorError, RateLimitError

logger = logging.getLogger("leadconnector_async")

TRACER_NAME = "leadconnector_async"


@dataclass(frozen=True, slots=True)
class AttemptInfo:
    """One HTTP attempt of a call, as ``on_attempt`` hooks and the DEBUG log line see it.

    Attributes:
        method: The HTTP method.
        path_template: The path with its ids left as placeholders (``/contacts/{contactId}``).
        location_id: The location the call counts against, when known.
        attempt: 1 for the first attempt, 2 for the first retry, ...
        status: The HTTP status, or ``None`` when no response came back.
        elapsed: Seconds from sending to the end of the answer (or the failure).
        trace_id: The server's ``traceId``, when it sent one.
        rate_limit_remaining: ``X-RateLimit-Remaining`` of the answer, when present.
        error: The error this attempt ended with, or ``None``.
    """

    method: str
    path_template: str
    location_id: str | None
    attempt: int
    status: int | None
    elapsed: float
    trace_id: str | None
    rate_limit_remaining: int | None
    error: LeadConnectorError | None


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """How a whole call ended (every retry included), as ``on_call`` hooks see it.

    Attributes:
        method: The HTTP method.
        path_template: The path template.
        location_id: The location the call counted against, when known.
        attempts: HTTP attempts made (0 when it failed before sending).
        status: The last HTTP status, or ``None`` when no response came back.
        elapsed: Seconds the call took, waits for slots and retries included.
        trace_id: The server's ``traceId`` of the last answer, when it sent one.
        error: The error the call raised, or ``None`` when it succeeded.
    """

    method: str
    path_template: str
    location_id: str | None
    attempts: int
    status: int | None
    elapsed: float
    trace_id: str | None
    error: BaseException | None


AttemptHook = Callable[[AttemptInfo], Awaitable[None]]
CallHook = Callable[[CallOutcome], Awaitable[None]]

_UNSET: Any = object()
_otel: Any = _UNSET  # (the opentelemetry.trace module, no-op provider types), or None
_tracer_cache: list[Any] = [None, None]  # the provider the tracer came from, the tracer


def _otel_tracer() -> Any:
    """The ``leadconnector_async`` tracer, or ``None`` when ``opentelemetry-api`` is absent or
    no tracer provider was set up (spans would record nothing, so none are made)."""
    global _otel
    if _otel is _UNSET:
        _otel = _load_otel()
    if _otel is None:
        return None
    trace, no_op = _otel
    # While no provider is set, get_tracer_provider() looks up an environment variable on every
    # call (a KeyError raised and caught); the global it returns from is one attribute read.
    provider = getattr(trace, "_TRACER_PROVIDER", _UNSET)
    if provider is None:
        return None
    if provider is _UNSET:  # an OpenTelemetry without that global: ask it each time
        provider = trace.get_tracer_provider()
    cached_provider, tracer = _tracer_cache
    if provider is not cached_provider:
        if isinstance(provider, no_op):
            return None
        from ._version import __version__

        tracer = provider.get_tracer(TRACER_NAME, __version__)
        _tracer_cache[:] = [provider, tracer]
    return tracer


def _load_otel() -> Any:
    """``(the opentelemetry.trace module, its no-op provider types)``, or ``None`` without it."""
    try:
        from opentelemetry import trace
    except ImportError:
        return None
    # Once, so that a provider named by OTEL_PYTHON_TRACER_PROVIDER is loaded (and set as the
    # global) before the global is read; a provider set later by code is seen on the next call.
    trace.get_tracer_provider()
    return trace, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)


class Observer:
    """Per-client settings of what is reported; shared by the clients derived from it.

    Args:
        server_address: The API host, for the ``server.address`` span attribute.
        server_port: Its port, for ``server.port``.
        on_attempt: Awaited after every HTTP attempt.
        on_call: Awaited once per call with its outcome.
    """

    __slots__ = ("on_attempt", "on_call", "server_address", "server_port")

    def __init__(
        self,
        server_address: str,
        server_port: int,
        on_attempt: AttemptHook | None,
        on_call: CallHook | None,
    ) -> None:
        self.server_address = server_address
        self.server_port = server_port
        self.on_attempt = on_attempt
        self.on_call = on_call

    def quiet(self) -> bool:
        """Whether nobody listens right now: no hook, no tracer provider, no debug logging."""
        return (
            self.on_attempt is None
            and self.on_call is None
            and (_otel is None or _otel_tracer() is None)  # (without OpenTelemetry: no call)
            and not logger.isEnabledFor(logging.DEBUG)
        )

    def start(self, call: Call[Any], location_id: str | None) -> CallTrace:
        """A trace for this call (ask :meth:`quiet` first: a call nobody listens to needs none).

        Call it in the task that runs the call: a span's context is attached to the current one.
        """
        return CallTrace(
            self, call, location_id, _otel_tracer(), logger.isEnabledFor(logging.DEBUG)
        )


class CallTrace:
    """What one call did so far: its attempts, last answer and span."""

    __slots__ = (
        "_attempt_started",
        "_context",
        "_debug",
        "_in_flight",
        "_observer",
        "_span",
        "_started",
        "attempts",
        "call",
        "location_id",
        "response",
        "status",
        "template",
        "trace_id",
    )

    def __init__(
        self,
        observer: Observer,
        call: Call[Any],
        location_id: str | None,
        tracer: Any,
        debug: bool,
    ) -> None:
        self._observer = observer
        self._debug = debug
        self.call = call
        self.template = call.template or call.path
        self.location_id = location_id
        self.attempts = 0
        self.response: Response | None = None
        self.status: int | None = None
        self.trace_id: str | None = None
        self._in_flight = False
        self._started = self._attempt_started = time.perf_counter()
        self._span: Any = None
        self._context: Any = None
        if tracer is not None:
            self._open_span(tracer)

    def _open_span(self, tracer: Any) -> None:
        from opentelemetry import context, trace

        observer = self._observer
        attributes: dict[str, str | int] = {
            "http.request.method": self.call.method,
            "url.template": self.template,
            "server.address": observer.server_address,
            "server.port": observer.server_port,
        }
        if self.location_id:
            attributes["leadconnector.location_id"] = self.location_id
        name = f"{self.call.method} {self.template}"
        self._span = tracer.start_span(name, kind=trace.SpanKind.CLIENT, attributes=attributes)
        # Current while the call runs, so spans of instrumented libraries below nest in it.
        self._context = context.attach(trace.set_span_in_context(self._span))

    def sending(self) -> None:
        """The request is about to go out (after its slot and token)."""
        self._attempt_started = time.perf_counter()
        self.response = None
        self._in_flight = True

    async def attempt_ended(self, error: BaseException | None, result: object = None) -> None:
        """Log the attempt that just ended, and run the ``on_attempt`` hook; an attempt that
        ended before its request was sent (no slot in time, a bad argument) is not one."""
        if not self._in_flight:
            return
        self._in_flight = False
        self.attempts += 1
        response, elapsed = self.response, time.perf_counter() - self._attempt_started
        api_error = error if isinstance(error, LeadConnectorError) else None
        self.status = response.status if response is not None else None
        self.trace_id = _trace_id(api_error, result)
        remaining = None
        if response is not None:
            snapshot = read_rate_limit(response.headers)
            remaining = snapshot.remaining if snapshot is not None else None
        info = AttemptInfo(
            self.call.method,
            self.template,
            self.location_id,
            self.attempts,
            self.status,
            elapsed,
            self.trace_id,
            remaining,
            api_error,
        )
        if self._debug:
            _log_attempt(info)
        if self._observer.on_attempt is not None:
            await _run_hook(self._observer.on_attempt, info)

    def retrying(self, delay: float, error: LeadConnectorError) -> None:
        """Record a retry as a span event (the log line is :func:`log_retry`'s)."""
        if self._span is not None:
            kind = _error_type(error, self.status)
            event = {"attempt": self.attempts, "delay_s": delay, "error.type": kind}
            self._span.add_event("retry", event)

    async def __aenter__(self) -> CallTrace:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        elapsed = time.perf_counter() - self._started
        if self._span is not None:
            self._close_span(error)
        # A cancelled call is not held up by a hook (its span still ends, above).
        if self._observer.on_call is not None and (error is None or isinstance(error, Exception)):
            outcome = CallOutcome(
                self.call.method,
                self.template,
                self.location_id,
                self.attempts,
                self.status,
                elapsed,
                self.trace_id,
                error,
            )
            await _run_hook(self._observer.on_call, outcome)

    def _close_span(self, error: BaseException | None) -> None:
        from opentelemetry import context

        context.detach(self._context)
        span = self._span
        if span.is_recording():
            if self.status is not None:
                span.set_attribute("http.response.status_code", self.status)
            retries = max(self.attempts - 1, 0)
            if retries:  # the conventions set it only on requests that were sent again
                span.set_attribute("http.request.resend_count", retries)
            span.set_attribute("leadconnector.retry_count", retries)
            if self.trace_id:
                span.set_attribute("leadconnector.trace_id", self.trace_id)
            if error is not None:
                from opentelemetry.trace import Status, StatusCode

                span.record_exception(error)
                span.set_attribute("error.type", _error_type(error, self.status))
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        span.end()


def log_retry(call: Call[Any], attempt: int, delay: float, error: LeadConnectorError) -> None:
    """INFO for a retry; WARNING when the server said 429 (its budget is being overrun)."""
    level = logging.WARNING if isinstance(error, RateLimitError) else logging.INFO
    if not logger.isEnabledFor(level):
        return
    template = call.template or call.path
    # The error's class, not its text: the text may quote ids or a body excerpt.
    logger.log(
        level,
        "retrying %s %s in %.2fs after attempt %d: %s",
        call.method,
        template,
        delay,
        attempt,
        type(error).__name__,
        extra={
            "http_method": call.method,
            "url_template": template,
            "attempt": attempt,
            "retry_delay_s": delay,
            "status_code": error.status_code,
            "trace_id": error.trace_id,
        },
    )


def log_rate_limited(call: Call[Any], error: LeadConnectorError) -> None:
    """WARNING when a call gives up on a 429 (no retry left, or a wait beyond the policy's)."""
    template = call.template or call.path
    fields = {
        "http_method": call.method,
        "url_template": template,
        "status_code": error.status_code,
        "trace_id": error.trace_id,
    }
    logger.warning(
        "%s %s answered 429 and is not retried: %s", call.method, template, error, extra=fields
    )


def _log_attempt(info: AttemptInfo) -> None:
    logger.debug(
        "%s %s location=%s status=%s %.1fms attempt=%d trace_id=%s rate_limit_remaining=%s",
        info.method,
        info.path_template,
        info.location_id,
        info.status,
        info.elapsed * 1000,
        info.attempt,
        info.trace_id,
        info.rate_limit_remaining,
        extra={
            "http_method": info.method,
            "url_template": info.path_template,
            "location_id": info.location_id,
            "status_code": info.status,
            "elapsed_ms": round(info.elapsed * 1000, 3),
            "attempt": info.attempt,
            "trace_id": info.trace_id,
            "rate_limit_remaining": info.rate_limit_remaining,
        },
    )


async def _run_hook(hook: Callable[[Any], Awaitable[None]], value: object) -> None:
    # A failing hook must not fail the call it observes; it is logged instead.
    try:
        await hook(value)
    except Exception:
        logger.exception("request hook %r failed", hook)


def _trace_id(error: LeadConnectorError | None, result: object) -> str | None:
    if error is not None:
        return error.trace_id
    trace_id = getattr(result, "trace_id", None)
    return trace_id if isinstance(trace_id, str) else None


def _error_type(error: BaseException, status: int | None) -> str:
    """The semantic conventions' ``error.type``: the status code when the server answered
    with an error status, else the exception's class."""
    if status is not None and status >= 400:
        return str(status)
    return type(error).__qualname__
