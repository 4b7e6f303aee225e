"""Every error the fake answers carries a ``traceId`` (the API returns one with every response,
reference brief section 1), so code that reports ``error.trace_id`` can be tested; the rest of
each body keeps the shape of reference brief section 5."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, FakeOAuth, FakeRateLimit, TokenInfo

Provoke = Callable[[FakeLeadConnector, lc.LeadConnector], Awaitable[object]]


async def duplicate(fake: FakeLeadConnector, client: lc.LeadConnector) -> object:
    await client.contacts.create(lc.ContactCreate(email="jane@example.com"))
    return await client.contacts.create(lc.ContactCreate(email="jane@example.com"))


async def unknown_id(fake: FakeLeadConnector, client: lc.LeadConnector) -> object:
    return await client.contacts.get("nope")


async def empty_note(fake: FakeLeadConnector, client: lc.LeadConnector) -> object:
    contact = await client.contacts.create(lc.ContactCreate(first_name="Jane"))
    return await client.contacts.notes.create(contact.id, lc.NoteCreate(body=""))


async def bad_token(fake: FakeLeadConnector, client: lc.LeadConnector) -> object:
    return await client.for_location(fake.location_id, token="wrong").contacts.get("c1")


async def missing_scope(fake: FakeLeadConnector, client: lc.LeadConnector) -> object:
    fake.tokens["read-only"] = TokenInfo(scopes=frozenset({"contacts.readonly"}))
    other = client.for_location(fake.location_id, token="read-only")
    return await other.contacts.create(lc.ContactCreate(first_name="Jane"))


async def over_the_limit(fake: FakeLeadConnector, client: lc.LeadConnector) -> object:
    contact_id = str(fake.store.create(fake.location_id, {"firstName": "Jane"})["id"])
    await client.contacts.get(contact_id)
    return await client.contacts.get(contact_id)


async def unavailable(fake: FakeLeadConnector, client: lc.LeadConnector) -> object:
    fake.force_fault("unavailable")
    return await client.contacts.get("c1")


async def unknown_refresh_token(fake: FakeLeadConnector, client: lc.LeadConnector) -> object:
    oauth = FakeOAuth.of(fake)
    token = lc.OAuthToken(
        access_token="expired",
        refresh_token="never-issued",
        expires_at=time.time() - 1,
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        on_refresh=None,
    )
    return await client.for_location(fake.location_id, token=token).contacts.get("c1")


# Each case: how to provoke it, the error raised, the answer's status, the body's keys besides
# statusCode and traceId, and the fake's options.
CASES: dict[str, tuple[Provoke, type[lc.LeadConnectorError], int, set[str], dict[str, Any]]] = {
    "duplicate 400": (duplicate, lc.DuplicateContactError, 400, {"message", "meta"}, {}),
    "not found 400": (unknown_id, lc.NotFoundError, 400, {"message"}, {}),
    "unknown id 404": (unknown_id, lc.NotFoundError, 404, {"message"}, {"not_found_status": 404}),
    "invalid 422": (empty_note, lc.UnprocessableEntityError, 422, {"message", "error"}, {}),
    "bad token 401": (bad_token, lc.AuthenticationError, 401, {"message", "error"}, {}),
    "scope 401": (missing_scope, lc.ScopeError, 401, {"message", "error"}, {}),
    "rate limit 429": (
        over_the_limit,
        lc.RateLimitError,
        429,
        {"message"},
        {"rate_limit": FakeRateLimit(max_requests=1, period=3600)},
    ),
    "outage 503": (unavailable, lc.ServerError, 503, {"message"}, {}),
    "refused refresh 400": (
        unknown_refresh_token,
        lc.AuthenticationError,
        400,
        {"error", "error_description"},
        {},
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_every_error_body_carries_a_trace_id_the_error_reports(case: Any) -> None:
    provoke, error_type, status, keys, options = case
    async with (
        FakeLeadConnector(record=True, **options) as fake,
        lc.LeadConnector(
            fake.token,
            location_id=fake.location_id,
            base_url=fake.url,
            rate_limit=None,
            max_retries=0,
        ) as client,
    ):
        with pytest.raises(error_type) as caught:
            await provoke(fake, client)
    answered = fake.stats.exchanges[-1]
    assert answered.status == status
    body = dict(answered.response_body)
    trace_id = body.pop("traceId")
    assert trace_id
    assert caught.value.trace_id == trace_id
    if answered.route.startswith("/oauth/"):  # OAuth errors: {error, error_description}
        assert set(body) == keys
    else:
        assert set(body) == {"statusCode", *keys}
        assert body["statusCode"] == status
