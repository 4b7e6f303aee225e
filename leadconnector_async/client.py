"""The client: its lifecycle, and the one loop every call goes through.

limit -> token -> build -> send -> read headers -> decode -> (retry)
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from copy import copy
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, overload
from urllib.parse import urlsplit

import aiohttp

from ._admission import Admission
from ._client_args import (
    RequestCounts,
    checked_base_url,
    checked_location,
    token_source,
)
from ._closing import AsyncClosing
from ._config import (
    CONTACTS_API_VERSION,
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    ClientConfig,
    RateLimit,
    RetryPolicy,
    Timeouts,
)
from ._edge_send import EdgeSend
from ._environ import TOKEN_FILE_VAR, TOKEN_VAR, read_environment
from ._observe import AttemptHook, CallHook, CallTrace, Observer, log_rate_limited, log_retry
from ._pool import CLOSED, Closable, Pool, pool_capacity, resumed
from ._protocol import Call, build_request, parse_response, static_headers
from ._rate_headers import LONGEST_WAIT
from ._ratelimit import Limiter, LocalLimiter, RateLimitStatus
from ._renewal import current_renewal, ready_check
from ._request_tally import CURRENT_TALLY
from ._retry import may_have_been_applied, retry_delay
from ._token_basics import REQUESTER
from ._transport import AiohttpTransport
from .auth import ANONYMOUS_KEY, TokenSource, static_value
from .errors import (
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    LeadConnectorError,
    NotFoundError,
    RateLimitError,
    ScopeError,
    TransportError,
)

if TYPE_CHECKING:
    from .resources.contacts import ContactsResource
    from .resources.locations import LocationsResource

T = TypeVar("T")

# Seconds closing waits for a token renewal in flight: its answer may be the only copy of a
# new grant (a refresh token is single-use), lost if the connection is cut before it is saved.
RENEWAL_GRACE = 5.0


class LeadConnector(AsyncClosing):
    """Async client for the LeadConnector Contacts API v2.

    Use it as ``async with LeadConnector(token, location_id=...) as client:`` or call
    :meth:`aclose` when done. One client (and the clients :meth:`for_location` derives from it)
    shares one connection pool and one rate-limit registry.

    Args:
        token: A Private Integration Token or access token, or a :class:`TokenSource` (such as
            an :class:`~leadconnector_async.OAuthToken`); ``None`` for a client that only pools
            connections for the clients :meth:`for_location` derives with their own tokens.
        location_id: The default location for location-scoped calls.
        base_url: API root; plain ``http`` is refused except to a loopback address.
        rate_limit: The per-location limit to stay under; ``None`` disables limiting.
        max_retries: Retries after the first attempt for retryable failures.
        timeout: Seconds per request (a number), or a :class:`Timeouts`: each attempt's time
            budget, which waiting for a send slot or a connection spends too.
        retry: Full retry policy; overrides ``max_retries`` when given.
        session: An aiohttp session to borrow (never closed by this client).
        connection_limit: Most connections the client's own connector opens at once, so the
            most requests in flight: at 0.25 s per answer, 100 carry ~400 requests/s.
        keepalive_timeout: Seconds an idle connection is kept for reuse.
        limiter: A rate limiter backend (e.g. the Redis-shared one); overrides ``rate_limit``.
        max_response_bytes: Largest response body read, counted after decompression (default
            32 MiB); a larger one raises :class:`ResponseTooLargeError`.
        api_version: The Contacts API version to speak: ``"2021-07-28"`` (the default) or
            ``"v3"``; results decode into the same structs either way.
        on_attempt: An async callback awaited after every HTTP attempt with its
            :class:`AttemptInfo` (a failing hook is logged, never fails the call).
        on_call: An async callback awaited once per call with its :class:`CallOutcome`.
        trust_env: Take proxies from ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` (and
            credentials from ``~/.netrc``), as aiohttp does; off by default so that an
            environment variable cannot silently route tokens through another host.

    Raises:
        ConfigurationError: A bad argument.
    """

    def __init__(
        self,
        token: str | TokenSource | None,
        *,
        location_id: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        rate_limit: RateLimit | None = RateLimit(),  # noqa: B008 - frozen, safe to share
        max_retries: int = 3,
        timeout: float | Timeouts = 30.0,
        retry: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        connection_limit: int = 100,
        keepalive_timeout: float = 30.0,
        limiter: Limiter | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        api_version: str = CONTACTS_API_VERSION,
        on_attempt: AttemptHook | None = None,
        on_call: CallHook | None = None,
        trust_env: bool = False,
    ) -> None:
        self._config = ClientConfig(
            base_url=checked_base_url(base_url),
            timeouts=timeout if isinstance(timeout, Timeouts) else Timeouts(total=timeout),
            retry=retry or RetryPolicy(max_retries=max_retries),
            rate_limit=rate_limit,
            api_version=api_version,
        )
        self._token = token_source(token, self)
        self._static_token = static_value(self._token)
        self._ready_token = ready_check(self._token)
        self._location_id = checked_location(location_id)
        server = urlsplit(self._config.base_url)
        port = server.port or (443 if server.scheme == "https" else 80)
        self._observer = Observer(server.hostname or "", port, on_attempt, on_call)
        if limiter is None and rate_limit is not None:
            limiter = LocalLimiter(rate_limit)
        self._pool = Pool(
            AiohttpTransport(
                session,
                connection_limit=connection_limit,
                keepalive_timeout=keepalive_timeout,
                max_response_bytes=max_response_bytes,
                trust_env=trust_env,
                headers=static_headers(self._config),
            ),
            limiter,
            pool_capacity(session, connection_limit),
        )
        self._is_root = True
        self._closed = False
        if self._location_id is not None:
            self._pool.learn_location(self._token, self._location_id)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **options: Any) -> LeadConnector:
        """A client configured from the environment, as the command line is.

        Reads ``LEADCONNECTOR_TOKEN`` (or the file named by ``LEADCONNECTOR_TOKEN_FILE``),
        ``LEADCONNECTOR_LOCATION_ID`` and ``LEADCONNECTOR_BASE_URL``.

        Args:
            env: The variables to read (default ``os.environ``).
            options: Any other :class:`LeadConnector` argument; these win over the environment.

        Raises:
            ConfigurationError: No token is set, or its file cannot be read.
        """
        found = read_environment(env)
        if found.token is None:
            raise ConfigurationError(f"{TOKEN_VAR} (or {TOKEN_FILE_VAR}) is not set")
        if found.location_id is not None:
            options.setdefault("location_id", found.location_id)
        if found.base_url is not None:
            options.setdefault("base_url", found.base_url)
        return cls(found.token, **options)

    @classmethod
    def _derive(
        cls,
        parent: LeadConnector,
        *,
        token: TokenSource,
        location_id: str | None,
        config: ClientConfig,
    ) -> LeadConnector:
        child = cls.__new__(cls)
        child._config = config
        child._token = token
        child._static_token = static_value(token)
        child._ready_token = ready_check(token)
        child._location_id = location_id
        child._pool = parent._pool
        child._observer = parent._observer
        child._is_root = False
        child._closed = False
        if location_id is not None:
            parent._pool.learn_location(token, location_id)
        return child

    def for_location(
        self, location_id: str, token: str | TokenSource | None = None
    ) -> LeadConnector:
        """A light client for another location sharing this client's pool and limiters.

        Args:
            location_id: The location the new client acts on by default.
            token: That location's token; this client's token source when omitted.
        """
        return LeadConnector._derive(
            self,
            token=self._token if token is None else token_source(token, self),
            location_id=checked_location(location_id),
            config=self._config,
        )

    def with_options(
        self, *, timeout: float | Timeouts | None = None, max_retries: int | None = None
    ) -> LeadConnector:
        """A client sharing this one's pool and limiters with other per-call settings.

        Example: ``await client.with_options(timeout=5).contacts.get(cid)``.
        """
        config = self._config
        if timeout is not None:
            timeouts = timeout if isinstance(timeout, Timeouts) else Timeouts(total=timeout)
            config = replace(config, timeouts=timeouts)
        if max_retries is not None:
            config = replace(config, retry=replace(config.retry, max_retries=max_retries))
        return LeadConnector._derive(
            self, token=self._token, location_id=self._location_id, config=config
        )

    @property
    def location_id(self) -> str | None:
        """The default location of this client."""
        return self._location_id

    @property
    def config(self) -> ClientConfig:
        """The frozen settings of this client."""
        return self._config

    @property
    def closed(self) -> bool:
        """True once this client (or the root it derives from) was closed."""
        return self._closed or self._pool.closed

    @cached_property
    def contacts(self) -> ContactsResource:
        """Contacts and everything attached to them."""
        from .resources.contacts import ContactsResource

        return ContactsResource(self)

    @cached_property
    def locations(self) -> LocationsResource:
        """Location settings: custom field definitions."""
        from .resources.locations import LocationsResource

        return LocationsResource(self)

    def require_location(self, location_id: str | None = None) -> str:
        """Return ``location_id`` or the client's default; raise if neither is known."""
        location = location_id or self._location_id
        if not location:
            raise ConfigurationError(
                "this call needs a location id: pass location_id=... to the call, "
                "or create the client with location_id=..."
            )
        return location

    def rate_limit_status(self, location_id: str | None = None) -> RateLimitStatus | None:
        """The latest rate-limit figures for a location (default: this client's, else its
        token's); ``None`` when nothing is known (limiting off, or the location is idle)."""
        limiter = self._pool.limiter
        return None if limiter is None else limiter.status(self._status_key(location_id))

    def would_wait(self, location_id: str | None = None) -> bool:
        """Whether a call for a location (default: this client's, else its token's) would wait
        for a rate-limit slot right now.

        Cheap and non-blocking, for code that serves many locations: bulk jobs use it to work
        on other locations meanwhile. Advisory: another call may take the slot first.
        """
        limiter = self._pool.limiter
        return limiter is not None and limiter.would_wait(self._status_key(location_id))

    def _status_key(self, location_id: str | None) -> str:
        return location_id or self._location_id or self._pool.token_key(self._token)

    def _limit_key(self, call: Call[T]) -> str:
        """The location (or company) the server counts ``call`` against."""
        if call.location_id:
            if self._location_id is None:
                self._pool.learn_location(self._token, call.location_id)
            return call.location_id
        return self._location_id or self._pool.token_key(self._token)

    @property
    def request_counts(self) -> RequestCounts:
        """Requests sent through this client's pool so far (shared with derived clients)."""
        return RequestCounts(self._pool.sent, self._pool.rate_limited)

    def send(self, call: Call[T]) -> Coroutine[Any, Any, T]:
        """Send one call through the limiter, with auth and retries; await it for the result.

        Resources use this; it is public for calls the library does not wrap yet.

        Raises:
            ClientClosedError: The client was closed.
            LeadConnectorError: The typed error for whatever failed last, carrying the call's
                method and path template.
        """
        # A plain function returning the coroutine: one frame fewer on every request. A trace
        # is started inside the coroutine, in the task that awaits it (its span's context).
        return self._send(call) if self._observer.quiet() else self._traced(call)

    async def _traced(self, call: Call[T]) -> T:
        async with self._observer.start(call, call.location_id or self._location_id) as trace:
            return await self._send(call, trace)

    async def _send(self, call: Call[T], trace: CallTrace | None = None) -> T:
        # Every attempt is written out here rather than in a coroutine of its own: one frame
        # (and one object for the garbage collector to walk while it waits) fewer per request.
        pool = self._pool
        try:
            loop = pool.running_loop()  # binds the pool to its first loop, refuses any other
            key = self._limit_key(call)
            started = loop.time()
            authenticated = call.authenticated
            gate = pool.admission
            # The deadline by which the saturated pool was just judged able to admit the call,
            # and when its wait for a place must end (None: not judged, or something was
            # awaited since): not judged twice.
            if gate is not None and gate.saturated and authenticated:
                # (never a token refresh: its callers wait on it)
                judged = self._shed(key, started, gate)
            else:
                judged = None
            owner: Closable = self  # whose closing ends the call
            if authenticated:
                limiter = pool.limiter
            else:  # An OAuth token request counts against no location: it bypasses the limiter.
                limiter = None
                renewal = current_renewal()
                if renewal is not None:
                    pool.hold(renewal)  # closing the pool waits for the new pair to be saved
                    # Every client of the token may be waiting for it, not just this one.
                    owner = pool
            attempt = 0
            refreshed = False
            maybe_applied = False
            # The attempt's deadline, set by its first wait (for its token, a send slot or a
            # connection) and kept by the waits after it and by the transport: one time budget
            # (None: nothing has waited).
            deadline = None
            while True:
                attempt += 1
                token = None
                rejected = None  # a 401 its token source may fix
                # The token comes first: a request never holds a slot while a refresh is in
                # flight, so the refresh (and an on_refresh that calls the API) cannot wait
                # behind it. Outside the ``try`` below: what getting it raises is not retried.
                if authenticated:
                    token = self._static_token
                    if not token and self._ready_token is not None:
                        token = self._ready_token()  # (nearly every call: no renewal due)
                    if not token:
                        judged = None
                        work = self._token.get_token()
                        token, deadline = await self._token_wait(
                            work, deadline, loop, started, maybe_applied
                        )
                        key = self._renewed_key(key)
                try:
                    try:
                        if (self._closed or pool.closed) and owner.closed:
                            raise ClientClosedError(CLOSED)
                        permit = None
                        if limiter is not None:
                            permit = pool.try_acquire(key)
                            if permit is None:
                                judged = None
                                now = loop.time()
                                if deadline is None:
                                    deadline = self._slot_deadline(now, started)
                                until = self._wait_until(deadline, now)
                                permit = await pool.wait(self, limiter.acquire(key, until))
                        entered = None  # the gate to leave once the answer is in
                        granted = None  # loop time a place was handed to it after a wait
                        sent = False
                        try:
                            if gate is not None:
                                if not gate.try_enter():
                                    if judged is not None:  # (so nothing has waited yet)
                                        deadline, until = judged
                                        refuse = False
                                    else:
                                        now = loop.time()
                                        if deadline is None:
                                            deadline = self._slot_deadline(now, started)
                                        until = self._wait_until(deadline, now)
                                        refuse = authenticated
                                    granted = await gate.enter(key, until, refuse_early=refuse)
                                entered = gate
                                judged = None  # (a retry is judged afresh)
                            request = build_request(call, self._config, token)
                            if (self._closed or pool.closed) and owner.closed:
                                raise ClientClosedError(CLOSED)  # closed while it waited
                            sent = True
                            pool.sent += 1
                            tally = CURRENT_TALLY.get()
                            if tally is not None:
                                tally.sent += 1
                            if trace is not None:
                                trace.sending()
                            if deadline is None or not authenticated:
                                # (A token request gets its own timeout, whatever its wait left:
                                # its answer may be the only copy of a single-use grant.)
                                response = await pool.transport.send(request, self._config.timeouts)
                            else:  # what the wait left of the call's time budget
                                sent_at = loop.time()
                                since = sent_at if granted is None else granted
                                answers = pool.answers
                                if deadline - sent_at < answers.reserve:
                                    edge = EdgeSend(  # see _edge_send.py
                                        pool, since, entered, permit, key, self._config.rate_limit
                                    )
                                    try:
                                        response = await edge.send(
                                            request, self._config.timeouts, deadline
                                        )
                                    except BaseException:
                                        if edge.handed_over:  # given back when the exchange ends
                                            entered = permit = None
                                        raise
                                else:
                                    response = await pool.transport.send(
                                        request, self._config.timeouts, deadline
                                    )
                                    answers.record(loop.time() - since)
                            if trace is not None:
                                trace.response = response
                        except BaseException:
                            if limiter is not None and permit is not None:
                                if sent:
                                    limiter.release(permit)
                                else:
                                    pool.unused(permit)  # never sent: the slot comes back now
                            raise
                        finally:
                            if entered is not None:
                                entered.leave()
                        if permit is not None:  # the slot cools; the headers correct the picture
                            pool.finish(permit, response.headers)
                        if response.status == 429:
                            pool.count_rate_limited(tally)
                        try:
                            result = parse_response(call, response, token, self._config.rate_limit)
                        except AuthenticationError as error:
                            if token is None or isinstance(error, ScopeError):
                                raise
                            rejected = error  # its token may be replaceable: see below
                        else:
                            if trace is not None:
                                await trace.attempt_ended(None, result)
                            if key.startswith(ANONYMOUS_KEY):
                                self._learn_from(result)
                            return result
                    except Exception as error:  # a cancellation is not waited on for hooks
                        if trace is not None:
                            await trace.attempt_ended(error)
                        raise
                except NotFoundError:
                    # A delete whose earlier attempt may have been applied finds nothing: done.
                    if call.gone_when_absent and maybe_applied:
                        return None  # type: ignore[return-value]
                    raise
                except LeadConnectorError as error:
                    delay = retry_delay(
                        self._config.retry,
                        attempt,
                        error,
                        idempotent=call.idempotent,
                        elapsed=loop.time() - started,
                    )
                    if isinstance(error, RateLimitError) and limiter is not None:
                        _pause_location(limiter, key, error, delay)
                    if delay is None:
                        if maybe_applied and isinstance(error, TransportError):
                            error.outcome_unknown = True  # an earlier attempt may have landed
                        raise
                    maybe_applied |= may_have_been_applied(error)
                    log_retry(call, attempt, delay, error)
                    if trace is not None:
                        trace.retrying(delay, error)
                    await pool.wait(owner, asyncio.sleep(delay))
                    deadline = None  # the next attempt's budget starts when it waits
                    continue
                # A 401 to a token its source may be able to replace. Decided outside the
                # ``except`` blocks, so the error raised has no ``__context__``. At most one
                # refresh per call, so a server that keeps refusing cannot loop us.
                assert rejected is not None
                assert token is not None
                if trace is not None:
                    await trace.attempt_ended(rejected)
                if refreshed:
                    raise rejected
                replacing = self._token.token_rejected(token)
                replaced, deadline = await self._token_wait(
                    replacing, None, loop, started, maybe_applied
                )
                if not replaced:
                    raise rejected
                key = self._renewed_key(key)
                refreshed = True
                attempt -= 1
        except LeadConnectorError as error:
            if error.method is None:
                error.method, error.path_template = call.method, call.template or call.path
            if isinstance(error, RateLimitError) and error.status_code == 429:
                log_rate_limited(call, error)
            raise

    async def _token_wait(
        self,
        work: Coroutine[Any, Any, T],
        deadline: float | None,
        loop: asyncio.AbstractEventLoop,
        started: float,
        maybe_applied: bool,
    ) -> tuple[T, float | None]:
        """Await ``work``, the token source getting (or replacing) the token for an attempt of
        a call that started at loop time ``started``: within the attempt's time budget (ending
        at ``deadline``, or from now if nothing waited yet), ended by closing the client, and
        through this client (a refresh is sent through it).

        Returns what ``work`` returned and the attempt's deadline: the one it waited with, or
        ``deadline`` unchanged when ``work`` needed no wait (no timer, no closing watch).

        What it raises ends the call: a refresh retries on its own. The attempt sent nothing,
        so a ``TransportError`` is ``outcome_unknown`` only when an earlier attempt may have
        been applied (``maybe_applied``), whatever became of the refresh.
        """
        if self.closed:
            work.close()
            raise ClientClosedError(CLOSED)
        requester = REQUESTER.set(self)
        budget = None
        try:
            try:
                pending = work.send(None)
            except StopIteration as done:  # (nearly every call of a custom token source)
                return done.value, deadline
            if deadline is None:
                deadline = self._slot_deadline(loop.time(), started)
            try:
                async with asyncio.timeout_at(deadline) as budget:
                    return await self._pool.wait(self, resumed(work, pending)), deadline
            finally:
                work.close()  # (if the wait never resumed it: closed before it began)
        except TimeoutError:
            if budget is None or not budget.expired():
                raise
            raise TransportError(
                "no access token within the call's time budget (its renewal is still under "
                "way); nothing was sent",
                outcome_unknown=maybe_applied,
            ) from None
        except TransportError as error:
            if error.outcome_unknown == maybe_applied:
                raise
            unsent = copy(error)  # (the refresh's error is shared by every call waiting for it)
            unsent.outcome_unknown = maybe_applied
            raise unsent from error
        finally:
            REQUESTER.reset(requester)

    def _renewed_key(self, key: str) -> str:
        """The key to count a call against once its token was renewed: a refresh answer may
        have named the token's location, and its own bucket joined the location's
        (``learn_location``)."""
        return self._pool.token_key(self._token) if key.startswith(ANONYMOUS_KEY) else key

    def _shed(self, key: str, started: float, gate: Admission) -> tuple[float, float] | None:
        """Refuse the call now (it started at loop time ``started``, just read) if the
        saturated pool cannot admit it within its time budget: before a rate-limit slot or an
        attempt is spent on it. Returns the deadline judged and when the wait for a place must
        end (``None``: the call has no time budget, so nothing was judged)."""
        deadline = self._slot_deadline(started, started)
        if deadline is None:
            return None
        until = self._wait_until(deadline, started)
        if gate.hopeless(key, until, started):
            raise gate.refusal(started)
        return deadline, until

    def _slot_deadline(self, now: float, started: float) -> float | None:
        """When waiting for a send slot must end: the request timeout from ``now``, or the
        retry deadline from ``started`` (loop times)."""
        config = self._config
        total, overall = config.timeouts.total, config.retry.deadline
        deadline = None if total is None else now + total
        if overall is not None and (deadline is None or started + overall < deadline):
            deadline = started + overall
        return deadline

    @overload
    def _wait_until(self, deadline: float, now: float) -> float: ...
    @overload
    def _wait_until(self, deadline: float | None, now: float) -> float | None: ...
    def _wait_until(self, deadline: float | None, now: float) -> float | None:
        """When a wait for a send slot or a place in the pool, begun at loop time ``now`` by a
        call whose budget ends at ``deadline``, must end: early enough for the request to be
        answered in what is left, as requests that waited lately were (the reserve of
        ``_answer_times.py``, but never more than half the time left). A call admitted later
        would be sent only to be cut off: a wasted slot, and a write whose outcome nobody
        knows. ``None``: no deadline."""
        if deadline is None:
            return None
        return deadline - min(self._pool.answers.reserve, (deadline - now) / 2)

    def _learn_from(self, result: object) -> None:
        # A token whose location is unknown sent this; an answer naming it tells us where.
        location = getattr(result, "location_id", None)
        if isinstance(location, str) and location:
            self._pool.learn_location(self._token, location)

    def _refuse_if_closed(self) -> None:
        if self.closed:
            raise ClientClosedError(CLOSED)

    async def aclose(self) -> None:
        """Close the client. The root client also closes the pool it created, once the token
        refreshes in flight through it are answered and saved (at most ``RENEWAL_GRACE``, 5 s):
        a refresh token is single-use, so cutting off the answer would lose the grant."""
        self._closed = True
        pool = self._pool
        if not self._is_root:
            pool.wake(self)  # its calls waiting for a slot, a token or a retry end now
        elif not pool.closed:
            pool.closed = True
            pool.wake()
            try:
                await pool.settle(RENEWAL_GRACE)
            finally:
                try:
                    await pool.end_exchanges()
                finally:  # (even when closing is cancelled meanwhile)
                    await pool.transport.aclose()

    async def __aenter__(self) -> LeadConnector:
        self._refuse_if_closed()
        self._pool.check_loop()
        return self

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return (
            f"LeadConnector(location_id={self._location_id!r}, "
            f"base_url={self._config.base_url!r}, {state})"
        )


def _pause_location(limiter: Limiter, key: str, error: RateLimitError, delay: float | None) -> None:
    """A 429 pauses its location for every call, whether or not this one waits it out: for
    this call's back-off, or for the server's ``Retry-After`` when the call gives up (longer
    than ``max_wait``, retries or deadline spent), so the location's other calls fail at once
    instead of each spending a request on another 429."""
    pause = delay if delay is not None else error.retry_after
    if pause is not None and error.status_code == 429:
        limiter.penalize(key, min(pause, LONGEST_WAIT))
