"""The API's rules as pure functions: describe a call, build its request, read its response.

Nothing here does I/O, so every rule can be tested on recorded bytes without an event loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlencode

import msgspec

from ._config import CONTACTS_API_VERSION, ClientConfig, RateLimit
from ._error_mapping import body_excerpt, error_from_response, quoted_excerpt, redact_secrets
from ._lenient import UnfitBodyError, salvage
from ._lenient import decoder_for as decoder_for
from ._text_repair import NOT_DECODED
from .errors import (
    ConfigurationError,
    TransportError,
    UnfitResponseError,
)
from .models._base import encode_clear

T = TypeVar("T")
E = TypeVar("E")

Decode = Callable[[bytes], T]

_ENCODER = msgspec.json.Encoder(enc_hook=encode_clear)
_JSON, _FORM = "application/json", "application/x-www-form-urlencoded"


def unwrap(envelope: type[E], get: Callable[[E], T]) -> Decode[T]:
    """Build a decode function: bytes -> ``envelope`` struct -> the useful part.

    The body is decoded straight into the struct; only when it does not fit (or holds text that
    is not valid Unicode) is it read again leniently
    (:func:`~leadconnector_async._lenient.salvage`), so one odd field never costs the record or
    the page.

    Args:
        envelope: The struct the response body decodes into (``{"contact": {...}}``).
        get: Picks the useful thing out of the envelope.
    """
    decode = decoder_for(envelope).decode

    # lenient_decoder's steps written out: one call fewer on every response.
    def decode_and_unwrap(body: bytes) -> T:
        try:
            whole = decode(body)
        except NOT_DECODED:
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
    if isinstance(value, str) and (
        (value.isascii() and value.isalnum())  # an id the API hands out; no regex needed
        or _PLAIN_SEGMENT.fullmatch(value)
    ):
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
    """An HTTP request ready for the transport. Its repr shows neither credentials nor query.

    Attributes:
        method: HTTP method.
        url: The whole URL, query included.
        body: The encoded body, or ``None``.
        content_type: The body's ``Content-Type``, or ``None``.
        token: The bearer token to send, or ``None`` for an unauthenticated request.
        version: The ``Version`` header, or ``None`` for none.
        idempotent: The call's: repeating it is harmless (for the transport's messages).

    The token and version are fields rather than headers: the transport writes the headers
    (:func:`identity_headers`) into the one mapping it hands aiohttp.
    """

    method: str
    url: str
    body: bytes | None = None
    content_type: str | None = None
    token: str | None = None
    version: str | None = None
    idempotent: bool = True

    def __repr__(self) -> str:
        # No query string: it can hold an email or phone (duplicate lookups, searches).
        return f"Request({self.method} {self.url.partition('?')[0]})"


def identity_headers(token: str | None, version: str | None) -> dict[str, str]:
    """The ``Authorization`` and ``Version`` headers of a request with this token and version."""
    headers = {} if version is None else {"Version": version}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


class Response(msgspec.Struct, frozen=True, gc=False):
    """What the transport got back: status, headers (case-insensitive mapping) and raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def static_headers(config: ClientConfig) -> dict[str, str]:
    """The headers every request carries; the transport sets them once on its session."""
    return {"Accept": "application/json", "User-Agent": config.user_agent}


def build_request(call: Call[Any], config: ClientConfig, token: str | None) -> Request:
    """Turn a call description into a request for the transport (which adds the
    :func:`static_headers`).

    Raises:
        ConfigurationError: Something in the call cannot be sent (a body msgspec cannot
            encode, text with lone surrogates, a token with control characters, a path not
            beginning with ``/``).
    """
    safe = call.idempotent
    if not call.path.startswith("/"):
        # Appended to the base URL, "@host/x" would name another host, with credentials.
        raise ConfigurationError("a call's path must begin with '/'; nothing was sent")
    try:
        url = config.base_url + call.path
        if call.params:
            query = urlencode(
                [(k, str(v)) for k, v in call.params.items() if v is not None], quote_via=quote
            )
            if query:
                url = f"{url}?{query}"
        if not call.authenticated:
            token = None
        elif token is not None and not token.isprintable():
            # CR/LF would split the header; the message omits the token
            raise ConfigurationError(
                "the access token contains a control character (such as CR or LF); nothing was sent"
            )
        if call.form is not None:
            body = urlencode(call.form).encode()
            return Request(call.method, url, body, _FORM, token, call.version, safe)
        if call.body is None:
            return Request(call.method, url, None, None, token, call.version, safe)
        try:
            body = _ENCODER.encode(call.body)
        except (TypeError, msgspec.EncodeError) as exc:
            problem = str(exc)
        else:
            return Request(call.method, url, body, _JSON, token, call.version, safe)
        raise ConfigurationError(
            f"cannot send the body of {call.method} {call.path}: {problem}; nothing was sent"
        )
    except UnicodeEncodeError as exc:
        problem = f"text that is not valid Unicode (a lone surrogate at position {exc.start})"
    raise ConfigurationError(f"cannot send {call.method} {call.path}: {problem}; nothing was sent")


def parse_response(
    call: Call[T], response: Response, token: str | None = None, limit: RateLimit | None = None
) -> T:
    """Return the call's result from a 2xx response, or raise the matching error.

    An error body that echoes what was sent (an OAuth error page showing the posted form) has
    the secrets of this call, and ``token``, replaced before any message is made of it, also
    where JSON escapes spell them (``\\/``, ``\\u002d``). A 429's rate-limit interval is
    read against ``limit``, the limit the client keeps (see :func:`error_from_response`).

    Raises:
        APIError: A subclass chosen by :func:`error_from_response` for non-2xx statuses.
        TransportError: A 2xx body that is not the JSON the operation promises
            (:class:`UnfitResponseError` when it is JSON with more unfit values than are read).
    """
    if not 200 <= response.status < 300:
        secrets = _secrets_of(call, token)
        body = redact_secrets(response.body, secrets)
        period = None if limit is None else limit.period
        error = error_from_response(response.status, response.headers, body, secrets, period)
        error.body_excerpt = body_excerpt(body, secrets)
        raise error
    if call.decode is None:
        return None  # type: ignore[return-value]
    unreadable = TransportError
    try:
        return call.decode(response.body)
    except NOT_DECODED as exc:
        problem = str(exc)
        if isinstance(exc, UnfitBodyError):
            unreadable = UnfitResponseError
    except RecursionError:
        problem = "JSON nested deeper than the decoder allows"
    secrets = _secrets_of(call, token)
    excerpt = quoted_excerpt(redact_secrets(response.body, secrets), secrets)
    raise unreadable(
        f"malformed response body from {call.method} {call.path}: {problem}; body starts {excerpt}",
        outcome_unknown=True,
        status_code=response.status,
    )


_SECRET_FORM_FIELDS = ("client_secret", "refresh_token", "code", "access_token")


def _secrets_of(call: Call[Any], token: str | None) -> list[str]:
    secrets = [token] if token else []
    if call.form is not None:
        secrets += [call.form[k] for k in _SECRET_FORM_FIELDS if call.form.get(k)]
    return secrets
