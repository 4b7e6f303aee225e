"""A refresh token sent again within the window gets the same answer (reference brief section 6:
"calls within a 30-second window that use the same client_id + client_secret + refresh_token get
the same result"), as when two processes holding the same saved pair refresh at once."""

from __future__ import annotations

import pytest

import leadconnector_async as lc
from tests.client.test_oauth import Clock, Vault, installed, seeded, served, token_from

LOC = "loc-1"
WINDOWS = {"default 30 s": None, "configured 2 s": 2.0}


@pytest.mark.parametrize("window", list(WINDOWS.values()), ids=list(WINDOWS))
async def test_two_copies_of_a_pair_refreshing_within_the_window_get_the_same_new_pair(
    window: float | None,
) -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        if window is not None:
            oauth.refresh_reuse_window = window
        body = installed(oauth)
        first, second = (token_from(body, oauth, clock, vault) for _ in range(2))
        contact_id = seeded(fake)
        clock.now += body["expires_in"]
        await pool.for_location(LOC, token=first).contacts.get(contact_id)
        clock.now += oauth.refresh_reuse_window - 0.1
        found = await pool.for_location(LOC, token=second).contacts.get(contact_id)
    assert found.id == contact_id
    assert (second.access_token, second.refresh_token) == (first.access_token, first.refresh_token)
    assert first.refresh_token != body["refresh_token"]
    assert [saved.refresh_token for saved in vault.saved] == [first.refresh_token] * 2
    assert [r.form["refresh_token"] for r in oauth.token_requests] == [body["refresh_token"]] * 2
    assert (oauth.stats.refreshes, oauth.stats.repeated_refreshes, oauth.stats.refused) == (2, 1, 0)
    assert list(oauth.refresh_tokens) == [first.refresh_token]  # one new pair, not two
    assert fake.stats.statuses[401] == 0


@pytest.mark.parametrize("window", list(WINDOWS.values()), ids=list(WINDOWS))
async def test_a_used_refresh_token_is_refused_once_the_window_has_passed(
    window: float | None,
) -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        if window is not None:
            oauth.refresh_reuse_window = window
        body = installed(oauth)
        first, second = (token_from(body, oauth, clock, vault) for _ in range(2))
        contact_id = seeded(fake)
        clock.now += body["expires_in"]
        await pool.for_location(LOC, token=first).contacts.get(contact_id)
        clock.now += oauth.refresh_reuse_window
        with pytest.raises(lc.AuthenticationError, match="refresh token rejected: invalid_grant"):
            await pool.for_location(LOC, token=second).contacts.get(contact_id)
    assert second.refresh_token == body["refresh_token"]
    assert [saved.refresh_token for saved in vault.saved] == [first.refresh_token]
    assert (oauth.stats.refreshes, oauth.stats.repeated_refreshes, oauth.stats.refused) == (2, 0, 1)
    assert oauth.used_refresh_tokens == {}  # forgotten once the window passed


async def test_a_used_refresh_token_sent_by_another_app_is_refused_within_the_window() -> None:
    clock, vault = Clock(), Vault()
    async with served(clock) as (fake, oauth, pool):
        oauth.apps["other-app"] = "other-secret"
        body = installed(oauth)
        first = token_from(body, oauth, clock, vault)
        other = lc.OAuthToken(
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            expires_at=clock() + body["expires_in"],
            client_id="other-app",
            client_secret="other-secret",
            on_refresh=vault.save,
            clock=clock,
        )
        contact_id = seeded(fake)
        clock.now += body["expires_in"]
        await pool.for_location(LOC, token=first).contacts.get(contact_id)
        with pytest.raises(lc.AuthenticationError, match="refresh token rejected: invalid_grant"):
            await pool.for_location(LOC, token=other).contacts.get(contact_id)
    assert [r.form["client_id"] for r in oauth.token_requests] == [oauth.client_id, "other-app"]
    assert (oauth.stats.repeated_refreshes, oauth.stats.refused) == (0, 1)
