"""Renewing tokens safely under concurrency: one renewal at a time, shared by every waiter."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from ._config import check_number

# The renewal task running the current code (set in its own context: inherited by the tasks
# it starts, such as those on_refresh starts).
_RENEWAL: ContextVar[asyncio.Task[Any] | None] = ContextVar("leadconnector_renewal", default=None)


def current_renewal() -> asyncio.Task[Any] | None:
    """The renewal task the current code runs in (or was started from), while it runs."""
    task = _RENEWAL.get()
    return None if task is None or task.done() else task


class SingleFlight:
    """Runs at most one renewal at a time; callers arriving meanwhile share its outcome.

    The renewal runs in a task of its own, so a caller that is cancelled never abandons it
    half-way: a refresh token that was used but whose successor was never saved is a lost grant.
    """

    __slots__ = ("_task",)

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def run(self, renew: Callable[[], Awaitable[None]]) -> None:
        """Join the renewal in flight, or start ``renew`` if none is; raise what it raised."""
        task = self._task
        if task is None:
            task = self._task = asyncio.get_running_loop().create_task(self._renew(renew))
            task.add_done_callback(_retrieve)
        await asyncio.shield(task)

    async def _renew(self, renew: Callable[[], Awaitable[None]]) -> None:
        _RENEWAL.set(asyncio.current_task())
        try:
            await renew()
        finally:
            self._task = None


def _retrieve(task: asyncio.Task[None]) -> None:
    # Every waiter may have been cancelled: reading the outcome keeps asyncio from reporting
    # an exception that was never retrieved.
    if not task.cancelled():
        task.exception()


class RenewingToken(ABC):
    """A token source renewed shortly before it expires, and when the server rejects it.

    Subclasses keep ``_access`` (empty until the first renewal) and ``_renew_at`` (a
    ``clock()`` time) current in :meth:`_renew`.
    """

    def __init__(self, *, refresh_skew: float, clock: Callable[[], float]) -> None:
        check_number("refresh_skew", refresh_skew, 0)
        self._skew = float(refresh_skew)
        self._clock = clock
        self._flight = SingleFlight()
        self._access = ""
        self._renew_at = float("inf")

    @abstractmethod
    async def _renew(self) -> None:
        """Replace ``_access`` (and ``_renew_at``), or raise why it cannot be."""

    def _stale(self) -> bool:
        return not self._access or self._clock() >= self._renew_at

    def ready_token(self) -> str | None:
        """The access token if it is good now with nothing to await (no renewal due, none
        under way), else ``None``: then :meth:`get_token` has the answer."""
        return None if self._stale() else self._access

    async def get_token(self) -> str:
        """The current access token, renewed first if it is about to expire.

        Raises:
            AuthenticationError: The renewal was refused, or its result could not be saved.
        """
        if self._stale():
            await self._flight.run(self._renew)
        return self._access

    async def token_rejected(self, token: str) -> bool:
        """Renew after the server rejected ``token``, unless that token was already replaced.

        Returns:
            True: a different token is available, worth one retry.

        Raises:
            AuthenticationError: The renewal was refused, or its result could not be saved.
        """
        if token == self._access:
            await self._flight.run(self._renew)
        return True


def ready_check(source: object) -> Callable[[], str | None] | None:
    """``source``'s :meth:`RenewingToken.ready_token`, or ``None`` for any other token source:
    a call whose token is ready skips the time budget and closing watch a renewal needs."""
    return source.ready_token if isinstance(source, RenewingToken) else None
