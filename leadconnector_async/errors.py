"""Every exception this library raises.

The tree::

    LeadConnectorError                  anything from this library
    ├── APIError                        the server answered with an error status
    │   ├── BadRequestError             400
    │   │   └── DuplicateContactError   400 "does not allow duplicated contacts" (.existing_id)
    │   ├── AuthenticationError         401 bad/expired token, or a refused or failed OAuth refresh
    │   │   └── ScopeError              401 "token is not authorized for this scope"
    │   ├── PermissionDeniedError       403
    │   ├── NotFoundError               404, or 400 with a not-found message
    │   ├── UnprocessableEntityError    422 (.messages: list[str])
    │   ├── RateLimitError              429, or the daily budget is spent
    │   │   └── RateLimitTimeoutError   no send slot within the call's time budget; nothing sent
    │   ├── RedirectError               3xx: redirects are never followed (.location)
    │   └── ServerError                 5xx
    ├── TransportError                  no usable response: connection, timeout, malformed body
    │   ├── ResponseTooLargeError       the body exceeded the client's size limit (.limit)
    │   ├── UnfitResponseError          a JSON body with more values unfit for their types than read
    │   ├── PoolTimeoutError            no connection of the pool within the call's time budget
    │   └── PaginationError             the server's pages do not lead anywhere (loop, overrun)
    ├── ClientClosedError               the client was closed; it sends nothing more
    ├── ConfigurationError              bad arguments, caught before anything is sent
    │   └── CustomFieldError            a custom field name/key no definition (or several) has
    ├── RateLimiterUnavailableError     the shared (Redis) rate limiter is unreachable; nothing sent
    └── WebhookVerificationError        bad signature, stale or replayed webhook delivery

Messages never contain a token: the request's headers are not kept on errors, and no error
raised by a call has the underlying library's exception (which may hold the request's headers)
as its ``__context__`` or ``__cause__``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "CustomFieldError",
    "DuplicateContactError",
    "LeadConnectorError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "PoolTimeoutError",
    "RateLimitError",
    "RateLimitTimeoutError",
    "RateLimiterUnavailableError",
    "RedirectError",
    "ResponseTooLargeError",
    "ScopeError",
    "ServerError",
    "TransportError",
    "UnfitResponseError",
    "UnprocessableEntityError",
    "WebhookVerificationError",
]


class LeadConnectorError(Exception):
    """Base class of every error raised by leadconnector_async.

    Attributes:
        status_code: The HTTP status, when a response was received.
        trace_id: The server's ``traceId`` for the request, when it sent one.
        method: The HTTP method of the call that failed, once it reached the client's loop.
        path_template: Its path with the ids left out (``/contacts/{contactId}``).
        body_excerpt: The start of the error response's body (at most 200 characters), with
            token-like values masked.
    """

    method: str | None = None
    path_template: str | None = None
    body_excerpt: str | None = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.trace_id = trace_id

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take keyword-only arguments that ``args`` does not hold, so the default
        # (``cls(*args)``) cannot rebuild them: restore the attributes instead, so an error
        # crosses a process boundary (a worker pool, a queue) intact.
        return (_rebuild, (type(self), self.args), self.__dict__)

    def __str__(self) -> str:
        parts = [self.message]
        if self.status_code is not None:
            parts.append(f"status={self.status_code}")
        if self.trace_id:
            parts.append(f"trace_id={self.trace_id}")
        if self.method and self.path_template:
            parts.append(f"{self.method} {self.path_template}")
        return " | ".join(parts)


class APIError(LeadConnectorError):
    """The server answered with an error status."""


class BadRequestError(APIError):
    """400: the server rejected the request as malformed."""


class DuplicateContactError(BadRequestError):
    """400: the location does not allow duplicate contacts and one already matches.

    Attributes:
        existing_id: The id of the contact that already exists (``meta.contactId``).
        matching_field: The field that matched, ``"email"`` or ``"phone"``.
    """

    def __init__(
        self,
        message: str,
        *,
        existing_id: str | None,
        matching_field: str | None,
        status_code: int | None = 400,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, trace_id=trace_id)
        self.existing_id = existing_id
        self.matching_field = matching_field


class AuthenticationError(APIError):
    """401: the token is missing, invalid or expired, or an OAuth refresh was refused (or
    answered with a redirect or another 4xx that is no refusal: ``status_code`` says which)."""


class ScopeError(AuthenticationError):
    """401: the token is valid but lacks the scope (refreshing will not help)."""


class PermissionDeniedError(APIError):
    """403: the token may not act on this resource."""


class NotFoundError(APIError):
    """404, or a 400 whose message says the resource was not found."""


class UnprocessableEntityError(APIError):
    """422: validation failed.

    Attributes:
        messages: Every validation message the server sent.
    """

    def __init__(
        self,
        message: str,
        *,
        messages: list[str],
        status_code: int | None = 422,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, trace_id=trace_id)
        self.messages = messages


class RateLimitError(APIError):
    """429 after retries ran out, or the location's daily budget is spent.

    Attributes:
        retry_after: Seconds the server (or the local budget) says to wait, if known: finite,
            and a day at most when read from a response (``Retry-After: inf`` is a day). Read
            from a rate-limit interval (no ``Retry-After``), it is at least the client's
            ``RateLimit.period`` and at most six of them (six of 10 s without a limit).
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = 429,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, trace_id=trace_id)
        self.retry_after = retry_after


