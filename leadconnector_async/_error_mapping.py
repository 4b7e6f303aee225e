"""Error responses as exceptions, and bodies made safe to quote: the most specific error class
for a status and body, secrets redacted, excerpts masked."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

import msgspec

from ._lenient import lenient_decoder
from ._rate_headers import header, retry_after, retry_after_header
from ._text_repair import NOT_DECODED
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    DuplicateContactError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RedirectError,
    ScopeError,
    ServerError,
    UnprocessableEntityError,
)

_EXCERPT = 200
_REDACTED_TEXT = "<redacted>"
_REDACTED = _REDACTED_TEXT.encode()


def _secret_spellings(secrets: Iterable[str]) -> set[str]:
    """Each secret as sent and percent-encoded (as a form echoes it).

    Secrets shorter than 4 characters are left out: replacing them would garble the text
    without hiding anything worth hiding.
    """
    return {
        spelling
        for secret in secrets
        if len(secret) >= 4
        for spelling in (secret, quote(secret, safe=""), quote_plus(secret))
    }


def redact_secrets(body: bytes, secrets: Iterable[str]) -> bytes:
    """``body`` with every secret, as sent or percent-encoded (as a form echoes it), replaced.

    A JSON body can also spell a secret with escapes (``\\/``, ``\\u002d``) that only reading
    it undoes: :func:`error_from_response` and :func:`body_excerpt`, given the secrets, redact
    those where they read the body.
    """
    for spelling in _secret_spellings(secrets):
        body = body.replace(spelling.encode(), _REDACTED)
    return body


def _redact_text(value: Any, spellings: set[str]) -> Any:
    """``value`` (decoded JSON) with every secret in its strings, however escaped, replaced."""
    if isinstance(value, str):
        for spelling in spellings:
            value = value.replace(spelling, _REDACTED_TEXT)
        return value
    if isinstance(value, list):
        return [_redact_text(item, spellings) for item in value]
    if isinstance(value, dict):
        return {key: _redact_text(item, spellings) for key, item in value.items()}
    return value


def _redacted_head(body: bytes, spellings: set[str]) -> bytes:
    """The start of ``body`` that an excerpt reads, with every secret in it replaced however
    JSON escapes spell it. Only a bounded head is read, whatever the body's size."""
    encoded = {spelling.encode() for spelling in spellings}
    reach = 6 * max(map(len, encoded))  # the longest an escaped secret can be (\u0041: 6)
    end = _EXCERPT * 4 + reach
    if b"\\" not in body[:end]:
        return body[: _EXCERPT * 4]
    head = _redact_escaped(body[:end], encoded)
    if end < len(body):  # a secret cut at ``end`` was not found: drop where it could begin
        head = head[: max(len(head) - reach, 0)]
    return head[: _EXCERPT * 4]


