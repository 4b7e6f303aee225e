"""Calls that need an OAuth refresh: its time budget, closing, retries and errors are theirs to
bound and report; a token shared by clients refreshes through the one whose call needs it."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from contextvars import Context
from typing import Any, Literal, TypeVarTuple

import pytest
from aiohttp import web

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, FakeOAuth
from tests.client.test_hostile_server import CONTACT, RawServer, answer
from tests.client.test_hostile_server import serving as raw_serving
from tests.client.test_oauth import (
    LOC,
    Clock,
    Vault,
    contact_requests,
    installed,
    seeded,
    served,
    token_from,
)

TokenFault = Literal["unavailable", "dropped", "held"]
TOKEN_ROUTE = "POST /oauth/token"
Ts = TypeVarTuple("Ts")
# A refresh answered 503 is retried at once.
QUICK_RETRY = lc.RetryPolicy(max_retries=3, backoff_base=0.001, backoff_max=0.001)


class FaultyTokenEndpoint(FakeLeadConnector):
    """The fake, with faults forced on its ``POST /oauth/token``, one per request in turn.

    ``"unavailable"``: a 503. ``"dropped"``: the connection is cut before the request is read
    (no refresh token is used). ``"held"``: the refresh is done (its refresh token used up),
    ``committed`` is set, and the answer waits for ``release``.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.token_faults: deque[TokenFault] = deque()
        self.refused = asyncio.Event()  # an "unavailable" answer was given
        self.committed = asyncio.Event()
        self.release = asyncio.Event()

    def build_app(self) -> web.Application:
        app = super().build_app()
        app.middlewares.append(self._token_fault)
        return app

    @web.middleware
    async def _token_fault(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path != "/oauth/token" or not self.token_faults:
            return await handler(request)
        fault = self.token_faults.popleft()
        if fault == "unavailable":
            self.refused.set()
            return web.json_response({"message": "Service Unavailable"}, status=503)
        if fault == "dropped":
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=500)
        answer = await handler(request)
        self.committed.set()
        await self.release.wait()
        return answer


@asynccontextmanager
async def serving(clock: Clock) -> AsyncIterator[tuple[FaultyTokenEndpoint, FakeOAuth]]:
    fake = FaultyTokenEndpoint(wall_clock=clock)
    async with fake:
        yield fake, FakeOAuth.of(fake)


class StuckVault(Vault):
    """A vault whose saves start (``saving`` is set), then wait for ``release`` (a row lock
    held elsewhere, say)."""

    def __init__(self) -> None:
        super().__init__()
        self.saving = asyncio.Event()
        self.release = asyncio.Event()
        self.done = asyncio.Event()

    async def save(self, token: lc.OAuthToken) -> None:
        self.saving.set()
        await self.release.wait()
        await super().save(token)
        self.done.set()


class StartingVault(Vault):
    """A vault that starts ``worker`` after its first save, as an app might once a grant is
    saved."""

    def __init__(self, worker: Callable[[], Coroutine[Any, Any, None]]) -> None:
        super().__init__()
        self.worker = worker
        self.started: list[asyncio.Task[None]] = []

    async def save(self, token: lc.OAuthToken) -> None:
        await super().save(token)
        if not self.started:
            self.started.append(asyncio.create_task(self.worker()))


@pytest.mark.parametrize(
    "budget",
    [{"timeout": 0.2}, {"retry": lc.RetryPolicy(deadline=0.2)}],
    ids=["timeout", "deadline"],
)
async def test_a_call_waiting_for_a_refresh_ends_with_its_time_budget(budget: Any) -> None:
    clock, vault = Clock(), StuckVault()
    async with serving(clock) as (fake, oauth):
        body = installed(oauth)
        token = token_from(body, oauth, clock, vault)
        contact_id = seeded(fake)
        clock.now += body["expires_in"]
        async with lc.LeadConnector(token, location_id=LOC, base_url=fake.url, **budget) as client:
            async with asyncio.timeout(10):  # waited for on_refresh for ever before
                with pytest.raises(lc.TransportError, match="no access token within") as late:
                    await client.contacts.get(contact_id)
            assert late.value.outcome_unknown is False
            assert vault.saving.is_set()
            vault.release.set()
            # The refresh was not abandoned: once saved (awaited here, not within the next
            # call's 0.2 s, which a loaded machine may spend first), its token serves the call.
            await asyncio.wait_for(vault.done.wait(), 10)
            found = await client.contacts.get(contact_id)
    assert found.id == contact_id
    assert oauth.stats.refreshes == 1
    assert contact_requests(fake) == 1
    assert len(vault.saved) == 1


