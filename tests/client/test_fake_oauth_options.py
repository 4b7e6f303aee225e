"""The fake OAuth server's options for odd answers, seen over HTTP as a client would see them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from leadconnector_async.testing import FakeLeadConnector, FakeOAuth, TokenAnswerKind

Refresh = Callable[[], Awaitable[dict[str, Any]]]


@asynccontextmanager
async def installed() -> AsyncIterator[tuple[FakeOAuth, str, Refresh]]:
    """The fake's OAuth server, a location grant's refresh token, and a refresh that sends it."""
    async with FakeLeadConnector() as fake, aiohttp.ClientSession() as http:
        oauth = FakeOAuth.of(fake)
        used = oauth.redeem(oauth.authorize(location_id="loc-1"))["refresh_token"]
        form = {
            "client_id": oauth.client_id,
            "client_secret": oauth.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": used,
            "user_type": "Location",
        }

        async def refresh() -> dict[str, Any]:
            async with http.post(f"{fake.url}/oauth/token", data=form) as response:
                assert response.status == 200, await response.text()
                answer: dict[str, Any] = await response.json()
                return answer

        yield oauth, used, refresh


async def test_a_refresh_repeated_within_the_window_gets_the_edited_answer_again() -> None:
    edited: list[TokenAnswerKind] = []

    def no_lifetime(kind: TokenAnswerKind, answer: dict[str, Any]) -> dict[str, Any]:
        edited.append(kind)
        return {**answer, "expires_in": 0}

    async with installed() as (oauth, _, refresh):
        oauth.edit_answer = no_lifetime
        first, again = [await refresh() for _ in range(2)]
    assert first["expires_in"] == 0
    assert again == first
    assert edited == ["refresh_token"]
    assert oauth.stats.repeated_refreshes == 1


async def test_without_rotation_a_used_refresh_token_keeps_getting_new_pairs() -> None:
    async with installed() as (oauth, used, refresh):
        oauth.rotate_refresh_tokens = False
        first, second = [await refresh() for _ in range(2)]
    assert first["access_token"] != second["access_token"]
    assert set(oauth.refresh_tokens) == {used, first["refresh_token"], second["refresh_token"]}
    assert oauth.stats.repeated_refreshes == 0


async def test_without_refresh_tokens_an_answer_has_none_and_none_is_registered() -> None:
    async with installed() as (oauth, _, refresh):
        oauth.issue_refresh_tokens = False
        answer = await refresh()
    assert "refresh_token" not in answer
    assert answer["access_token"] in oauth.fake.tokens
    assert oauth.refresh_tokens == {}
