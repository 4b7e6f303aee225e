"""OAuth tokens against the fake's OAuth server: single-flight refresh, saving, refusals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, FakeOAuth, TokenAnswerKind, TokenInfo

LOC = "loc-1"
START = 1_700_000_000.0


class Clock:
    """Unix seconds that only move when a test says so; shared by the fake and the tokens."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


class Vault:
    """Stands in for the app's token table; can be told to fail its next saves."""

    def __init__(self, failures: int = 0) -> None:
        self.saved: list[lc.OAuthToken] = []
        self.failures = failures
        self.attempts = 0

    async def save(self, token: lc.OAuthToken) -> None:
        self.attempts += 1
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database unavailable")
        self.saved.append(token)


class Forgetful(dict[str, TokenInfo]):
    """A token table that registers nothing new: every newly issued token is refused."""

    def __setitem__(self, key: str, value: TokenInfo) -> None:
        return None


@asynccontextmanager
async def served(
    clock: Clock, rate_limit: lc.RateLimit | None = None
) -> AsyncIterator[tuple[FakeLeadConnector, FakeOAuth, lc.LeadConnector]]:
    async with (
        FakeLeadConnector(wall_clock=clock) as fake,
        lc.LeadConnector(None, base_url=fake.url, rate_limit=rate_limit) as pool,
    ):
        yield fake, FakeOAuth.of(fake), pool


def token_from(
    body: dict[str, Any], oauth: FakeOAuth, clock: Clock, vault: Vault, **kw: Any
) -> lc.OAuthToken:
    return lc.OAuthToken(
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
        expires_at=clock() + body["expires_in"],
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        on_refresh=vault.save,
        clock=clock,
        **kw,
    )


async def exchanged(
    pool: lc.LeadConnector, oauth: FakeOAuth, clock: Clock, vault: Vault
) -> lc.OAuthToken:
    """The token a location's install code is exchanged for, saved into ``vault``."""
    return await lc.exchange_code(
        pool,
        oauth.authorize(location_id=LOC),
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        on_refresh=vault.save,
        clock=clock,
    )


def agency_token(oauth: FakeOAuth, clock: Clock, vault: Vault) -> lc.OAuthToken:
    """An agency (company) grant's token, saved into ``vault`` when refreshed."""
    body = oauth.redeem(oauth.authorize(user_type="Company"))
    return token_from(body, oauth, clock, vault, user_type="Company")


def installed(oauth: FakeOAuth, **grant: Any) -> dict[str, Any]:
    return oauth.redeem(oauth.authorize(location_id=LOC, **grant))


Edit = Callable[[dict[str, Any]], dict[str, Any]]


def editing(
    kind: TokenAnswerKind, edit: Edit
) -> Callable[[TokenAnswerKind, dict[str, Any]], dict[str, Any]]:
    """A ``FakeOAuth.edit_answer`` that edits the answers of ``kind`` and no others."""
    return lambda answered, answer: edit(answer) if answered == kind else answer


def setting(**odd: Any) -> Edit:
    """An edit that puts the ``odd`` fields in."""
    return lambda answer: {**answer, **odd}


def seeded(fake: FakeLeadConnector) -> str:
    return str(fake.store.create(LOC, {"firstName": "Jane"})["id"])


def contact_requests(fake: FakeLeadConnector) -> int:
    return fake.stats.routes["GET /contacts/{contactId}"]


async def test_fifty_calls_on_an_expired_token_send_one_refresh_and_save_the_new_pair() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth)
        token = token_from(body, oauth, clock, vault)
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        clock.now += body["expires_in"] + 1
        found = await asyncio.gather(*(client.contacts.get(contact_id) for _ in range(50)))
    assert [c.id for c in found] == [contact_id] * 50
    assert oauth.stats.refreshes == 1
    assert fake.stats.statuses[401] == 0  # refreshed before use, not after a rejection
    assert contact_requests(fake) == 50
    [saved] = vault.saved
    assert saved.refresh_token in oauth.refresh_tokens  # the one pair that still works
    assert body["refresh_token"] not in oauth.refresh_tokens
    assert (token.access_token, token.refresh_token) == (saved.access_token, saved.refresh_token)
    assert saved.expires_at == clock.now + body["expires_in"]
    assert saved.location_id == LOC


