"""Faults the fake server can inject, by probability or forced for the next requests."""

from __future__ import annotations

import itertools
import random
from collections import deque
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal[
    "unavailable", "reset_before", "reset_after", "malformed", "truncated", "bad_gateway"
]


@dataclass(frozen=True)
class Faults:
    """Probabilities (0..1) of each fault per request, plus added latency.

    Args:
        unavailable: Answer 503 before doing anything.
        reset_before: Drop the connection before the request is processed.
        reset_after: Process the request (a write is committed), then drop the connection.
        malformed: Process, then answer 2xx with a body that is not JSON.
        truncated: Process, then answer 2xx with the JSON cut short.
        bad_gateway: Process (a write is committed), then answer 502 as a gateway that lost
            the application's answer would.
        latency: Seconds to wait before processing each request.
        seed: Seed for the fault dice, for reproducible runs.
    """

    unavailable: float = 0.0
    reset_before: float = 0.0
    reset_after: float = 0.0
    malformed: float = 0.0
    truncated: float = 0.0
    bad_gateway: float = 0.0
    latency: float = 0.0
    seed: int | None = None


class FaultDice:
    """Decides the fault, if any, for each request."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._random = random.Random(faults.seed)
        self._forced: deque[FaultKind] = deque()

    def force(self, kind: FaultKind, count: int = 1) -> None:
        """Make the next ``count`` requests fail with ``kind``."""
        self._forced.extend(itertools.repeat(kind, count))

    def roll(self) -> FaultKind | None:
        if self._forced:
            return self._forced.popleft()
        f = self.faults
        roll = self._random.random()
        for kind, chance in (
            ("unavailable", f.unavailable),
            ("reset_before", f.reset_before),
            ("reset_after", f.reset_after),
            ("malformed", f.malformed),
            ("truncated", f.truncated),
            ("bad_gateway", f.bad_gateway),
        ):
            if roll < chance:
                return kind  # type: ignore[return-value]
            roll -= chance
        return None