class SlowSource:
    """A token source whose ``slow``-th token takes ``delay`` seconds (a slow renewal)."""

    def __init__(self, delay: float, slow: int = 1) -> None:
        self.delay = delay
        self.slow = slow
        self.asked = 0

    async def get_token(self) -> str:
        self.asked += 1
        if self.asked == self.slow:
            await asyncio.sleep(self.delay)
        return "slow-source-token"

    async def token_rejected(self, token: str) -> bool:
        return False


async def test_a_call_that_waited_for_its_token_has_what_is_left_of_its_budget() -> None:
    async def slow_answer(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.55)  # within a whole timeout, past what the token left of it
        await raw.write(writer, answer(CONTACT))

    async with (
        raw_serving(slow_answer) as raw,
        lc.LeadConnector(
            SlowSource(0.45), location_id=LOC, base_url=raw.url, timeout=0.8, max_retries=0
        ) as client,
    ):
        with pytest.raises(lc.TransportError, match="what waiting to send left") as late:
            await client.contacts.get("c1")  # answered, after a second timeout, before
    assert late.value.outcome_unknown is True  # sent, so it may have been applied
    assert len(raw.requests) == 1


async def test_a_call_that_waited_for_its_token_waits_for_a_slot_only_what_is_left() -> None:
    async def at_once(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, answer(CONTACT))

    one = lc.RateLimit(max_requests=1, period=1.0, daily=None)  # free again a second later
    async with (
        raw_serving(at_once) as raw,
        lc.LeadConnector(
            SlowSource(0.45, slow=2), location_id=LOC, base_url=raw.url, rate_limit=one, timeout=0.8
        ) as client,
    ):
        await client.contacts.get("c1")  # takes the slot
        with pytest.raises(lc.RateLimitTimeoutError):  # sent a second later, before
            await client.contacts.get("c1")
    assert len(raw.requests) == 1


@pytest.mark.parametrize("closed", ["root", "derived"])
async def test_closing_a_client_ends_its_calls_waiting_for_a_refresh(closed: str) -> None:
    clock, vault = Clock(), StuckVault()
    async with serving(clock) as (fake, oauth):
        body = installed(oauth)
        token = token_from(body, oauth, clock, vault)
        root = lc.LeadConnector(token, location_id=LOC, base_url=fake.url)
        client = root if closed == "root" else root.for_location(LOC)
        clock.now += body["expires_in"]
        call = asyncio.ensure_future(client.contacts.get(seeded(fake)))
        await vault.saving.wait()
        closing = asyncio.ensure_future(client.aclose())
        async with asyncio.timeout(10):  # closing did not end the wait before
            with pytest.raises(lc.ClientClosedError):
                await call
        vault.release.set()
        await closing
        await root.aclose()
    assert len(vault.saved) == 1
    assert token.refresh_token == vault.saved[0].refresh_token
    assert contact_requests(fake) == 0


async def test_closing_the_client_waits_for_the_answer_of_a_refresh_in_flight() -> None:
    clock, vault = Clock(), Vault()
    async with serving(clock) as (fake, oauth):
        body = installed(oauth)
        token = token_from(body, oauth, clock, vault)
        client = lc.LeadConnector(token, location_id=LOC, base_url=fake.url)
        clock.now += body["expires_in"]
        fake.token_faults.append("held")
        call = asyncio.ensure_future(client.contacts.get(seeded(fake)))
        await fake.committed.wait()  # the old refresh token is used up at the server
        closing = asyncio.ensure_future(client.aclose())
        with pytest.raises(lc.ClientClosedError):
            await call
        fake.release.set()  # the answer carrying the new pair comes back while closing
        await closing
    [saved] = vault.saved  # cut off before: the grant was lost
    assert saved.refresh_token in oauth.refresh_tokens
    assert token.refresh_token == saved.refresh_token
    assert contact_requests(fake) == 0