# One JSON string escape: a surrogate pair, another \uXXXX, or a one-character escape.
_JSON_ESCAPE = re.compile(
    rb"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    rb"|u[0-9a-fA-F]{4}|[\"\\/bfnrt])"
)
_SHORT_ESCAPES = {b'"': b'"', b"\\": b"\\", b"/": b"/", b"b": b"\b", b"f": b"\f"}
_SHORT_ESCAPES |= {b"n": b"\n", b"r": b"\r", b"t": b"\t"}


def _redact_escaped(text: bytes, spellings: set[bytes]) -> bytes:
    """``text`` with every place where one of ``spellings`` appears once its JSON escapes are
    read replaced, escapes whole (a secret's first or last character may be one).

    The search runs over ``text`` as a JSON decoder reads a string, every escape replaced by
    its character, whether or not it is inside a string: no escape is left unread.
    """
    view = bytearray()
    starts: list[int] = []  # for each byte of the view, where its source in ``text`` begins
    ends: list[int] = []  # and ends
    done = 0
    for found in [*_JSON_ESCAPE.finditer(text), None]:
        literal_end = len(text) if found is None else found.start()
        view += text[done:literal_end]
        starts += range(done, literal_end)
        ends += range(done + 1, literal_end + 1)
        if found is None:
            break
        character = _unescaped(found.group())
        view += character
        starts += [found.start()] * len(character)
        ends += [found.end()] * len(character)
        done = found.end()
    spans = sorted(
        (starts[start], ends[start + len(spelling) - 1])
        for spelling in spellings
        for start in _occurrences(view, spelling)
    )
    parts, done = [], 0
    for start, end in spans:
        if start < done:  # overlaps the one before: one marker for both
            done = max(done, end)
            continue
        parts += [text[done:start], _REDACTED]
        done = end
    return b"".join([*parts, text[done:]])


def _unescaped(escape: bytes) -> bytes:
    """The UTF-8 of the character one JSON escape stands for."""
    if len(escape) == 2:
        return _SHORT_ESCAPES[escape[1:]]
    code = int(escape[2:6], 16)
    if len(escape) == 12:  # a surrogate pair
        code = 0x10000 + ((code - 0xD800) << 10) + (int(escape[8:], 16) - 0xDC00)
    return chr(code).encode("utf-8", "surrogatepass")


def _occurrences(view: bytearray, spelling: bytes) -> list[int]:
    found, start = [], view.find(spelling)
    while start >= 0:
        found.append(start)
        start = view.find(spelling, start + 1)
    return found


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


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    secrets: Iterable[str] = (),
    period: float | None = None,
) -> APIError:
    """Map an error status and body to the most specific exception class.

    A 429's ``retry_after`` is :func:`~._rate_headers.retry_after` of its headers, a rate-limit
    interval read against ``period``, the window of the client's limiter (``None``: none).

    Every one of ``secrets`` the body holds (as :func:`redact_secrets` leaves it: spelled with
    JSON escapes) is replaced in whatever the error quotes of it, and so is every one a
    redirect's ``Location`` holds (as sent or percent-encoded).
    """
    spellings = _secret_spellings(secrets)
    parsed = _read_error_body(body, spellings)
    messages = _messages(parsed, body, spellings)
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
        return RateLimitError(
            text, retry_after=retry_after(headers, period=period), trace_id=trace_id
        )
    if 300 <= status < 400:
        location = _redact_text(header(headers, "location"), spellings)
        return RedirectError(
            f"HTTP {status} redirect to {location!r} was not followed (the API does not "
            "redirect; check base_url and any proxy in between)",
            location=location,
            status_code=status,
            trace_id=trace_id,
        )
    if status >= 500:
        asked = retry_after_header(headers)
        return ServerError(text, retry_after=asked, status_code=status, trace_id=trace_id)
    return _by_status(status, text, trace_id)


def _by_status(status: int, text: str, trace_id: str | None) -> APIError:
    cls: type[APIError]
    if status == 400:
        cls = BadRequestError
    elif status == 401:
        cls = ScopeError if _SCOPE.search(text) else AuthenticationError
    elif status == 403:
        cls = PermissionDeniedError
    else:
        cls = APIError
    return cls(text, status_code=status, trace_id=trace_id)


def _read_error_body(body: bytes, spellings: set[str]) -> _ErrorBody | None:
    try:  # leniently: one odd field must not cost the others (meta, ...)
        parsed = lenient_decoder(_ErrorBody)(body)
    except (*NOT_DECODED, RecursionError):
        return None
    if spellings:  # a secret JSON escapes spelled is plain text once decoded
        for field in parsed.__struct_fields__:
            setattr(parsed, field, _redact_text(getattr(parsed, field), spellings))
    return parsed


def _messages(parsed: _ErrorBody | None, body: bytes, spellings: set[str]) -> list[str]:
    if parsed is None:
        return [repr(_excerpt(body, spellings))] if body.strip() else []
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


def body_excerpt(body: bytes, secrets: Iterable[str] = ()) -> str:
    """The start of a body for messages and logs: at most 200 characters, with the values of
    token/secret/password keys, bearer tokens and JWTs masked as ``***``, and ``secrets``
    however JSON escapes spell them (as sent, :func:`redact_secrets` replaced) as
    ``<redacted>``."""
    return _excerpt(body, _secret_spellings(secrets))


def quoted_excerpt(body: bytes, secrets: Iterable[str] = ()) -> str:
    """:func:`body_excerpt` as a quoted string, for messages."""
    return repr(body_excerpt(body, secrets))


def _excerpt(body: bytes, spellings: set[str]) -> str:
    head = _redacted_head(body, spellings) if spellings else body[: _EXCERPT * 4]
    text = head.decode("utf-8", "replace")
    text = _SECRET_VALUE.sub(r'\1"***"', text)
    text = _JWT.sub("***", _BEARER.sub(r"\1***", text))
    return text[:_EXCERPT] + ("..." if len(text) > _EXCERPT or len(body) > _EXCERPT * 4 else "")
