"""Token answers that are odd but usable: no lifetime left, or no access token at all."""

from __future__ import annotations

from typing import Any

import pytest

import leadconnector_async as lc
from tests.client.test_oauth import (
    LOC,
    Clock,
    Edit,
    Vault,
    agency_token,
    contact_requests,
    editing,
    exchanged,
    installed,
    seeded,
    served,
    setting,
    token_from,
)


def without_access(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "access_token"}


NO_ACCESS_TOKEN: dict[str, Edit] = {
    "missing": without_access,
    "null": setting(access_token=None),
    "empty": setting(access_token=""),
}


@pytest.mark.parametrize("expires_in", [0, -3600])
async def test_a_refresh_answer_with_no_lifetime_left_does_not_refresh_every_request(
    expires_in: int,
) -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth)
        oauth.edit_answer = editing("refresh_token", setting(expires_in=expires_in))
        token = token_from(body, oauth, clock, vault)
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        clock.now += body["expires_in"]
        for _ in range(3):
            await client.contacts.get(contact_id)
        assert oauth.stats.refreshes == 1  # was one per request, each spending a refresh token
        oauth.expire_access_tokens()  # used until the server rejects it, then refreshed once
        await client.contacts.get(contact_id)
    assert oauth.stats.refreshes == 2
    assert fake.stats.statuses[401] == 1
    assert [saved.expires_at for saved in vault.saved] == [None, None]
    assert token.refresh_token == vault.saved[-1].refresh_token
    assert token.refresh_token in oauth.refresh_tokens


async def test_a_code_answer_with_no_lifetime_left_is_not_refreshed_before_use() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        oauth.edit_answer = editing("authorization_code", setting(expires_in=0))
        token = await exchanged(pool, oauth, clock, vault)
        await pool.for_location(LOC, token=token).contacts.get(seeded(fake))
    assert token.expires_at is None
    assert oauth.stats.refreshes == 0


async def test_a_location_token_with_no_lifetime_left_is_not_minted_for_every_request() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        oauth.edit_answer = editing("location_token", setting(expires_in=0))
        agency = agency_token(oauth, clock, vault)
        client = pool.for_location(
            LOC, token=lc.AgencyTokens(pool, agency, company_id="test-company").for_location(LOC)
        )
        contact_id = seeded(fake)
        for _ in range(3):
            await client.contacts.get(contact_id)
    assert oauth.stats.location_tokens == 1


@pytest.mark.parametrize("strip", list(NO_ACCESS_TOKEN.values()), ids=list(NO_ACCESS_TOKEN))
async def test_a_refresh_answer_without_an_access_token_still_saves_its_refresh_token(
    strip: Edit,
) -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth)
        oauth.edit_answer = editing("refresh_token", strip)
        token = token_from(body, oauth, clock, vault)
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        clock.now += body["expires_in"]
        with pytest.raises(lc.AuthenticationError, match="held no access token"):
            await client.contacts.get(contact_id)
        [saved] = vault.saved  # the only copy of the rotated refresh token reached on_refresh
        assert saved.refresh_token in oauth.refresh_tokens
        oauth.edit_answer = None
        found = await client.contacts.get(contact_id)
    assert found.id == contact_id
    assert (oauth.stats.refreshes, oauth.stats.refused) == (2, 0)
    assert token.refresh_token == vault.saved[-1].refresh_token


async def test_a_code_answer_without_an_access_token_keeps_the_grant() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        oauth.edit_answer = editing("authorization_code", without_access)
        token = await exchanged(pool, oauth, clock, vault)
        assert token.refresh_token in oauth.refresh_tokens  # the code is spent: the only copy
        oauth.edit_answer = None
        found = await pool.for_location(LOC, token=token).contacts.get(seeded(fake))
    assert found.id
    assert oauth.stats.refreshes == 1  # refreshed before its first use
    assert token.access_token == vault.saved[-1].access_token


