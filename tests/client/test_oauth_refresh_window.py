"""A refresh token sent again within the window gets the same answer (reference brief section 6:
"calls within a 30-second window that use the same client_id + client_secret + refresh_token get
the same result"), as when two processes holding the same saved pair refresh at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, FakeOAuth
from tests.client.test_oauth import LOC, Clock, Vault, installed, seeded, served, token_from

WINDOWS = {"default 30 s": None, "configured 2 s": 2.0}


@dataclass
class TwoRefreshes:
    """Two copies of one saved pair (two processes) refreshing one after the other."""

    fake: FakeLeadConnector
    oauth: FakeOAuth
    vault: Vault
    held: dict[str, Any]  # the answer whose pair both copies held
    first: lc.OAuthToken
    second: lc.OAuthToken
    refused: lc.AuthenticationError | None  # what the second copy's call raised


async def refresh_twice(window: float | None, *, inside: bool) -> TwoRefreshes:
    """The second copy refreshes just ``inside`` the window after the first, or as it ends."""
    clock, vault = Clock(), Vault()
    refused = None
    async with served(clock) as (fake, oauth, pool):
        if window is not None:
            oauth.refresh_reuse_window = window
        held = installed(oauth)
        first, second = (token_from(held, oauth, clock, vault) for _ in range(2))
        contact_id = seeded(fake)
        clock.now += held["expires_in"]
        await pool.for_location(LOC, token=first).contacts.get(contact_id)
        clock.now += oauth.refresh_reuse_window - (0.1 if inside else 0)
        try:
            found = await pool.for_location(LOC, token=second).contacts.get(contact_id)
            assert found.id == contact_id
        except lc.AuthenticationError as error:
            refused = error
    return TwoRefreshes(fake, oauth, vault, held, first, second, refused)


@pytest.mark.parametrize("window", list(WINDOWS.values()), ids=list(WINDOWS))
async def test_two_copies_of_a_pair_refreshing_within_the_window_get_the_same_new_pair(
    window: float | None,
) -> None:
    done = await refresh_twice(window, inside=True)
    first, second, oauth = done.first, done.second, done.oauth
    assert done.refused is None
    assert (second.access_token, second.refresh_token) == (first.access_token, first.refresh_token)
    assert first.refresh_token != done.held["refresh_token"]
    assert [saved.refresh_token for saved in done.vault.saved] == [first.refresh_token] * 2
    sent = [r.form["refresh_token"] for r in oauth.token_requests]
    assert sent == [done.held["refresh_token"]] * 2
    assert (oauth.stats.refreshes, oauth.stats.repeated_refreshes, oauth.stats.refused) == (2, 1, 0)
    assert list(oauth.refresh_tokens) == [first.refresh_token]  # one new pair, not two
    assert done.fake.stats.statuses[401] == 0


@pytest.mark.parametrize("window", list(WINDOWS.values()), ids=list(WINDOWS))
async def test_a_used_refresh_token_is_refused_once_the_window_has_passed(
    window: float | None,
) -> None:
    done = await refresh_twice(window, inside=False)
    oauth = done.oauth
    assert done.refused is not None
    assert str(done.refused).startswith("refresh token rejected: invalid_grant")
    assert done.second.refresh_token == done.held["refresh_token"]
    assert [saved.refresh_token for saved in done.vault.saved] == [done.first.refresh_token]
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
