"""What every client derived from one root shares: transport, limiter, counts, token locations."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Generator, Mapping
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

import aiohttp

from ._admission import Admission
from ._answer_times import AnswerTimes
from ._rate_headers import read_rate_limit
from ._ratelimit import Limiter, Permit
from ._request_tally import RequestTally
from ._transport import Transport
from ._watchdog import Watchdog
from .auth import ANONYMOUS_KEY, TokenSource
from .errors import ClientClosedError, ConfigurationError

T = TypeVar("T")
CLOSED = "this LeadConnector client is closed; create a new one"


class Closable(Protocol):
    """A client whose waits :meth:`Pool.wait` ends when it closes."""

    @property
    def closed(self) -> bool: ...


class Pool:
    """What every client derived from one root shares: the transport, limiter and counts."""

    def __init__(self, transport: Transport, limiter: Limiter | None, capacity: int = 0) -> None:
        self.transport = transport
        self.limiter = limiter  # None: no limiting at all (rate_limit=None)
        # The limiter's synchronous fast path, if it has one: no coroutine while slots are free.
        self.try_acquire: Callable[[str], Permit | None] = (
            _optional(limiter, "try_acquire", "acquire") or _no_fast_path
        )
        # A slot whose request was never sent comes back at once where the limiter allows;
        # otherwise it cools as if it had been sent.
        self.unused: Callable[[Permit], None] = _optional(limiter, "unused", "release") or getattr(
            limiter, "release", _no_refund
        )
        # The answer arrived: release the slot and observe the headers, in one call where the
        # limiter offers one.
        self.finish: Callable[[Permit, Mapping[str, str]], None] = _optional(
            limiter, "finish", "release", "observe"
        ) or (_no_finish if limiter is None else partial(_release_and_observe, limiter))
        # At most ``capacity`` requests in the transport, locations in turn (0: no gate).
        self.admission = Admission(capacity) if capacity > 0 else None
        self.closed = False
        # How long requests that waited lately took to be answered: what a wait leaves of a
        # call's budget for its request (see LeadConnector._wait_until).
        self.answers = AnswerTimes()
        # Exchanges that outlived their calls (see _edge_send.py), cancelled when it closes.
        self.exchanges: set[asyncio.Task[Any]] = set()
        # Ends the calls whose exchange runs in a task of its own (see _edge_send.py) at their
        # deadlines: one timer for them all, not one each.
        self.edge_deadlines = Watchdog()
        self.sent = 0
        self.rate_limited = 0
        self.token_locations: dict[str, str] = {}  # a token's own bucket -> its location
        self.loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0  # the thread the loop was last seen running in
        # Tasks in a wait that closing must end (a send slot, a back-off), and their client.
        self._waiting: dict[asyncio.Task[Any], Closable] = {}
        self._woken: set[asyncio.Task[Any]] = set()  # of those, the ones closing cancelled
        self._renewals: set[asyncio.Task[Any]] = set()  # renewing a token through the pool

    async def wait(self, owner: Closable, waiting: Coroutine[Any, Any, T]) -> T:
        """Await ``waiting`` (a wait of ``owner``'s call: a send slot, a back-off, its token)
        unless ``owner`` closes meanwhile: :meth:`wake` cancels it, and it raises
        ClientClosedError.

        Only waits go through here: a call that finds its slot free never does for the slot,
        nor one whose token source answers at once for its token (see :func:`resumed`). A
        token renewal's own requests wait as the pool's: only closing the root ends them.

        Raises:
            ClientClosedError: ``owner`` was closed before or during the wait.
        """
        task = asyncio.current_task(self.loop)
        if owner.closed or task is None:
            waiting.close()
            raise ClientClosedError(CLOSED)
        self._waiting[task] = owner
        try:
            return await waiting
        except asyncio.CancelledError:
            if not self._took_back(task):
                raise  # (someone else cancelled the call too: theirs wins)
        finally:
            del self._waiting[task]
            self._took_back(task)  # the wait swallowed the cancellation and ended anyway
        raise ClientClosedError(CLOSED)

    def wake(self, owner: Closable | None = None) -> None:
        """End the waits of ``owner``'s calls (of every client's, ``None``): it closed."""
        for task, waiter in self._waiting.items():
            if (owner is None or waiter is owner) and task not in self._woken and task.cancel():
                self._woken.add(task)

    def _took_back(self, task: asyncio.Task[Any]) -> bool:
        """Take back the cancellation :meth:`wake` sent ``task``, if it sent one: True when
        no other cancellation is pending."""
        if task not in self._woken:
            return False
        self._woken.discard(task)
        return task.uncancel() == 0

    def hold(self, renewal: asyncio.Task[Any]) -> None:
        """Let closing wait for ``renewal``, a token renewal sending through the pool: its
        answer (a refresh's) may carry the only copy of a new grant, to be saved before it ends.
        """
        if renewal not in self._renewals:
            self._renewals.add(renewal)
            renewal.add_done_callback(self._renewals.discard)

    async def settle(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for the renewals :meth:`hold` was given to end."""
        held = self._renewals - {asyncio.current_task()}  # (closed by on_refresh itself)
        if held:
            await asyncio.wait(held, timeout=grace)

    def count_rate_limited(self, tally: RequestTally | None) -> None:
        """A response was a 429: count it, and in the running job's ``tally`` if there is one."""
        self.rate_limited += 1
        if tally is not None:
            tally.rate_limited += 1

    async def end_exchanges(self) -> None:
        """Cancel the exchanges that outlived their calls (the pool is closing) and wait for
        them to end."""
        exchanges = list(self.exchanges)
        for exchange in exchanges:
            exchange.cancel()
        if exchanges:
            await asyncio.wait(exchanges)

    def running_loop(self) -> asyncio.AbstractEventLoop:
        """The pool's event loop, checked to be the one running this call (see
        :meth:`check_loop`).

        On Python 3.11 ``asyncio.get_running_loop()`` makes a ``getpid`` system call; a task
        of the pool's loop in the thread that runs it is known to be on that loop without one.
        """
        loop = self.loop
        if (
            loop is not None
            and threading.get_ident() == self._loop_thread
            and asyncio.current_task(loop) is not None
        ):
            return loop
        return self.check_loop()

    def check_loop(self) -> asyncio.AbstractEventLoop:
        """Bind to the running event loop on first use; refuse every other loop after that."""
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            if self.loop is not None:
                raise ConfigurationError(
                    "this client is used from another event loop than the one it was opened "
                    "on (its connections and rate limiter belong to that loop): create one "
                    "client per event loop, e.g. inside the coroutine that asyncio.run() runs"
                )
            self.loop = loop
        self._loop_thread = threading.get_ident()
        return loop

    def token_key(self, token: TokenSource) -> str:
        """The key a call that names no location counts against: its token's location."""
        key = getattr(token, "limit_key", None)
        if not isinstance(key, str):
            key = f"{ANONYMOUS_KEY}source-{id(token):x}"
        return self.token_locations.get(key, key)

    def learn_location(self, token: TokenSource, location: str) -> None:
        """``token`` is used for ``location``: its unnamed calls count there from now on."""
        key = getattr(token, "limit_key", None)
        if (
            isinstance(key, str)
            and key.startswith(ANONYMOUS_KEY)
            and key not in self.token_locations
        ):
            self.token_locations[key] = location
            if self.limiter is not None:
                self.limiter.alias(key, location)


async def resumed(work: Coroutine[Any, Any, T], pending: object) -> T:
    """Await ``work``, whose first step was taken outside a wait and yielded ``pending``.

    A call steps its token source once itself: what needs no wait costs no timer and no
    :meth:`Pool.wait`; only what yields goes on in a wait, through this.
    """
    return await _Resumed(work, pending)


class _Resumed(Generic[T]):
    __slots__ = ("_pending", "_work")

    def __init__(self, work: Coroutine[Any, Any, T], pending: object) -> None:
        self._work = work
        self._pending = pending

    def __await__(self) -> Generator[Any, Any, T]:
        work, pending = self._work, self._pending
        while True:
            try:
                sent = yield pending
            except BaseException as error:  # a cancellation: ``work`` decides what it ends
                try:
                    pending = work.throw(error)
                except StopIteration as done:
                    return done.value  # type: ignore[no-any-return]
            else:
                try:
                    pending = work.send(sent)
                except StopIteration as done:
                    return done.value  # type: ignore[no-any-return]


def _optional(limiter: Limiter | None, name: str, *instead: str) -> Any:
    """The limiter's optional method ``name``, unless a subclass overrides one of ``instead``
    below the class that defines it (the override would be bypassed): then ``None``."""
    for cls in type(limiter).__mro__:
        if name in vars(cls):
            return getattr(limiter, name)
        if any(method in vars(cls) for method in instead):
            return None
    return None


def _release_and_observe(limiter: Limiter, permit: Permit, headers: Mapping[str, str]) -> None:
    limiter.release(permit)
    snapshot = read_rate_limit(headers)
    if snapshot is not None:
        limiter.observe(permit, snapshot)


def _no_fast_path(key: str) -> None:
    return None


def _no_refund(permit: Permit) -> None:
    return None


def _no_finish(permit: Permit, headers: Mapping[str, str]) -> None:
    return None


def pool_capacity(session: aiohttp.ClientSession | None, connection_limit: int) -> int:
    """Requests the pool carries at once: our connector's limit, or a borrowed one's (0: none).

    Every request goes to the one API host, so a borrowed connector's per-host limit, when
    lower, is what carries them: past it, aiohttp would queue the rest half-built.
    """
    if session is None:
        return connection_limit
    connector = session.connector
    if connector is None:
        return 0
    return min((n for n in (connector.limit, connector.limit_per_host) if n), default=0)
