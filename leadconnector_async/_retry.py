"""Pure retry decisions: given what went wrong on which attempt, wait how long or give up."""

from __future__ import annotations

import random
from collections.abc import Callable

from ._config import RetryPolicy
from .errors import (
    LeadConnectorError,
    PoolTimeoutError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
    UnfitResponseError,
)

# 503 means the server refused to start the work, so even a create is safe to repeat;
# a 502 or 504 may come from a gateway after the application already acted.
_REFUSED_STATUSES = frozenset({503})
_GATEWAY_STATUSES = frozenset({502, 504})


def retry_delay(
    policy: RetryPolicy,
    attempt: int,
    error: LeadConnectorError,
    *,
    idempotent: bool,
    elapsed: float = 0.0,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Return seconds to wait before the next attempt, or ``None`` to give up.

    Args:
        policy: Retry limits and backoff settings.
        attempt: The attempt that just failed, counting from 1.
        error: What that attempt raised.
        idempotent: Whether repeating the request cannot apply it twice.
        elapsed: Seconds spent on this call so far (for ``policy.deadline``).
        rand: Source of jitter in [0, 1); injectable for tests.
    """
    if attempt > policy.max_retries:
        return None
    delay = _delay_for(policy, attempt, error, idempotent, rand)
    if delay is None:
        return None
    if policy.deadline is not None and elapsed + delay > policy.deadline:
        return None
    return delay


def _delay_for(
    policy: RetryPolicy,
    attempt: int,
    error: LeadConnectorError,
    idempotent: bool,
    rand: Callable[[], float],
) -> float | None:
    if isinstance(error, RateLimitError):
        if error.status_code != 429:
            return None  # the local daily budget is spent: waiting minutes helps nobody
        return _asked_or_backoff(policy, attempt, error.retry_after, rand)
    if isinstance(error, ServerError) and error.status_code is not None:
        if error.status_code in _REFUSED_STATUSES or (
            idempotent and error.status_code in _GATEWAY_STATUSES
        ):
            return _asked_or_backoff(policy, attempt, error.retry_after, rand)
        return None
    if isinstance(error, ResponseTooLargeError | UnfitResponseError):
        return None  # the same request would bring the same oversized or unfit answer
    if isinstance(error, PoolTimeoutError):
        return None  # our own pool is saturated: a retry only lengthens its queue
    if isinstance(error, TransportError) and (idempotent or not error.outcome_unknown):
        return backoff(policy, attempt, rand)
    return None


def _asked_or_backoff(
    policy: RetryPolicy, attempt: int, asked: float | None, rand: Callable[[], float]
) -> float | None:
    """The server's ``Retry-After`` first, then backoff. A wait longer than ``max_wait`` is
    handed to the caller (``None``) rather than slept through for what may be hours."""
    if asked is None:
        return backoff(policy, attempt, rand)
    return asked if asked <= policy.max_wait else None


def may_have_been_applied(error: LeadConnectorError) -> bool:
    """Whether the attempt that raised ``error`` may have done its work on the server.

    A lost answer (``TransportError(outcome_unknown=True)``) or a gateway's 502/504 (the
    application may have acted behind it) leaves the outcome open; anything else the server
    answered itself.
    """
    if isinstance(error, TransportError):
        return error.outcome_unknown
    return isinstance(error, ServerError) and error.status_code in _GATEWAY_STATUSES


def backoff(policy: RetryPolicy, attempt: int, rand: Callable[[], float]) -> float:
    """Capped exponential backoff with full jitter: uniform in [0, min(max, base * 2**(n-1)))."""
    ceiling = min(policy.backoff_max, policy.backoff_base * 2.0 ** (attempt - 1))
    return rand() * ceiling
