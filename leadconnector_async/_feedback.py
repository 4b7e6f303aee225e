"""How far one response's ``X-RateLimit-*`` figures may move a location's limits.

A header can be wrong (a proxy, a bug, a test server): one ``X-RateLimit-Max: 1`` or an interval
of years must not throttle a location for the life of the process. Figures are clamped to a
plausible range around the configured limit, replaced by whatever later headers say, and the
limiters revert to the configured values once a period passes without confirmation.
"""

from __future__ import annotations

PUBLISHED_PERIOD = 10.0
"""Seconds: the window of the API's published limit (100 requests per 10 s)."""

# A server Max below a tenth of the configured limit, or an interval beyond six periods, is not
# a plausible reading of the published 100 per 10 s.
MAX_SHRINK = 10
MAX_STRETCH = 6.0


def plausible_capacity(server_max: int, configured: int) -> int:
    """The window size to use when the server says ``server_max`` (never above ours)."""
    floor = max(1, -(-configured // MAX_SHRINK))
    return min(configured, max(server_max, floor))


def plausible_period(interval_ms: int, configured: float) -> float:
    """The window length to use when the server says ``interval_ms`` (never below ours)."""
    return max(configured, plausible_interval(interval_ms, configured))


def plausible_interval(interval_ms: int, configured: float) -> float:
    """``interval_ms`` in seconds, from 0 to :data:`MAX_STRETCH` periods of ``configured``."""
    longest = configured * MAX_STRETCH
    if interval_ms >= longest * 1000.0:  # (compared exactly: no int too long for a float)
        return longest
    return max(0.0, interval_ms / 1000.0)


def plausible_remaining(remaining: int, capacity: int) -> int:
    """``X-RateLimit-Remaining`` within ``[0, capacity]``."""
    return min(capacity, max(remaining, 0))