async def test_the_refresh_request_is_a_bare_form_post_with_the_issued_user_type() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth)
        client = pool.for_location(LOC, token=token_from(body, oauth, clock, vault))
        clock.now += body["expires_in"]
        await client.contacts.get(seeded(fake))
    [sent] = oauth.token_requests
    assert sent.form == {
        "grant_type": "refresh_token",
        "client_id": oauth.client_id,
        "client_secret": oauth.client_secret,
        "refresh_token": body["refresh_token"],
        "user_type": "Location",
    }
    assert sent.content_type == "application/x-www-form-urlencoded"
    assert sent.authorization is None
    assert sent.version is None


async def test_an_expired_token_401_refreshes_once_for_all_concurrent_calls() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        token = token_from(installed(oauth), oauth, clock, vault)
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        oauth.expire_access_tokens()  # the server says expired; the token's clock does not
        found = await asyncio.gather(*(client.contacts.get(contact_id) for _ in range(50)))
    assert len(found) == 50
    assert oauth.stats.refreshes == 1
    assert fake.stats.statuses[401] == 50
    assert contact_requests(fake) == 100
    assert len(vault.saved) == 1


async def test_a_token_rejected_again_after_its_refresh_is_an_error_not_a_loop() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        token = token_from(installed(oauth), oauth, clock, vault)
        client = pool.for_location(LOC, token=token)
        oauth.expire_access_tokens()
        fake.tokens = Forgetful(fake.tokens)  # the server will not know the refreshed token
        with pytest.raises(lc.AuthenticationError, match="Invalid JWT"):
            await client.contacts.get(seeded(fake))
    assert oauth.stats.refreshes == 1
    assert contact_requests(fake) == 2


async def test_a_refused_refresh_names_the_cause_and_is_not_retried() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth)
        oauth.refresh_tokens.clear()  # another process used the refresh token
        client = pool.for_location(LOC, token=token_from(body, oauth, clock, vault))
        contact_id = seeded(fake)
        clock.now += body["expires_in"]
        results = await asyncio.gather(
            *(client.contacts.get(contact_id) for _ in range(50)), return_exceptions=True
        )
        with pytest.raises(lc.AuthenticationError, match="refused earlier; nothing was sent"):
            await client.contacts.get(contact_id)
    assert all(isinstance(r, lc.AuthenticationError) for r in results)
    error = results[0]
    assert isinstance(error, lc.AuthenticationError)
    assert str(error).startswith("refresh token rejected: invalid_grant: Invalid grant")
    assert "authorize the app again" in str(error)
    assert error.status_code == 400
    assert body["refresh_token"] not in str(error)
    assert oauth.stats.refreshes == 1
    assert fake.stats.requests == 1  # the one refused refresh; nothing else was sent
    assert vault.attempts == 0


async def test_a_failed_save_is_an_error_and_the_pair_is_kept_until_saved() -> None:
    clock, vault = Clock(), Vault(failures=1)
    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth)
        token = token_from(body, oauth, clock, vault)
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        clock.now += body["expires_in"]
        results = await asyncio.gather(
            *(client.contacts.get(contact_id) for _ in range(10)), return_exceptions=True
        )
        assert all(isinstance(r, lc.AuthenticationError) for r in results)
        assert "could not save" in str(results[0])
        assert "grant is lost unless the new pair is saved" in str(results[0])
        assert isinstance(results[0], BaseException)
        assert "(RuntimeError)" in str(results[0])
        # The user's exception may quote the new pair: it is neither cause nor context.
        assert results[0].__cause__ is None
        assert results[0].__context__ is None
        assert token.refresh_token == body["refresh_token"]  # the unsaved pair is not in use
        assert fake.stats.requests == 1  # the one refresh
        await client.contacts.get(contact_id)  # the save is retried; no second refresh
    assert vault.attempts == 2
    assert oauth.stats.refreshes == 1
    [saved] = vault.saved
    assert saved.refresh_token in oauth.refresh_tokens
    assert token.access_token == saved.access_token
    assert contact_requests(fake) == 1


