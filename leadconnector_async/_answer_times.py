"""How much of a call's time budget a wait must leave for its request to be answered.

A call that waited for a send slot or a place in the pool is sent with what the wait left of
its budget, so the wait ends that much before the budget does. The time needed runs from the
moment the place is handed over to the answer: the waiting task's wake-up, its request built
and sent, and the answer read, each a turn of a loop that a saturated pool keeps busy. Under
saturation the mean of that is far below what a loaded loop's slow turns take; with 3,000
paced locations and 1 s budgets (loop turns of 20-60 ms), a prototype that kept the mean
(5-12 ms, timed from the send) saw four in ten of the requests sent near their deadline late.

So the reserve is TCP's retransmission timeout (RFC 6298) for the same question: the smoothed
answer time plus four times its smoothed deviation. As in TCP (Karn's rule), only an answer is
a sample: a request cut off or failed says nothing of how long an answer takes, and one cut off
at a hung server's 30 s would have made every wait after it end at half its budget.
"""

from __future__ import annotations


class AnswerTimes:
    """Answer times of requests that waited (seconds from their place to their answer) and
    the reserve a wait leaves for one."""

    __slots__ = ("mean", "reserve", "spread")

    def __init__(self) -> None:
        self.mean = 0.0  # smoothed answer time (0: none seen yet)
        self.spread = 0.0  # smoothed mean deviation from it
        self.reserve = 0.0  # what a wait leaves of a budget for the request

    def record(self, took: float) -> None:
        """A request that waited was answered ``took`` seconds after it was handed its place,
        or after it was sent when it waited only for a send slot."""
        if self.mean:
            self.spread += (abs(took - self.mean) - self.spread) / 4
            self.mean += (took - self.mean) / 8
        else:
            self.mean, self.spread = took, took / 2
        self.reserve = self.mean + 4 * self.spread
