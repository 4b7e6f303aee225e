"""Frozen settings shared by a client and every client derived from it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ._feedback import PUBLISHED_PERIOD
from ._version import __version__
from .errors import ConfigurationError

DEFAULT_BASE_URL = "https://services.leadconnectorhq.com"
CONTACTS_API_VERSION = "2021-07-28"
API_V3 = "v3"
API_VERSIONS = (CONTACTS_API_VERSION, API_V3)
"""The Contacts API versions a client can speak: the default first."""
USER_AGENT = f"leadconnector-async/{__version__}"
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
"""Largest response body read (after decompression): a 500-contact search page of ~1 KB
contacts is ~0.4 MB (benchmarks/decode.py), so pages of contacts 80x fuller still fit."""


def check_number(
    name: str, value: object, minimum: float, *, above: bool = False, whole: bool = False
) -> None:
    """Refuse a setting that is not a finite number (an ``int`` where ``whole``; never a bool)
    of at least ``minimum`` (more than it where ``above``).

    Raises:
        ConfigurationError: Naming the setting, and the number it got (never other values:
            a misplaced argument may be a secret).
    """
    kind = int if whole else (int, float)
    if (
        not isinstance(value, bool)
        and isinstance(value, kind)
        and math.isfinite(value)
        and (value > minimum if above else value >= minimum)
    ):
        return
    wanted = "an int" if whole else "a finite number"
    bound = f"above {minimum:g}" if above else f"of at least {minimum:g}"
    got = repr(value) if isinstance(value, int | float) else f"a {type(value).__name__}"
    raise ConfigurationError(f"{name} must be {wanted} {bound}, got {got}")


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The API's published limit for one location.

    Args:
        max_requests: Requests allowed in any window of ``period`` seconds.
        period: The window length in seconds.
        daily: Requests allowed per day, or ``None`` for no daily budget. Used only while the
            server sends no ``X-RateLimit-Daily-Remaining``; when it does, its figure decides.
        daily_probe_interval: While the server says the daily budget is spent, one request is
            let through every this many seconds to learn whether it came back (any response
            showing budget again reopens at once).

    Raises:
        ConfigurationError: A count that is not an int, or a figure not finite or in range.
    """

    max_requests: int = 100
    period: float = PUBLISHED_PERIOD
    daily: int | None = 200_000
    daily_probe_interval: float = 60.0

    def __post_init__(self) -> None:
        check_number("RateLimit.max_requests", self.max_requests, 1, whole=True)
        check_number("RateLimit.period", self.period, 0, above=True)
        if self.daily is not None:
            check_number("RateLimit.daily", self.daily, 1, whole=True)
        check_number("RateLimit.daily_probe_interval", self.daily_probe_interval, 0, above=True)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How failed requests are retried.

    Args:
        max_retries: Retries after the first attempt (0 disables retries).
        backoff_base: First backoff ceiling in seconds; doubles per attempt (full jitter).
        backoff_max: Ceiling of any single backoff wait.
        deadline: Total seconds one call may take across all attempts, or ``None``.
        max_wait: Longest wait the server may ask for (``Retry-After`` on a 429, or on a
            503 or other retried 5xx) that is still waited out; a longer one raises
            ``RateLimitError`` (or ``ServerError``) with ``.retry_after`` at once. After a 429
            the location stays paused as asked all the same (a day at most), so its other
            calls send nothing meanwhile.

    Raises:
        ConfigurationError: A count that is not an int, or a figure not finite or in range.
    """

    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    deadline: float | None = None
    max_wait: float = 60.0

    def __post_init__(self) -> None:
        check_number("max_retries", self.max_retries, 0, whole=True)
        check_number("RetryPolicy.backoff_base", self.backoff_base, 0)
        check_number("RetryPolicy.backoff_max", self.backoff_max, 0)
        check_number("RetryPolicy.max_wait", self.max_wait, 0)
        if self.deadline is not None:
            check_number("RetryPolicy.deadline", self.deadline, 0, above=True)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Per-request timeouts in seconds (``None`` means no limit).

    Args:
        total: The whole request, from connect to the last body byte.
        connect: Acquiring a connection (including TCP and TLS set-up).
    """

    total: float | None = 30.0
    connect: float | None = 10.0


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything a client needs that does not change after construction."""

    base_url: str = DEFAULT_BASE_URL
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    rate_limit: RateLimit | None = field(default_factory=RateLimit)
    user_agent: str = USER_AGENT
    api_version: str = CONTACTS_API_VERSION

    def __post_init__(self) -> None:
        if self.api_version not in API_VERSIONS:
            raise ConfigurationError(
                f"api_version must be one of {', '.join(map(repr, API_VERSIONS))}, "
                f"got {self.api_version!r}"
            )