async def test_a_refresh_answered_503_is_retried_by_the_refresh_alone() -> None:
    clock, vault = Clock(), Vault()
    async with serving(clock) as (fake, oauth):
        body = installed(oauth)
        token = token_from(body, oauth, clock, vault)
        contact_id = seeded(fake)
        clock.now += body["expires_in"]
        async with lc.LeadConnector(
            token, location_id=LOC, base_url=fake.url, retry=QUICK_RETRY
        ) as client:
            fake.token_faults.extend(["unavailable"] * 20)
            with pytest.raises(lc.ServerError) as refused:
                await client.contacts.get(contact_id)
            assert refused.value.status_code == 503
            assert fake.stats.routes[TOKEN_ROUTE] == 4  # was 16: each retry of the call retried it
            fake.token_faults.clear()
            fake.token_faults.extend(["unavailable"] * 2)
            found = await client.contacts.get(contact_id)
    assert found.id == contact_id
    assert fake.stats.routes[TOKEN_ROUTE] == 4 + 3
    assert oauth.stats.refreshes == 1
    assert contact_requests(fake) == 1


@pytest.mark.parametrize("call", ["create", "delete"])
async def test_a_refresh_whose_answer_was_lost_is_not_the_calls_unknown_outcome(call: str) -> None:
    clock, vault = Clock(), Vault()
    async with serving(clock) as (fake, oauth):
        fake.not_found_status = 404
        body = installed(oauth)
        token = token_from(body, oauth, clock, vault)
        clock.now += body["expires_in"]
        async with lc.LeadConnector(token, location_id=LOC, base_url=fake.url) as client:

            async def send() -> None:
                if call == "create":
                    await client.contacts.create(lc.ContactCreate(first_name="Jane"))
                else:
                    await client.contacts.delete("never-existed")

            fake.token_faults.append("dropped")
            with pytest.raises(lc.TransportError) as lost:
                await send()
            assert lost.value.outcome_unknown is False  # the call was not sent
            assert fake.stats.requests == 1  # the refresh alone, not repeated
            if call == "delete":  # it returned None before: an earlier attempt "may have" landed
                with pytest.raises(lc.NotFoundError):
                    await send()
            else:
                await send()
    assert oauth.stats.refreshes == 1
    assert fake.stats.requests == 3


async def test_a_token_shared_with_a_closed_client_refreshes_through_the_open_one() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth)
        token = token_from(body, oauth, clock, vault)
        contact_id = seeded(fake)
        web_client = pool.for_location(LOC, token=token)
        async with lc.LeadConnector(token, location_id=LOC, base_url=fake.url) as job:
            await job.contacts.get(contact_id)  # given the token last, then closed
        clock.now += body["expires_in"]
        found = await web_client.contacts.get(contact_id)
        assert pool.request_counts.sent == 2  # the refresh went through the calling client
    assert found.id == contact_id
    assert oauth.stats.refreshes == 1
    assert len(vault.saved) == 1


async def test_a_task_started_by_on_refresh_uses_the_new_token_only_while_it_is_saved() -> None:
    clock, go = Clock(), asyncio.Event()
    polled: list[str] = []

    async def poll() -> None:
        await go.wait()
        polled.append((await client.contacts.get(contact_id)).id)

    vault = StartingVault(poll)
    async with served(clock) as (fake, oauth, pool):
        token = token_from(installed(oauth), oauth, clock, vault)
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        oauth.expire_access_tokens()
        await client.contacts.get(contact_id)  # refresh 1 starts the worker
        oauth.expire_access_tokens()
        await client.contacts.get(contact_id)  # refresh 2
        go.set()
        await vault.started[0]  # sent refresh 1's expired token for good before
    assert polled == [contact_id]
    assert oauth.stats.refreshes == 2
    assert len(vault.saved) == 2


