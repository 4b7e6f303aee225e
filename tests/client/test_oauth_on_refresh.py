"""What on_refresh may do: call the API for its own location, be a plain function, and always
get the new pair, whatever else the refresh answer holds."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import leadconnector_async as lc
from tests.client.test_oauth import (
    LOC,
    Clock,
    Vault,
    editing,
    installed,
    seeded,
    served,
    setting,
    token_from,
)


async def test_on_refresh_may_call_the_api_for_the_same_location() -> None:
    clock, vault = Clock(), Vault()
    limit = lc.RateLimit(max_requests=4, period=10.0, daily=None)
    async with served(clock, rate_limit=limit) as (fake, oauth, pool):
        body = installed(oauth)
        contact_id = seeded(fake)
        looked_up: list[str] = []

        async def save_and_look_up(new: lc.OAuthToken) -> None:
            await vault.save(new)
            looked_up.append((await client.contacts.get(contact_id)).id)

        token = lc.OAuthToken(
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            expires_at=clock() + body["expires_in"],
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            on_refresh=save_and_look_up,
            clock=clock,
        )
        client = pool.for_location(LOC, token=token)
        clock.now += body["expires_in"]
        async with asyncio.timeout(10):  # deadlocked before: on_refresh waited for itself
            found = await asyncio.gather(*(client.contacts.get(contact_id) for _ in range(3)))
    assert [c.id for c in found] == [contact_id] * 3
    assert looked_up == [contact_id]
    assert oauth.stats.refreshes == 1
    assert fake.stats.statuses[401] == 0
    [saved] = vault.saved
    assert token.access_token == saved.access_token


async def test_a_plain_function_as_on_refresh_is_called_and_the_token_works() -> None:
    clock = Clock()
    saved: list[lc.OAuthToken] = []
    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth)
        token = lc.OAuthToken(
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            expires_at=clock() + body["expires_in"],
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            on_refresh=saved.append,
            clock=clock,
        )
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        clock.now += body["expires_in"]
        await client.contacts.get(contact_id)
    assert [s.refresh_token for s in saved] == [token.refresh_token]
    assert oauth.stats.refreshes == 1


async def test_an_unexpected_user_type_in_the_answer_still_reaches_on_refresh() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth)
        # A value the client does not know.
        oauth.edit_answer = editing("refresh_token", setting(userType="Sub-Account"))
        token = token_from(body, oauth, clock, vault)
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        for _ in range(2):  # two refreshes: the second must send the grant's own user type
            clock.now += body["expires_in"]
            await client.contacts.get(contact_id)
    assert len(vault.saved) == 2  # the single-use refresh token's successor was never lost
    assert vault.saved[-1].refresh_token in oauth.refresh_tokens
    assert token.user_type == "Location"
    assert oauth.stats.refused == 0


@pytest.mark.parametrize(
    "odd",
    [
        {"expires_in": "86399"},  # a number sent as a string
        {"scope": ["contacts.readonly", "contacts.write"]},  # a list where a string is declared
        {"userId": 42, "companyId": None},  # a number where a string is declared
    ],
    ids=["string-expiry", "scope-list", "numeric-user"],
)
async def test_an_odd_field_in_the_refresh_answer_never_costs_the_new_pair(
    odd: dict[str, Any],
) -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        body = installed(oauth)
        oauth.edit_answer = editing("refresh_token", setting(**odd))
        token = token_from(body, oauth, clock, vault)
        client = pool.for_location(LOC, token=token)
        contact_id = seeded(fake)
        for _ in range(2):  # the second refresh must use the refresh token the first one got
            clock.now += body["expires_in"]
            found = await client.contacts.get(contact_id)
    assert found.id == contact_id
    assert oauth.stats.refreshes == 2
    assert oauth.stats.refused == 0
    assert len(vault.saved) == 2
    assert vault.saved[-1].refresh_token in oauth.refresh_tokens
    assert token.refresh_token == vault.saved[-1].refresh_token
