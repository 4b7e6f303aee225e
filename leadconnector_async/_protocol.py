"""The API's rules as pure functions: describe a call, build its request, read its response.

Nothing here does I/O, so every rule can be tested on recorded bytes without an event loop.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, cast
from urllib.parse import quote, quote_plus, urlencode

import msgspec
from multidict import CIMultiDict, CIMultiDictProxy, istr

from ._config import CONTACTS_API_VERSION, ClientConfig
from ._lenient import decoder_for as decoder_for
from ._lenient import salvage
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    DuplicateContactError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RedirectError,
    ScopeError,
    ServerError,
    TransportError,
    UnprocessableEntityError,
)
from .models._base import encode_clear

T = TypeVar("T")
E = TypeVar("E")

Decode = Callable[[bytes], T]

_ENCODER = msgspec.json.Encoder(enc_hook=encode_clear)
_EXCERPT = 200


def unwrap(envelope: type[E], get: Callable[[E], T]) -> Decode[T]:
    """Build a decode function: bytes -> ``envelope`` struct -> the useful part.

    The body is decoded straight into the struct; only when it does not fit is it read again
    leniently (:func:`~leadconnector_async._lenient.salvage`), so one odd field never costs
    the record or the page.

    Args:
        envelope: The struct the response body decodes into (``{"contact": {...}}``).
        get: Picks the useful thing out of the envelope.
    """
    decode = decoder_for(envelope).decode

    def decode_and_unwrap(body: bytes) -> T:
        try:
            whole = decode(body)
        except msgspec.ValidationError:
            whole = salvage(body, envelope)
        return get(whole)

    return decode_and_unwrap


_DOT_SEGMENTS = frozenset({".", ".."})
# Characters quote() leaves alone, not starting with a dot: such a value (every id the API
# hands out) is its own quoted form and cannot be a dot segment.
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*")


def decode_as(type_: type[E]) -> Decode[E]:
    """Build a decode function: bytes -> ``type_``, leniently (see :func:`unwrap`)."""
    return unwrap(type_, _itself)


def _itself(value: E) -> E:
    return value


def segment(value: str, name: str) -> str:
    """Quote one path segment (``/`` and every other reserved character percent-encoded).

    Raises:
        ConfigurationError: An empty value, or ``.`` / ``..``: a proxy or server that
            normalises paths would turn ``/contacts/c1/campaigns/..`` into ``/contacts/c1``.
    """
    if isinstance(value, str) and _PLAIN_SEGMENT.fullmatch(value):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{name} must be a non-empty string, got {value!r}")
    if value.strip() in _DOT_SEGMENTS:
        raise ConfigurationError(f"{name} cannot be {value!r}: it would change the path")
    try:
        return quote(value, safe="")
    except UnicodeEncodeError:
        pass
    raise ConfigurationError(f"{name} is not valid Unicode text (a lone surrogate): {value!r}")


class Call(msgspec.Struct, Generic[T], frozen=True):
    """Everything needed to make one API call; resources build these, the client sends them.

    (Frozen structs rather than frozen dataclasses, here and for :class:`Request` and
    :class:`Response`: one of each is built per request, and a struct costs a tenth as much.
    The client's own :class:`Request` and :class:`Response` are not tracked by the garbage
    collector (``gc=False``): nothing they hold can refer back to them, and at thousands of
    requests in flight every tracked object is one more for each collection to walk. A call is
    tracked: its ``decode`` and ``body`` are the caller's and may.)

    Attributes:
        method: HTTP method.
        path: Path with its segments already quoted (see :func:`segment`).
        decode: Turns a 2xx body into the result; ``None`` means the body is not needed.
        params: Query parameters (``None`` values are left out).
        body: A struct or mapping sent as JSON, or ``None`` for no body.
        form: Form fields sent as ``application/x-www-form-urlencoded`` (OAuth).
        version: The ``Version`` header for this operation (``None`` sends none).
        idempotent: Whether repeating the request after an unknown outcome is harmless.
        location_id: The location whose rate limit this call counts against.
        authenticated: Whether to send the bearer token.
        gone_when_absent: A delete: if an earlier attempt's outcome is unknown and a retry
            finds nothing, that earlier attempt did the work, so the call succeeds (``None``).
        template: The path template (``/contacts/{contactId}``) for logs and traces, which
            must not carry ids; ``None`` when ``path`` is already one.
    """

    method: str
    path: str
    decode: Decode[T] | None = None
    params: Mapping[str, str | int | None] | None = None
    body: Any = None
    form: Mapping[str, str] | None = None
    version: str | None = CONTACTS_API_VERSION
    idempotent: bool = True
    location_id: str | None = None
    authenticated: bool = True
    gone_when_absent: bool = False
    template: str | None = None


class Request(msgspec.Struct, frozen=True, gc=False):
    """An HTTP request ready for the transport. Its repr shows neither headers nor query."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None

    def __repr__(self) -> str:
        # No query string: it can hold an email or phone (duplicate lookups, searches).
        return f"Request({self.method} {self.url.partition('?')[0]})"


class Response(msgspec.Struct, frozen=True, gc=False):
    """What the transport got back: status, headers (case-insensitive mapping) and raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def static_headers(config: ClientConfig) -> dict[str, str]:
    """The headers every request carries; the transport sets them once on its session."""
    return {"Accept": "application/json", "User-Agent": config.user_agent}


def build_request(call: Call[Any], config: ClientConfig, token: str | None) -> Request:
    """Turn a call description into a request with the headers that vary by call (the
    :func:`static_headers` are the transport's).

    Raises:
        ConfigurationError: Something in the call cannot be sent (a body msgspec cannot
            encode, text with lone surrogates, a token with control characters).
    """
    try:
        return _request(call, config, token)
    except UnicodeEncodeError as exc:
        problem = f"text that is not valid Unicode (a lone surrogate at position {exc.start})"
    raise ConfigurationError(f"cannot send {call.method} {call.path}: {problem}; nothing was sent")


def _request(call: Call[Any], config: ClientConfig, token: str | None) -> Request:
    url = config.base_url + call.path
    if call.params:
        query = urlencode(
            [(k, str(v)) for k, v in call.params.items() if v is not None], quote_via=quote
        )
        if query:
            url = f"{url}?{query}"
    headers: dict[str, str] = {}
    if call.version is not None:
        headers["Version"] = call.version
    if call.authenticated and token is not None:
        if not token.isprintable():  # CR/LF would split the header; the message omits it
            raise ConfigurationError(
                "the access token contains a control character (such as CR or LF); nothing was sent"
            )
        headers["Authorization"] = f"Bearer {token}"
    body: bytes | None = None
    if call.form is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode(call.form).encode()
    elif call.body is not None:
        headers["Content-Type"] = "application/json"
        try:
            body = _ENCODER.encode(call.body)
        except (TypeError, msgspec.EncodeError) as exc:
            raise ConfigurationError(
                f"cannot send the body of {call.method} {call.path}: {exc}; nothing was sent"
            ) from None
    return Request(call.method, url, headers, body)


def parse_response(call: Call[T], response: Response, token: str | None = None) -> T:
    """Return the call's result from a 2xx response, or raise the matching error.

    An error body that echoes what was sent (an OAuth error page showing the posted form) has
    the secrets of this call, and ``token``, replaced before any message is made of it.

    Raises:
        APIError: A subclass chosen by :func:`error_from_response` for non-2xx statuses.
        TransportError: A 2xx body that is not the JSON the operation promises.
    """
    if not 200 <= response.status < 300:
        body = redact_secrets(response.body, _secrets_of(call, token))
        error = error_from_response(response.status, response.headers, body)
        error.body_excerpt = body_excerpt(body)
        raise error
    if call.decode is None:
        return None  # type: ignore[return-value]
    try:
        return call.decode(response.body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        problem = str(exc)
    except RecursionError:
        problem = "JSON nested deeper than the decoder allows"
    raise TransportError(
        f"malformed response body from {call.method} {call.path}: {problem}; "
        f"body starts {_excerpt(redact_secrets(response.body, _secrets_of(call, token)))}",
        outcome_unknown=True,
        status_code=response.status,
    )


_SECRET_FORM_FIELDS = ("client_secret", "refresh_token", "code", "access_token")
_REDACTED = b"<redacted>"


def _secrets_of(call: Call[Any], token: str | None) -> list[str]:
    secrets = [token] if token else []
    if call.form is not None:
        secrets += [call.form[k] for k in _SECRET_FORM_FIELDS if call.form.get(k)]
    return secrets


def redact_secrets(body: bytes, secrets: list[str]) -> bytes:
    """``body`` with every secret, as sent or percent-encoded (as a form echoes it), replaced.

    Secrets shorter than 4 characters are left alone: replacing them would garble the text
    without hiding anything worth hiding.
    """
    for secret in secrets:
        if len(secret) < 4:
            continue
        for spelling in {secret, quote(secret, safe=""), quote_plus(secret)}:
            body = body.replace(spelling.encode(), _REDACTED)
    return body


class _ErrorBody(msgspec.Struct, rename="camel"):
    """The lenient shape of every error body the API is known to send."""

    message: str | list[str] | None = None
    error: str | dict[str, Any] | None = None
    error_description: str | None = msgspec.field(default=None, name="error_description")
    detail: str | None = None
    meta: dict[str, Any] | None = None
    trace_id: str | None = None


_NOT_FOUND = re.compile(
    r"not\s*found|does\s*n[o']t\s*exist|no longer exists|\bno such\b|\bunknown (contact|id)\b",
    re.IGNORECASE,
)
_DUPLICATE = re.compile(r"duplicat", re.IGNORECASE)
_SCOPE = re.compile(r"not authorized for this scope|scope", re.IGNORECASE)


def error_from_response(status: int, headers: Mapping[str, str], body: bytes) -> APIError:
    """Map an error status and body to the most specific exception class."""
    parsed = _read_error_body(body)
    messages = _messages(parsed, body)
    text = "; ".join(messages) or f"HTTP {status}"
    trace_id = parsed.trace_id if parsed else None
    meta = parsed.meta if parsed and parsed.meta else {}
    if status == 400 and (meta.get("contactId") or _DUPLICATE.search(text)):
        return DuplicateContactError(
            text,
            existing_id=_str_or_none(meta.get("contactId")),
            matching_field=_str_or_none(meta.get("matchingField")),
            trace_id=trace_id,
        )
    if status == 404 or (status == 400 and _NOT_FOUND.search(text)):
        return NotFoundError(text, status_code=status, trace_id=trace_id)
    if status == 422:
        return UnprocessableEntityError(text, messages=messages, trace_id=trace_id)
    if status == 429:
        return RateLimitError(text, retry_after=retry_after(headers), trace_id=trace_id)
    if 300 <= status < 400:
        location = header(headers, "location")
        return RedirectError(
            f"HTTP {status} redirect to {location!r} was not followed (the API does not "
            "redirect; check base_url and any proxy in between)",
            location=location,
            status_code=status,
            trace_id=trace_id,
        )
    return _by_status(status, text, trace_id)


def _by_status(status: int, text: str, trace_id: str | None) -> APIError:
    cls: type[APIError]
    if status == 400:
        cls = BadRequestError
    elif status == 401:
        cls = ScopeError if _SCOPE.search(text) else AuthenticationError
    elif status == 403:
        cls = PermissionDeniedError
    elif status >= 500:
        cls = ServerError
    else:
        cls = APIError
    return cls(text, status_code=status, trace_id=trace_id)


def _read_error_body(body: bytes) -> _ErrorBody | None:
    try:
        return decoder_for(_ErrorBody).decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


def _messages(parsed: _ErrorBody | None, body: bytes) -> list[str]:
    if parsed is None:
        return [_excerpt(body)] if body.strip() else []
    if isinstance(parsed.message, list):
        return [str(m) for m in parsed.message]
    if isinstance(parsed.error, str) and parsed.error_description:
        return [f"{parsed.error}: {parsed.error_description}"]  # OAuth's error shape
    for candidate in (parsed.message, parsed.detail, parsed.error):
        if isinstance(candidate, str) and candidate:
            return [candidate]
        if isinstance(candidate, dict) and isinstance(candidate.get("message"), str):
            return [candidate["message"]]
    return []


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


_SECRET_VALUE = re.compile(
    r'("[^"]*(?:token|secret|password|authorization|api_?key)[^"]*"\s*:\s*)"[^"]*"?',
    re.IGNORECASE,
)
_BEARER = re.compile(r"\b(bearer\s+)[^\s\"',]+", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[\w-]+\.[\w-]+\.?[\w-]*")


def body_excerpt(body: bytes) -> str:
    """The start of a body for messages and logs: at most 200 characters, with the values of
    token/secret/password keys, bearer tokens and JWTs masked as ``***``."""
    text = body[: _EXCERPT * 4].decode("utf-8", "replace")
    text = _SECRET_VALUE.sub(r'\1"***"', text)
    text = _JWT.sub("***", _BEARER.sub(r"\1***", text))
    return text[:_EXCERPT] + ("..." if len(text) > _EXCERPT or len(body) > _EXCERPT * 4 else "")


def _excerpt(body: bytes) -> str:
    return repr(body_excerpt(body))


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date), else the rate-limit interval.

    Returns ``None`` when the response gives no hint.
    """
    value = header(headers, "retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value).timestamp()
            except (TypeError, ValueError):
                when = None
            if when is not None:
                return max(0.0, when - (time.time() if now is None else now))
    limits = read_rate_limit(headers)
    if limits is not None and limits.interval_ms is not None:
        return limits.interval_ms / 1000.0
    return None


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name`` matched case-insensitively in any mapping, or ``None``."""
    wanted = name.lower()
    value = headers.get(wanted)  # one lookup for case-insensitive mappings (aiohttp's)
    if value is not None:
        return value
    for key, candidate in headers.items():
        if key.lower() == wanted:
            return candidate
    return None


class RateLimitSnapshot(msgspec.Struct, frozen=True, gc=False):
    """The ``X-RateLimit-*`` figures of one response; ``None`` where a header was absent.

    (A frozen struct rather than a frozen dataclass: one is built per response, and this costs a
    sixth as much to build.)
    """

    remaining: int | None = None
    max: int | None = None
    interval_ms: int | None = None
    daily_remaining: int | None = None
    daily_limit: int | None = None


_RATE_HEADERS = {
    "x-ratelimit-remaining": "remaining",
    "x-ratelimit-max": "max",
    "x-ratelimit-interval-milliseconds": "interval_ms",
    "x-ratelimit-daily-remaining": "daily_remaining",
    "x-ratelimit-limit-daily": "daily_limit",
}

# Looked up as istr: multidict then skips folding the name's case on every lookup.
_REMAINING, _MAX, _INTERVAL, _DAILY_REMAINING, _DAILY = map(istr, _RATE_HEADERS)
_CASE_INSENSITIVE = (CIMultiDictProxy, CIMultiDict)


def read_rate_limit(headers: Mapping[str, str]) -> RateLimitSnapshot | None:
    """Read the five rate-limit headers (any casing); ``None`` when none is present.

    aiohttp's case-insensitive headers are asked for the five names directly; any other mapping
    is scanned once.
    """
    if isinstance(headers, _CASE_INSENSITIVE):
        get = cast(Callable[[str], Any], headers.get)  # a missing value: int(None), caught
        remaining, most = get(_REMAINING), get(_MAX)
        interval, daily_remaining, daily = get(_INTERVAL), get(_DAILY_REMAINING), get(_DAILY)
        try:  # the usual answer: all five, plain integers
            return RateLimitSnapshot(
                int(remaining), int(most), int(interval), int(daily_remaining), int(daily)
            )
        except (TypeError, ValueError):  # one missing (``int(None)``) or odd
            pass
        if remaining is most is interval is daily_remaining is daily is None:
            return None
        return RateLimitSnapshot(
            _figure(remaining),
            _figure(most),
            _figure(interval),
            _figure(daily_remaining),
            _figure(daily),
        )
    found: dict[str, int] = {}
    for key, value in headers.items():
        name = _RATE_HEADERS.get(key.lower())
        if name is not None:
            figure = _figure(value)
            if figure is not None:
                found[name] = figure
    return RateLimitSnapshot(**found) if found else None


def _figure(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        try:
            return int(float(value))
        except (ValueError, OverflowError):  # "abc", "nan", "inf": no figure at all
            return None