@pytest.mark.parametrize("renewal", ["expired", "rejected"])
async def test_a_refresh_that_names_the_location_keeps_the_slots_its_token_used(
    renewal: str,
) -> None:
    clock, vault = Clock(), Vault()
    limit = lc.RateLimit(max_requests=10, period=60.0, daily=None)
    async with serving(clock) as (fake, oauth):
        body = installed(oauth)
        token = token_from(body, oauth, clock, vault)  # no location_id: its own bucket
        contact_id = seeded(fake)
        async with lc.LeadConnector(token, base_url=fake.url, rate_limit=limit) as client:
            # Answers that name no location: the token's bucket takes the ten slots (a
            # rejected token's call takes the tenth itself, before its 401).
            used = 10 if renewal == "expired" else 9
            await asyncio.gather(*(client.contacts.tasks.list(contact_id) for _ in range(used)))
            if renewal == "expired":
                clock.now += body["expires_in"]
            else:
                oauth.expire_access_tokens()
            with pytest.raises(lc.RateLimitTimeoutError):  # sent at once before
                # The refresh this call waits for (or retries after) names LOC.
                await client.with_options(timeout=0.2).contacts.tasks.list(contact_id)
            assert token.limit_key == LOC
            status = client.rate_limit_status()
    assert oauth.stats.refreshes == 1
    assert fake.stats.routes["GET /contacts/{contactId}/tasks"] == 10
    assert status is not None
    assert status.in_use == 10


async def test_closing_the_client_a_refresh_goes_through_leaves_it_to_the_others() -> None:
    clock, vault = Clock(), Vault()
    async with serving(clock) as (fake, oauth):
        body = installed(oauth)
        token = token_from(body, oauth, clock, vault)
        contact_id = seeded(fake)
        async with lc.LeadConnector(
            token, location_id=LOC, base_url=fake.url, retry=QUICK_RETRY
        ) as root:
            child = root.for_location(LOC)
            clock.now += body["expires_in"]
            fake.token_faults.append("unavailable")  # the refresh is retried after a back-off
            by_child = asyncio.ensure_future(child.contacts.get(contact_id))  # refreshes
            by_root = asyncio.ensure_future(root.contacts.get(contact_id))  # waits for it
            await fake.refused.wait()
            await child.aclose()  # before the refresh's back-off: it ended the refresh
            with pytest.raises(lc.ClientClosedError):
                await by_child
            found = await by_root
    assert found.id == contact_id
    assert fake.stats.routes[TOKEN_ROUTE] == 2
    assert oauth.stats.refreshes == 1
    assert len(vault.saved) == 1
    assert contact_requests(fake) == 1


class ReadySource:
    """A custom token source whose token is always at hand."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def get_token(self) -> str:
        return self.token

    async def token_rejected(self, token: str) -> bool:
        return False


class BudgetTimerLoop(asyncio.SelectorEventLoop):
    """An event loop counting the timers of ``asyncio.timeout`` blocks it schedules."""

    def __init__(self) -> None:
        super().__init__()
        self.budget_timers = 0

    def call_at(
        self,
        when: float,
        callback: Callable[[*Ts], object],
        *args: *Ts,
        context: Context | None = None,
    ) -> asyncio.TimerHandle:
        if getattr(callback, "__qualname__", "") == "Timeout._on_timeout":
            self.budget_timers += 1
        return super().call_at(when, callback, *args, context=context)


def test_a_token_source_that_answers_at_once_costs_no_timer() -> None:
    async def gets(custom: bool) -> int:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, BudgetTimerLoop)
        async with FakeLeadConnector() as fake:
            contact_id = str(fake.store.create(fake.location_id, {"firstName": "Jane"})["id"])
            token = ReadySource(fake.token) if custom else fake.token
            async with lc.LeadConnector(
                token, location_id=fake.location_id, base_url=fake.url
            ) as client:
                before = loop.budget_timers
                found = [await client.contacts.get(contact_id) for _ in range(20)]
                timers = loop.budget_timers - before
            assert [contact.id for contact in found] == [contact_id] * 20
            assert contact_requests(fake) == 20
        return timers

    with asyncio.Runner(loop_factory=BudgetTimerLoop) as runner:
        by_string = runner.run(gets(custom=False))
        by_source = runner.run(gets(custom=True))
    assert by_source == by_string  # 20 more before: a timer per call for a wait never made
