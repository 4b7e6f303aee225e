"""The fake server's rate limit: a strict rolling window and a daily budget per token."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FakeRateLimit:
    """What the fake enforces. Scale ``period`` down so tests run fast.

    Args:
        max_requests: Requests allowed in any rolling window of ``period`` seconds.
        period: Window length in seconds.
        daily: Requests allowed per token per day.
    """

    max_requests: int = 100
    period: float = 10.0
    daily: int = 200_000


class RollingWindow:
    """Counts arrivals per token; a request over the limit is refused and not counted."""

    def __init__(self, limit: FakeRateLimit, clock: Callable[[], float]) -> None:
        self.limit = limit
        self._clock = clock
        self._arrivals: dict[str, deque[float]] = {}
        self._daily: dict[str, int] = {}

    def reset_day(self) -> None:
        """Start a new day: every token's daily budget is whole again."""
        self._daily.clear()

    def admit(self, key: str) -> tuple[bool, dict[str, str]]:
        """Count one arrival for ``key``; return whether it is allowed and the five headers."""
        now = self._clock()
        arrivals = self._arrivals.setdefault(key, deque())
        horizon = now - self.limit.period
        while arrivals and arrivals[0] <= horizon:
            arrivals.popleft()
        used_today = self._daily.get(key, 0)
        allowed = len(arrivals) < self.limit.max_requests and used_today < self.limit.daily
        if allowed:
            arrivals.append(now)
            used_today += 1
            self._daily[key] = used_today
        headers = {
            "X-RateLimit-Limit-Daily": str(self.limit.daily),
            "X-RateLimit-Daily-Remaining": str(self.limit.daily - used_today),
            "X-RateLimit-Interval-Milliseconds": str(int(self.limit.period * 1000)),
            "X-RateLimit-Max": str(self.limit.max_requests),
            "X-RateLimit-Remaining": str(self.limit.max_requests - len(arrivals)),
        }
        return allowed, headers