async def test_a_scope_401_never_refreshes() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth, scopes=frozenset({"contacts.readonly"}))
        client = pool.for_location(LOC, token=token_from(body, oauth, clock, vault))
        with pytest.raises(lc.ScopeError, match="not authorized for this scope"):
            await client.contacts.create(lc.ContactCreate(first_name="Jane"))
    assert oauth.stats.refreshes == 0
    assert fake.stats.requests == 1


async def test_the_refresh_does_not_wait_for_slots_held_by_calls_waiting_for_it() -> None:
    clock, vault = Clock(), Vault()
    limit = lc.RateLimit(max_requests=2, period=0.05, daily=None)
    async with served(clock, rate_limit=limit) as (fake, oauth, pool):
        body = installed(oauth)
        client = pool.for_location(LOC, token=token_from(body, oauth, clock, vault))
        contact_id = seeded(fake)
        clock.now += body["expires_in"]
        async with asyncio.timeout(5):
            await asyncio.gather(*(client.contacts.get(contact_id) for _ in range(4)))
    assert oauth.stats.refreshes == 1


async def test_a_cancelled_caller_does_not_abandon_the_refresh() -> None:
    clock, saving, release = Clock(), asyncio.Event(), asyncio.Event()
    saved: list[lc.OAuthToken] = []

    async def slow_save(token: lc.OAuthToken) -> None:
        saving.set()
        await release.wait()
        saved.append(token)

    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth)
        token = lc.OAuthToken(
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            expires_at=START,
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            on_refresh=slow_save,
            clock=clock,
        )
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        first = asyncio.ensure_future(client.contacts.get(contact_id))
        await saving.wait()
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        release.set()
        await client.contacts.get(contact_id)
    assert len(saved) == 1
    assert oauth.stats.refreshes == 1
    assert token.refresh_token == saved[0].refresh_token
    assert contact_requests(fake) == 1


async def test_exchanging_a_code_gives_a_working_token_and_a_code_works_once() -> None:
    clock, vault = Clock(), Vault()
    redirect = "https://app.example.com/callback"
    async with served(clock) as (fake, oauth, pool):
        code = oauth.authorize(location_id=LOC, redirect_uri=redirect)
        token = await lc.exchange_code(
            pool,
            code,
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            on_refresh=vault.save,
            redirect_uri=redirect,
            clock=clock,
        )
        assert (token.location_id, token.user_type) == (LOC, "Location")
        assert token.expires_at == START + oauth.access_token_ttl
        client = pool.for_location(LOC, token=token)
        created = await client.contacts.create(lc.ContactCreate(first_name="Jane"))
        with pytest.raises(lc.AuthenticationError, match="authorization code rejected"):
            await lc.exchange_code(
                pool,
                code,
                client_id=oauth.client_id,
                client_secret=oauth.client_secret,
                on_refresh=vault.save,
                redirect_uri=redirect,
            )
    assert fake.store.contacts[created.id]["locationId"] == LOC
    assert [r.form["grant_type"] for r in oauth.token_requests] == ["authorization_code"] * 2
    assert oauth.token_requests[0].form["redirect_uri"] == redirect
    assert oauth.stats.code_exchanges == 2


async def test_a_company_grant_refreshes_as_a_company() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (_, oauth, pool):
        body = oauth.redeem(oauth.authorize(user_type="Company", company_id="co-1"))
        agency = token_from(body, oauth, clock, vault, user_type="Company", company_id="co-1")
        tokens = lc.AgencyTokens(pool, agency)
        clock.now += body["expires_in"]
        assert await tokens.for_location(LOC).get_token()
    assert [r.form.get("user_type") for r in oauth.token_requests] == ["Company"]
    assert vault.saved[0].user_type == "Company"


