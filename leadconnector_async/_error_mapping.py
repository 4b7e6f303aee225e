"""Error responses as exceptions, and bodies made safe to quote: the most specific error class
for a status and body, secrets redacted, excerpts masked."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

import msgspec

from ._lenient import lenient_decoder
from ._rate_headers import header, retry_after
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
_REDACTED = b"<redacted>"


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
    try:  # leniently: one odd field must not cost the others (meta, ...)
        return lenient_decoder(_ErrorBody)(body)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


def _messages(parsed: _ErrorBody | None, body: bytes) -> list[str]:
    if parsed is None:
        return [quoted_excerpt(body)] if body.strip() else []
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


def quoted_excerpt(body: bytes) -> str:
    """:func:`body_excerpt` as a quoted string, for messages."""
    return repr(body_excerpt(body))
