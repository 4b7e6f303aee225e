"""What the shared limiter does while Redis is unreachable: fail, or keep to a local share.

The local share is an in-process :class:`~leadconnector_async._ratelimit.LocalLimiter` allowed a
fraction of the budget: ``local_share``, else 1 / the most processes Redis last reported using a
location, else 10%. Redis is tried again once per period meanwhile.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Literal

from ._config import RateLimit
from ._ratelimit import LocalLimiter, Permit
from .errors import RateLimiterUnavailableError

__all__ = ["LocalShare"]

logger = logging.getLogger("leadconnector_async")

_UNKNOWN_SHARE = 0.1  # the local share of a process that never learnt how many workers there are


class LocalShare:
    """The outage state of one shared limiter, and its in-process stand-in while Redis is down.

    Args:
        rate_limit: The shared limit; the local limiter gets its share of it.
        on_unavailable: ``"fail"`` refuses requests during an outage; ``"local"`` uses the share.
        local_share: Fraction of the budget to use locally; ``None`` derives it (see above).
    """

    def __init__(
        self,
        rate_limit: RateLimit,
        on_unavailable: Literal["fail", "local"],
        local_share: float | None,
    ) -> None:
        self._limit = rate_limit
        self._on_unavailable = on_unavailable
        self._local_share = local_share
        self.workers_seen = 0  # most processes Redis reported using one location recently
        self.limiter: LocalLimiter | None = None
        self.outage = False
        self._last_error = ""
        self._retry_shared_at = 0.0  # while Redis is down: when to try it again
        self._paused_locally: set[str] = set()  # locations the local share paused this outage

    def retry_later(self) -> bool:
        """Whether Redis is down and not due to be tried again yet (once per period)."""
        return self.outage and time.monotonic() < self._retry_shared_at

    def went_unavailable(self, error: BaseException) -> None:
        """A Redis call failed: start (or extend) the outage, logging its start once."""
        self._last_error = str(error)
        self._retry_shared_at = time.monotonic() + self._limit.period
        if not self.outage:
            self.outage = True
            self._paused_locally.clear()
            logger.warning(
                "Redis is unreachable (%s); %s",
                error,
                "requests fail until it is back"
                if self._on_unavailable == "fail"
                else f"this process now keeps to {self._share():.0%} of the rate limit",
            )

    def reachable(self) -> None:
        """A Redis call succeeded: end the outage, logging it once."""
        if self.outage:
            self.outage = False
            logger.warning("Redis is reachable again; the shared rate limit is back in use")

    async def acquire(self, key: str, period: float) -> Permit:
        """A slot from the local share, or :class:`RateLimiterUnavailableError` with ``"fail"``.

        Args:
            key: The location.
            period: The location's window, which requests the shared window admitted are given
                to leave before the local share first sends for ``key`` in this outage.
        """
        if self._on_unavailable == "fail":
            raise RateLimiterUnavailableError(
                f"the shared rate limiter's Redis is unreachable ({self._last_error}); "
                "nothing was sent"
            )
        local = self._local_limiter()
        if key not in self._paused_locally:
            # Requests the shared window admitted in the last period are invisible locally:
            # let them leave it before the local share starts sending.
            self._paused_locally.add(key)
            local.penalize(key, period)
        return await local.acquire(key)

    def in_use(self, key: str) -> int:
        """Slots of ``key`` the local share holds now."""
        status = self.limiter.status(key) if self.limiter is not None else None
        return status.in_use if status is not None else 0

    def _local_limiter(self) -> LocalLimiter:
        if self.limiter is None:
            limit = self._limit
            share = self._share()
            self.limiter = LocalLimiter(
                replace(
                    limit,
                    max_requests=max(1, int(limit.max_requests * share)),
                    daily=None if limit.daily is None else max(1, int(limit.daily * share)),
                )
            )
        return self.limiter

    def _share(self) -> float:
        if self._local_share is not None:
            return self._local_share
        return 1 / self.workers_seen if self.workers_seen else _UNKNOWN_SHARE
