"""Progress on long work: one line redrawn in place on a terminal, plain periodic lines otherwise.

On a terminal the line is cut to the terminal's width (less one column, so it never wraps) and
redrawn with a carriage return; figures come first and the bar only takes the room left.
"""

from __future__ import annotations

import os
import time
from typing import TextIO

_BAR_MAX = 24
_BAR_MIN = 8


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _width(out: TextIO) -> int:
    try:
        return os.get_terminal_size(out.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80


class ProgressDisplay:
    """Shows rows done, rejected, rate, ETA and 429s.

    Args:
        out: Where to draw (usually stderr).
        every: Seconds between plain lines when ``out`` is not a terminal.
    """

    def __init__(self, out: TextIO, *, every: float = 5.0) -> None:
        self._out = out
        self._tty = out.isatty()
        self._every = every
        self._last_line = 0.0
        self._drawn = False

    def show(
        self,
        done: int,
        total: int | None,
        rejected: int,
        rate: float,
        eta: float | None,
        rate_limited: int,
    ) -> None:
        """Draw the latest figures (throttled to ``every`` seconds off a terminal)."""
        count = f"{done}/{total}" if total else f"{done}"
        figures = (
            f"{count} rows, {rejected} rejected, {rate:.0f}/s, ETA {_duration(eta)}, "
            f"429s {rate_limited}"
        )
        if self._tty:
            self._draw(figures, done / total if total else None)
            return
        now = time.monotonic()
        if now - self._last_line >= self._every:
            self._last_line = now
            print(figures, file=self._out, flush=True)

    def _draw(self, figures: str, fraction: float | None) -> None:
        room = _width(self._out) - 1  # the last column would wrap on some terminals
        bar_width = min(_BAR_MAX, room - len(figures) - 3)
        if fraction is not None and bar_width >= _BAR_MIN:
            filled = int(bar_width * min(1.0, fraction))
            line = f"[{'#' * filled}{'-' * (bar_width - filled)}] {figures}"
        else:
            line = figures[:room]
        self._out.write(f"\r{line}\033[K")
        self._out.flush()
        self._drawn = True

    def finish(self) -> None:
        """End the drawn line so later output starts on a fresh line."""
        if self._tty and self._drawn:
            self._out.write("\n")
            self._out.flush()
            self._drawn = False