@pytest.mark.parametrize("strip", list(NO_ACCESS_TOKEN.values()), ids=list(NO_ACCESS_TOKEN))
async def test_a_location_token_answer_without_an_access_token_is_one_clear_error(
    strip: Edit,
) -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        oauth.edit_answer = editing("location_token", strip)
        agency = agency_token(oauth, clock, vault)
        tokens = lc.AgencyTokens(pool, agency, company_id="test-company")
        client = pool.for_location(LOC, token=tokens.for_location(LOC))
        contact_id = seeded(fake)
        with pytest.raises(lc.AuthenticationError, match="held no access token"):
            await client.contacts.get(contact_id)
        assert fake.stats.statuses[401] == 0  # no request went out with an empty token
        oauth.edit_answer = None
        found = await client.contacts.get(contact_id)
    assert found.id == contact_id
    assert oauth.stats.location_tokens == 2


# How an answer without a refresh token says so; the fake issued none (none works).
NO_REFRESH_TOKEN: dict[str, Edit] = {
    "missing": lambda answer: answer,
    "null": setting(refresh_token=None),
    "empty": setting(refresh_token=""),
}


@pytest.mark.parametrize("blank", list(NO_REFRESH_TOKEN.values()), ids=list(NO_REFRESH_TOKEN))
async def test_a_refresh_answer_without_a_refresh_token_keeps_the_old_one(blank: Edit) -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth)
        # A server that does not rotate refresh tokens (RFC 6749 section 6).
        oauth.issue_refresh_tokens = oauth.rotate_refresh_tokens = False
        oauth.edit_answer = editing("refresh_token", blank)
        token = token_from(body, oauth, clock, vault)
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        for _ in range(2):  # the second refresh sends the kept refresh token again
            clock.now += body["expires_in"]
            found = await client.contacts.get(contact_id)
            assert found.id == contact_id
            assert token.access_token == vault.saved[-1].access_token  # the new access token
    assert (oauth.stats.refreshes, oauth.stats.refused) == (2, 0)
    assert [saved.refresh_token for saved in vault.saved] == [body["refresh_token"]] * 2
    assert token.refresh_token == body["refresh_token"]
    sent = [r.form["refresh_token"] for r in oauth.token_requests]
    assert sent == [body["refresh_token"]] * 2
    assert fake.stats.statuses[401] == 0


@pytest.mark.parametrize("expiry", ["clock", "rejected"])
async def test_a_code_answer_without_a_refresh_token_works_until_it_expires(expiry: str) -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        oauth.issue_refresh_tokens = False
        token = await exchanged(pool, oauth, clock, vault)
        assert token.refresh_token == ""
        assert "refresh_token=<unset>" in repr(token)
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        assert (await client.contacts.get(contact_id)).id == contact_id
        if expiry == "clock":
            clock.now += oauth.access_token_ttl
        else:
            oauth.expire_access_tokens()
        with pytest.raises(lc.AuthenticationError, match="no refresh token") as raised:
            await client.contacts.get(contact_id)
        assert token.access_token not in str(raised.value)
    assert oauth.stats.refreshes == 0  # nothing sent to the token endpoint
    assert contact_requests(fake) == (1 if expiry == "clock" else 2)
    assert vault.saved == []


async def test_a_saved_token_without_a_refresh_token_can_be_rebuilt() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        oauth.issue_refresh_tokens = False
        issued = await exchanged(pool, oauth, clock, vault)
        # What an app saved of it, loaded again in another process.
        token = lc.OAuthToken(
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            expires_at=issued.expires_at,
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            on_refresh=vault.save,
            location_id=LOC,
            clock=clock,
        )
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        assert (await client.contacts.get(contact_id)).id == contact_id
        clock.now += oauth.access_token_ttl
        with pytest.raises(lc.AuthenticationError, match="no refresh token"):
            await client.contacts.get(contact_id)
    assert oauth.stats.refreshes == 0
    assert contact_requests(fake) == 1


@pytest.mark.parametrize("blank", [" ", "\t"])
def test_a_blank_refresh_token_is_refused(blank: str) -> None:
    with pytest.raises(lc.ConfigurationError, match="refresh_token"):
        lc.OAuthToken(
            access_token="a",
            refresh_token=blank,
            expires_at=None,
            client_id="id",
            client_secret="secret",
            on_refresh=None,
        )