async def test_agency_tokens_mint_once_per_location_and_again_when_rejected() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        code = oauth.authorize(user_type="Company", company_id="co-1")
        agency = await lc.exchange_code(
            pool,
            code,
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            on_refresh=vault.save,
            user_type="Company",
            clock=clock,
        )
        tokens = lc.AgencyTokens(pool, agency)
        one = pool.for_location("loc-1", token=tokens.for_location("loc-1"))
        two = pool.for_location("loc-2", token=tokens.for_location("loc-2"))
        await asyncio.gather(
            *(
                c.contacts.create(lc.ContactCreate(first_name="J"))
                for c in (one, two)
                for _ in range(20)
            )
        )
        assert oauth.stats.location_tokens == 2
        fake.tokens.pop(await tokens.for_location("loc-1").get_token())  # revoked server-side
        await asyncio.gather(*(one.contacts.create(lc.ContactCreate()) for _ in range(10)))
        assert oauth.stats.location_tokens == 3
        clock.now += oauth.access_token_ttl  # location and agency tokens both expire
        await two.contacts.create(lc.ContactCreate())
    assert oauth.stats.location_tokens == 4
    assert oauth.stats.refreshes == 1
    assert {c["locationId"] for c in fake.store.contacts.values()} == {"loc-1", "loc-2"}
    assert fake.stats.routes["POST /oauth/locationToken"] == 4


async def test_an_agency_token_on_a_location_route_is_a_scope_error() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        agency = agency_token(oauth, clock, vault)
        with pytest.raises(lc.ScopeError):
            await pool.for_location(LOC, token=agency).contacts.get("c1")
    assert oauth.stats.refreshes == 0
    assert fake.stats.requests == 1


async def test_a_location_the_app_is_not_installed_on_gets_no_token() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        code = oauth.authorize(user_type="Company", approved_locations=("loc-1",))
        agency = token_from(oauth.redeem(code), oauth, clock, vault, user_type="Company")
        tokens = lc.AgencyTokens(pool, agency, company_id="test-company")
        client = pool.for_location("loc-9", token=tokens.for_location("loc-9"))
        with pytest.raises(lc.AuthenticationError, match="no token for location 'loc-9'"):
            await client.contacts.get("c1")
    assert fake.stats.routes["GET /contacts/{contactId}"] == 0


async def test_no_token_or_secret_reaches_a_log_record_repr_or_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, vault = Clock(), Vault()
    caplog.set_level(logging.DEBUG)
    async with served(clock) as (fake, oauth, pool):
        token = await exchanged(pool, oauth, clock, vault)
        first = (token.access_token, token.refresh_token)
        client = pool.for_location(LOC, token=token)
        oauth.expire_access_tokens()
        await client.contacts.get(seeded(fake))
        oauth.refresh_tokens.clear()
        oauth.expire_access_tokens()
        with pytest.raises(lc.AuthenticationError) as refused:
            await client.contacts.get("c1")
        secrets = {*first, token.access_token, token.refresh_token, oauth.client_secret}
        shown = [repr(token), repr(vault.saved[0]), str(refused.value), repr(refused.value)]
    shown += [record.getMessage() for record in caplog.records]
    assert any("refreshed the OAuth access token" in line for line in shown)
    assert not [line for line in shown for secret in secrets if secret in line]


def test_an_oauth_client_refuses_plain_http_except_to_loopback() -> None:
    def token() -> lc.OAuthToken:
        return lc.OAuthToken(
            access_token="a",
            refresh_token="r",
            expires_at=START,
            client_id="c",
            client_secret="s",
            on_refresh=None,
        )

    with pytest.raises(lc.ConfigurationError, match="plain http"):
        lc.LeadConnector(token(), base_url="http://services.leadconnectorhq.com")
    with pytest.raises(lc.ConfigurationError, match="plain http"):
        lc.LeadConnector(None, base_url="http://10.0.0.1:8080")
    for url in ("http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"):
        assert lc.LeadConnector(token(), base_url=url).config.base_url == url


async def test_a_client_without_a_token_sends_nothing() -> None:
    async with FakeLeadConnector() as fake, lc.LeadConnector(None, base_url=fake.url) as pool:
        with pytest.raises(lc.ConfigurationError, match="for_location"):
            await pool.contacts.get("c1")
    assert fake.stats.requests == 0


async def test_a_token_no_client_uses_cannot_refresh() -> None:
    token = lc.OAuthToken(
        access_token="a",
        refresh_token="r",
        expires_at=START,
        client_id="c",
        client_secret="s",
        on_refresh=None,
    )
    with pytest.raises(lc.ConfigurationError, match="not used by any client"):
        await token.get_token()
