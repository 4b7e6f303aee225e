"""The rate-limit headers of a response, and how long a refusal asks us to wait."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from multidict import CIMultiDict, CIMultiDictProxy, istr

from ._daily import DAY
from ._feedback import PUBLISHED_PERIOD, plausible_interval, plausible_period

LONGEST_WAIT = DAY
"""Seconds: the longest wait a response can ask for (a day, the daily budget's horizon); a
longer one (``Retry-After: inf``, a date years ahead) is read as this."""


def retry_after(
    headers: Mapping[str, str], now: float | None = None, period: float | None = None
) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date), else the rate-limit interval.

    The interval is read as the limiter reads it as feedback: with ``period`` (the window of
    the limiter that will hold the location's slots) it is clamped to
    :func:`~._feedback.plausible_period` of it, the window the limiter then keeps; without,
    to at most six of the published 10 s windows. Always a finite number from 0 to
    :data:`LONGEST_WAIT`; ``None`` when the response gives no hint.
    """
    asked = retry_after_header(headers, now)
    if asked is not None:
        return asked
    limits = read_rate_limit(headers)
    if limits is not None and limits.interval_ms is not None:
        if period is None:
            return plausible_interval(limits.interval_ms, PUBLISHED_PERIOD)
        return min(plausible_period(limits.interval_ms, period), LONGEST_WAIT)
    return None


def retry_after_header(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) alone: from 0 to
    :data:`LONGEST_WAIT`, or ``None`` when there is none that can be read."""
    value = header(headers, "retry-after")
    if value:
        try:
            return _bounded(float(value))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value).timestamp()
            except (TypeError, ValueError, OverflowError):  # (a zone offset no C int holds)
                when = None
            if when is not None:
                return _bounded(when - (time.time() if now is None else now))
    return None


def _bounded(seconds: float) -> float:
    """``seconds`` within 0 and :data:`LONGEST_WAIT` (``nan``, "no wait we can read", is 0)."""
    if not seconds > 0.0:  # (also nan)
        return 0.0
    return min(seconds, LONGEST_WAIT)


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

# What the five lookups are typed as: a missing header's None goes to int() and is caught.
_Lookup = Callable[[str], Any]

# Looked up as istr: multidict then skips folding the name's case on every lookup.
_REMAINING, _MAX, _INTERVAL, _DAILY_REMAINING, _DAILY = map(istr, _RATE_HEADERS)
_CASE_INSENSITIVE = (CIMultiDictProxy, CIMultiDict)


def read_rate_limit(headers: Mapping[str, str]) -> RateLimitSnapshot | None:
    """Read the five rate-limit headers (any casing); ``None`` when none is present.

    aiohttp's case-insensitive headers are asked for the five names directly; any other mapping
    is scanned once.
    """
    if isinstance(headers, _CASE_INSENSITIVE):
        get: _Lookup = headers.get  # (an annotation, not a cast: no call per response)
        remaining, most = get(_REMAINING), get(_MAX)
        interval, daily_remaining, daily = get(_INTERVAL), get(_DAILY_REMAINING), get(_DAILY)
        try:  # the usual answer: all five, plain integers
            return RateLimitSnapshot(
                int(remaining),  # pyright: ignore[reportArgumentType] (None is caught)
                int(most),  # pyright: ignore[reportArgumentType]
                int(interval),  # pyright: ignore[reportArgumentType]
                int(daily_remaining),  # pyright: ignore[reportArgumentType]
                int(daily),  # pyright: ignore[reportArgumentType]
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


def usual_figures(
    headers: Mapping[str, str], confirmed: tuple[str, str]
) -> tuple[int, int, int] | None:
    """``(remaining, daily remaining, daily limit)`` from the usual answer, else ``None``.

    The usual answer is aiohttp's headers from a server that confirms the limits we keep:
    ``Max`` and the interval read exactly ``confirmed`` (our own two figures as text, so neither
    is parsed), the other three plain integers. Anything else (``None``) is read in full with
    :func:`read_rate_limit`.
    """
    if type(headers) is not CIMultiDictProxy:
        return None
    get: _Lookup = headers.get
    if get(_MAX) != confirmed[0] or get(_INTERVAL) != confirmed[1]:
        return None
    try:
        return (
            int(get(_REMAINING)),  # pyright: ignore[reportArgumentType] (None is caught)
            int(get(_DAILY_REMAINING)),  # pyright: ignore[reportArgumentType]
            int(get(_DAILY)),  # pyright: ignore[reportArgumentType]
        )
    except (TypeError, ValueError):  # one missing (``int(None)``) or odd
        return None


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
