"""One location's daily request budget: the server's figures when it sends them, else our count.

The day is a wall-clock notion, so this module reads wall time (``time.time``); windows and
pauses elsewhere use the event loop's clock. A spent budget is never final: the server's own
``X-RateLimit-Daily-Remaining`` decides, a response that shows budget again reopens at once, and
while it is spent one request is let through every ``probe_interval`` seconds to ask again.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import RateLimitError

DAY = 86_400.0


class DailyBudget:
    """Decides, once per request, whether one more may be sent today.

    Args:
        limit: ``RateLimit.daily``: our own cap, used only while the server sends no daily
            figures (``None``: no cap).
        probe_interval: While the server's figures say the budget is spent, one request per
            this many seconds is let through to learn whether it came back.
        clock: Wall-clock seconds.
    """

    __slots__ = ("_clock", "_limit", "_probe", "day_ends", "left", "refuse_until", "used")

    def __init__(self, limit: int | None, probe_interval: float, clock: Callable[[], float]):
        self._limit = limit
        self._probe = probe_interval
        self._clock = clock
        self.left: int | None = None  # the server's remaining figure, less our sends since
        self.refuse_until = 0.0  # wall time; 0.0 while the budget is open
        self.used = 0  # requests this process sent since the budget was created
        self.day_ends = 0.0

    def admit(self, key: str) -> None:
        """Count one request about to be sent, or raise if the budget is spent.

        Raises:
            RateLimitError: Spent (``status_code`` ``None``; ``retry_after`` says when the
                budget is asked again); nothing was sent.
        """
        if self.refuse_until:
            now = self._clock()
            if now < self.refuse_until:
                raise _spent(key, self.refuse_until - now, self.used)
            self.refuse_until = now + self._probe  # this request asks; the rest wait its answer
        elif self.left is not None:
            self.left -= 1
            if self.left <= 0:
                self.refuse_until = self._clock() + self._probe
        elif self._limit is not None:
            now = self._clock()
            if now >= self.day_ends:
                self.used, self.day_ends = 0, now + DAY
            if self.used >= self._limit:
                raise _spent(key, self.day_ends - now, self.used)
        self.used += 1

    def refund(self) -> None:
        """A request :meth:`admit` counted was never sent."""
        self.used = max(0, self.used - 1)
        if self.left is not None:
            self.left += 1
            if self.left > 0:
                self.refuse_until = 0.0  # it was not the last of the budget after all

    def observe(self, remaining: int, limit: int | None, sent_since: int) -> None:
        """The server said ``remaining`` when it counted a request; we sent ``sent_since`` after.

        An implausible figure (negative) is ignored; one above the daily limit is clamped.
        """
        if remaining < 0:
            return
        if limit is not None and 0 < limit < remaining:
            remaining = limit
        left = remaining - sent_since if sent_since > 0 else remaining
        self.left = left
        if left > 0:
            self.refuse_until = 0.0  # budget shows again: reopen at once
        elif not self.refuse_until:
            self.refuse_until = self._clock() + self._probe

    def settled(self) -> bool:
        """True when forgetting this budget loses nothing (not refusing, no own count running)."""
        return not self.refuse_until and (self._limit is None or self.left is not None)


def _spent(key: str, retry_after: float, used: int) -> RateLimitError:
    return RateLimitError(
        f"daily request budget for {key!r} is spent ({used} sent by this process); nothing "
        f"was sent; asked again in {retry_after:.0f}s",
        retry_after=max(0.0, retry_after),
        status_code=None,
    )