class RedirectError(APIError):
    """3xx: the server (or something in front of it) redirected; the API never does.

    Redirects are not followed: following one would re-send the request, its body and its
    token to wherever the ``Location`` points.

    Attributes:
        location: The ``Location`` header the response carried (``None`` if it had none),
            with the call's token and other secrets in it replaced by ``<redacted>``.
    """

    def __init__(
        self,
        message: str,
        *,
        location: str | None,
        status_code: int | None = None,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, trace_id=trace_id)
        self.location = location


class RateLimitTimeoutError(RateLimitError):
    """No send slot freed up within the call's ``timeout`` or ``RetryPolicy(deadline=...)``.

    Nothing was sent; ``status_code`` is ``None`` and the call is not retried. ``retry_after``
    is set when a 429's pause of the location outlasts the call's time budget: the seconds
    left of it.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after, status_code=None)


class ServerError(APIError):
    """5xx: the server failed.

    Attributes:
        retry_after: Seconds the response's ``Retry-After`` asks to wait (a 503 during
            maintenance), if it sent one: finite, a day at most.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = None,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, trace_id=trace_id)
        self.retry_after = retry_after


class TransportError(LeadConnectorError):
    """No usable response: connection failure, timeout, or a body that is not the expected JSON.

    Attributes:
        outcome_unknown: True when the request may have reached the server and been applied,
            so repeating a non-idempotent call could apply it twice.
    """

    def __init__(
        self,
        message: str,
        *,
        outcome_unknown: bool = False,
        status_code: int | None = None,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, trace_id=trace_id)
        self.outcome_unknown = outcome_unknown


class ResponseTooLargeError(TransportError):
    """The response body (after decompression) grew past the client's limit; reading stopped.

    Attributes:
        limit: The limit in bytes (``LeadConnector(max_response_bytes=...)``).
    """

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        outcome_unknown: bool = True,
        status_code: int | None = None,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(
            message, outcome_unknown=outcome_unknown, status_code=status_code, trace_id=trace_id
        )
        self.limit = limit


class UnfitResponseError(TransportError):
    """A success's body is JSON, but more of its values do not fit their types than the client
    repairs per body (far more than real records have); it was not read further.

    The same request would bring the same body, so it is not retried. (``outcome_unknown`` is
    True, as for any body that could not be read: a write it answered may have been applied.)
    """


class PoolTimeoutError(TransportError):
    """No connection of the client's pool came free within the call's ``timeout`` (or
    ``RetryPolicy(deadline=...)``), or none is predicted to: more requests wait ahead of it
    than the saturated pool admits in that time, so it was refused at once.

    Nothing was sent (``outcome_unknown`` is False) and the call is not retried: under overload
    a retry only adds to the queue that turned it away.
    """

    def __init__(self, message: str) -> None:
        # What TransportError's and LeadConnectorError's __init__ set, without their two
        # frames: a saturated pool may refuse tens of thousands of calls a second.
        Exception.__init__(self, message)
        self.message = message
        self.status_code = self.trace_id = None
        self.outcome_unknown = False


class PaginationError(TransportError):
    """A listing's pages lead nowhere: a cursor came back again, ``skip`` was ignored, or the
    walk went past the total the server itself reported. Raised after every new item was
    yielded."""


class ClientClosedError(LeadConnectorError):
    """The client was closed with ``aclose()`` and refuses to send."""


class ConfigurationError(LeadConnectorError, ValueError):
    """Bad arguments or settings, detected before anything was sent."""


class CustomFieldError(ConfigurationError):
    """A custom field given by name or key that no definition has, or that several share.

    Raised before anything is written for the row (or the file) that names it.

    Attributes:
        reference: The id, key or name as given.
        candidates: The ids of the definitions it could mean (empty when unknown).
    """

    def __init__(self, message: str, *, reference: str = "", candidates: tuple[str, ...] = ()):
        super().__init__(message)
        self.reference = reference
        self.candidates = candidates


class RateLimiterUnavailableError(LeadConnectorError):
    """The shared rate limiter's backend (Redis) cannot be reached; the request was not sent."""


class WebhookVerificationError(LeadConnectorError):
    """A webhook delivery failed verification: bad or missing signature, stale or replayed."""


def _rebuild(cls: type[LeadConnectorError], args: tuple[Any, ...]) -> LeadConnectorError:
    """Unpickle an error without its ``__init__``; pickle then restores its attributes."""
    return cls.__new__(cls, *args)
