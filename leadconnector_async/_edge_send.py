"""A request sent at the edge of its call's time budget: its exchange may outlive the call.

A call that waited for a place in the pool is sent with what the wait left of its budget (at
least the reserve of ``_answer_times.py``). When the budget ends first, the call must end; but a
request cut off mid-exchange closes its connection (aiohttp can neither reuse a connection
mid-response nor keep a half-made one), and the request the freed place goes to must open a new
one out of what is left of its own budget, in a saturated pool often too little. There the
cut-offs fed on each other: with 3,000 paced locations and 1 s budgets, 400-780 connections a
second were opened and dropped, and each served a fraction of what it cost.

So a request sent with less than the reserve left runs in a task of its own. The call still
ends at its deadline, with the error of any request cut off; the exchange goes on (for twice the
reserve at most, and within the request's own timeout), puts its connection back, and only then
gives back the place in the pool and the send slot (with the answer's rate-limit headers). Only
the deadline leaves an exchange running: a call cancelled otherwise ends its exchange with it,
as a request sent in the call's own task is ended (one not begun sends nothing).

A request sent with more time than the reserve is sent in the call's own task, as every other
request is: a task costs (see :class:`EdgeSend`), and the reserve is what answers lately
needed. With 3,000 paced locations and 1 s budgets, of the requests sent with less than the
reserve left 11-16% were late; of those sent with one to two reserves left, none (no connection
was closed in three 5 s runs serving 14,000-18,000 calls each).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ._config import RateLimit, Timeouts
from ._protocol import Request, Response
from ._rate_headers import LONGEST_WAIT, retry_after
from ._request_tally import CURRENT_TALLY
from ._transport import WAITED_BUDGET, cut_off

if TYPE_CHECKING:
    from ._admission import Admission
    from ._limiter_seam import Permit
    from ._pool import Pool


class EdgeSend:
    """One request sent at the edge of its call's budget, and what it holds: its place in the
    pool and its send slot, given back by the call or, once :attr:`handed_over`, by the
    exchange when it ends.

    The exchange runs in a task of its own and hands its outcome to the call through one
    future; the pool's ``edge_deadlines`` (one timer for every such call, see
    ``_watchdog.py``) cancels the call if its deadline passes first (the answer is late). A
    task and a future per request, ~46k instructions beyond a request sent in its call's own
    task: ``asyncio.timeout_at`` around ``asyncio.shield`` cost ~101k (two objects more, four
    callbacks and two more turns of the loop) and a timer handle of its own ~16k.

    Args:
        pool: The pool it is sent through (its loop is running).
        since: Loop time its place was handed over (or it was sent): its answer time's start.
        gate: The admission it holds a place of (``None``: none).
        permit: Its send slot (``None``: none).
        key: The location it counts against (a late 429 pauses it).
        limit: The client's rate limit, whose window a late 429's interval is read against.
    """

    __slots__ = (
        "_delivered",
        "_gate",
        "_key",
        "_late",
        "_limit",
        "_permit",
        "_pool",
        "_since",
        "_tally",
        "_unsent",
        "handed_over",
    )

    def __init__(
        self,
        pool: Pool,
        since: float,
        gate: Admission | None,
        permit: Permit | None,
        key: str,
        limit: RateLimit | None,
    ) -> None:
        self._pool = pool
        self._since = since
        self._gate = gate
        self._permit = permit
        self._key = key
        self._limit = limit
        self._tally = CURRENT_TALLY.get()  # (the job whose call this is, if any)
        self._delivered = False  # the exchange handed its outcome to the call
        self._late: Response | None = None  # the answer that came after the call ended
        self._unsent = False  # the call ended before the exchange began: nothing was sent
        self.handed_over = False  # the exchange outlived the call and gives back what it holds

    async def send(self, request: Request, timeouts: Timeouts, deadline: float) -> Response:
        """Send ``request``; its response, if in by ``deadline`` (loop time).

        Raises:
            TransportError: No complete response by ``deadline`` (the exchange goes on), or
                what ended the exchange before it.
        """
        pool = self._pool
        loop = pool.loop
        assert loop is not None  # (the call runs on the pool's loop)
        # The exchange outlives the call by twice the reserve at most (a request's own
        # timeout at most): bounded, whether or not the request has a timeout of its own.
        until = deadline + 2 * pool.answers.reserve
        if timeouts.total is not None:
            until = min(until, loop.time() + timeouts.total)
        call = asyncio.current_task(loop)
        assert call is not None  # (the call runs in a task of the pool's loop)
        outcome: asyncio.Future[Response] = loop.create_future()
        exchange = loop.create_task(self._exchange(outcome, request, timeouts, until))
        deadlines = pool.edge_deadlines
        deadlines.watch(call, deadline)
        try:
            response = await outcome
        except BaseException as error:
            if not isinstance(error, asyncio.CancelledError) or not deadlines.expired(call):
                self._end_with_call(exchange, outcome)
                raise
        else:
            return response
        finally:
            deadlines.forget(call)
        # The deadline passed first (read outside the ``except``: an error of the exchange's
        # raised there would carry the deadline's cancellation as its context).
        if self._delivered:  # (in as it passed: the answer, or the error, counts)
            return outcome.result()
        self._hand_over(exchange)  # late: it goes on without the call
        raise cut_off(request, WAITED_BUDGET)

    async def _exchange(
        self,
        outcome: asyncio.Future[Response],
        request: Request,
        timeouts: Timeouts,
        until: float,
    ) -> None:
        """Send ``request``: its outcome to the call while the call waits for it (``outcome``
        not done); an answer after that is kept for :meth:`_settle`. Nothing is sent once the
        call has ended (it was cancelled before the exchange began)."""
        if outcome.done():
            self._unsent = True
            return
        pool = self._pool
        try:
            response = await pool.transport.send(request, timeouts, until)
        except Exception as error:
            if not outcome.done():
                self._delivered = True
                outcome.set_exception(error)
            return
        except BaseException:  # cancelled: with its call, or as the pool closes
            if not outcome.done():
                self._delivered = True
                outcome.cancel()
            raise
        # An answer, in time or late: a sample like any other (Karn's rule: only answers).
        pool.answers.record(outcome.get_loop().time() - self._since)
        if outcome.done():
            self._late = response
        else:
            self._delivered = True
            outcome.set_result(response)

    def _end_with_call(
        self, exchange: asyncio.Task[None], outcome: asyncio.Future[Response]
    ) -> None:
        """The call ends with an error of its own (it was cancelled). An exchange not over yet
        ends with it, as a request sent in the call's own task would (one not begun sends
        nothing), and the call gives back what it holds. An answer handed over but not read
        is settled as a late one would be (its rate-limit headers read, a 429 counted)."""
        if not self._delivered:
            if exchange.cancel():
                return
        elif outcome.cancelled() or outcome.exception() is not None:
            return  # (an error: marked as seen)
        else:
            self._late = outcome.result()
        self._hand_over(exchange)  # (it ended already: what it holds is given back now)

    def _hand_over(self, exchange: asyncio.Task[None]) -> None:
        """The call leaves its ``exchange`` to give back what it holds when it ends."""
        self.handed_over = True
        if exchange.done():
            self._settle(exchange)
        else:
            self._pool.exchanges.add(exchange)
            exchange.add_done_callback(self._settle)

    def _settle(self, exchange: asyncio.Task[None]) -> None:
        """Give back what the call handed over, once its ``exchange`` ended."""
        pool = self._pool
        pool.exchanges.discard(exchange)
        response = self._late
        if self._gate is not None:
            self._gate.leave()
        permit = self._permit
        if permit is not None:
            if response is not None:
                pool.finish(permit, response.headers)
            elif self._unsent:
                pool.unused(permit)  # never sent: the slot comes back now
            elif pool.limiter is not None:
                pool.limiter.release(permit)
        if response is not None and response.status == 429:
            self._rate_limited(response)

    def _rate_limited(self, response: Response) -> None:
        """A late 429 counts, and pauses its location as one in time does: the call's retry,
        or the location's next call, must not spend a request on another."""
        pool = self._pool
        pool.count_rate_limited(self._tally)
        period = None if self._limit is None else self._limit.period
        pause = retry_after(response.headers, period=period)
        if pause is not None and pool.limiter is not None:
            pool.limiter.penalize(self._key, min(pause, LONGEST_WAIT))
