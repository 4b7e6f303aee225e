"""Progress on long work: a redrawn bar on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import time
from typing import TextIO

_BAR = 24


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class ProgressDisplay:
    """Shows rows done, rate, ETA and 429s.

    Args:
        out: Where to draw (usually stderr).
        every: Seconds between plain lines when ``out`` is not a terminal.
    """

    def __init__(self, out: TextIO, *, every: float = 5.0) -> None:
        self._out = out
        self._tty = out.isatty()
        self._every = every
        self._last_line = 0.0

    def show(
        self,
        done: int,
        failed: int,
        total: int | None,
        rate: float,
        eta: float | None,
        rate_limited: int,
    ) -> None:
        """Draw the latest figures (throttled to ``every`` seconds off a terminal)."""
        count = f"{done}/{total}" if total else f"{done}"
        figures = (
            f"{count} rows, {failed} failed, {rate:.1f} rows/s, ETA {_duration(eta)}, "
            f"429s {rate_limited}"
        )
        if self._tty:
            filled = int(_BAR * done / total) if total else 0
            bar = "#" * filled + "-" * (_BAR - filled)
            self._out.write(f"\r[{bar}] {figures}\033[K")
            self._out.flush()
            return
        now = time.monotonic()
        if now - self._last_line >= self._every:
            self._last_line = now
            print(figures, file=self._out, flush=True)

    def finish(self) -> None:
        """End the bar's line so later output starts on a fresh line."""
        if self._tty:
            self._out.write("\n")
            self._out.flush()
