"""Bulk tag updates and business links against the fake server: per-contact results and store."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, TokenInfo


def _contact(fake: FakeLeadConnector, location: str | None = None, **fields: Any) -> str:
    return str(fake.store.create(location or fake.location_id, fields)["id"])


def _client(fake: FakeLeadConnector, token: str | None = None) -> lc.LeadConnector:
    return lc.LeadConnector(
        token or fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
    )


async def test_bulk_tag_add_reports_each_contact_and_stores_the_tags() -> None:
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        a, b = _contact(fake, tags=["x"]), _contact(fake)
        elsewhere = _contact(fake, "other-location")
        result = await client.contacts.bulk_tags.add([a, b, "missing", elsewhere], ["x", "y"])
    assert isinstance(result, lc.BulkTagsResult)
    assert (result.ok, result.error_count) == (True, 2)
    ok_a, ok_b = result.responses[:2]
    assert isinstance(ok_a, lc.BulkTagsEntry)
    assert isinstance(ok_b, lc.BulkTagsEntry)
    assert (ok_a.contact_id, ok_a.type, ok_a.old_tags, ok_a.tags_added) == (
        a,
        "success",
        ["x"],
        ["y"],
    )
    assert (ok_b.old_tags, ok_b.tags_added) == ([], ["x", "y"])
    assert [(e.contact_id, e.message) for e in result.errors] == [
        ("missing", "contact not found"),
        (elsewhere, "contact does not belong to location"),
    ]
    assert fake.store.contacts[a]["tags"] == ["x", "y"]
    assert fake.store.contacts[elsewhere]["tags"] == []
    [exchange] = fake.stats.exchanges
    assert exchange.route == "/contacts/bulk/tags/update/{type}"
    assert exchange.request_body == {
        "contacts": [a, b, "missing", elsewhere],
        "tags": ["x", "y"],
        "locationId": fake.location_id,
    }


async def test_bulk_tag_remove_and_remove_all() -> None:
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        a, b = _contact(fake, tags=["x", "y", "z"]), _contact(fake, tags=["y"])
        some = await client.contacts.bulk_tags.remove([a, b], ["y"])
        every = await client.contacts.bulk_tags.remove([a], [], remove_all=True)
    assert [e.tags_removed for e in some.responses if isinstance(e, lc.BulkTagsEntry)] == [
        ["y"],
        ["y"],
    ]
    [entry] = every.responses
    assert isinstance(entry, lc.BulkTagsEntry)
    assert (entry.old_tags, entry.tags_removed) == (["x", "z"], ["x", "z"])
    assert (fake.store.contacts[a]["tags"], fake.store.contacts[b]["tags"]) == ([], [])
    bodies = [e.request_body for e in fake.stats.exchanges]
    assert bodies[0]["removeAllTags"] is False
    assert bodies[1] == {
        "contacts": [a],
        "tags": [],
        "locationId": fake.location_id,
        "removeAllTags": True,
    }


def test_bulk_tags_accept_string_responses_as_the_spec_types_them() -> None:
    body = b'{"succeeded": true, "errorCount": 0, "responses": ["done"]}'
    result = msgspec.json.decode(body, type=lc.BulkTagsResult)
    assert (result.ok, result.responses, result.errors) == (True, ["done"], [])


async def test_bulk_business_links_and_unlinks() -> None:
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        a, b, elsewhere = _contact(fake), _contact(fake), _contact(fake, "other-location")
        linked = await client.contacts.bulk_business([a, b, elsewhere], "biz-1")
        assert (fake.store.contacts[a]["businessId"], fake.store.contacts[b]["businessId"]) == (
            "biz-1",
            "biz-1",
        )
        unlinked = await client.contacts.bulk_business([a], None)
        fetched = await client.contacts.get(a)
    assert (linked.success, linked.ids) == (True, [a, b])
    assert unlinked.ids == [a]
    assert "businessId" not in fake.store.contacts[a]
    assert "businessId" not in fake.store.contacts[elsewhere]
    assert fetched.business_id is None
    assert fake.stats.exchanges[1].request_body == {
        "locationId": fake.location_id,
        "ids": [a],
        "businessId": None,
    }


async def test_bulk_business_takes_at_most_fifty_ids(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    ids = [_contact(fake_leadconnector) for _ in range(51)]
    with pytest.raises(lc.ConfigurationError, match="51 items; at most 50"):
        await leadconnector_client.contacts.bulk_business(ids, "biz-1")
    assert fake_leadconnector.stats.requests == 0
    result = await leadconnector_client.contacts.bulk_business(ids[:50], "biz-1")
    assert len(result.ids) == 50


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.contacts.bulk_business([], "biz"),
        lambda c: c.contacts.bulk_business(["a"], ""),
        lambda c: c.contacts.bulk_tags.add("abc", ["t"]),
        lambda c: c.contacts.bulk_tags.add(["a"], []),
        lambda c: c.contacts.bulk_tags.remove(["a"], []),
    ],
)
async def test_bad_bulk_arguments_are_refused_before_sending(
    call: Any, fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    with pytest.raises(lc.ConfigurationError):
        await call(leadconnector_client)
    assert fake_leadconnector.stats.requests == 0


async def test_bulk_ops_need_a_location(fake_leadconnector: FakeLeadConnector) -> None:
    async with lc.LeadConnector(fake_leadconnector.token, base_url=fake_leadconnector.url) as c:
        with pytest.raises(lc.ConfigurationError, match="location"):
            await c.contacts.bulk_tags.add(["a"], ["t"])
        result = await c.contacts.bulk_business(["a"], "biz", location_id="loc-2")
    assert result.ids == []
    assert fake_leadconnector.stats.requests == 1


async def test_bulk_ops_send_the_bearer_token_and_need_write_scope() -> None:
    tokens = {"rw": TokenInfo(), "ro": TokenInfo(scopes=frozenset({"contacts.readonly"}))}
    async with FakeLeadConnector(tokens=tokens) as fake:
        cid = _contact(fake)
        async with _client(fake, "ro") as read_only, _client(fake, "rw") as writer:
            with pytest.raises(lc.ScopeError):
                await read_only.contacts.bulk_tags.add([cid], ["t"])
            with pytest.raises(lc.ScopeError):
                await read_only.contacts.bulk_business([cid], "biz")
            assert (await writer.contacts.bulk_tags.add([cid], ["t"])).error_count == 0
    assert fake.store.contacts[cid]["tags"] == ["t"]


async def test_the_fake_refuses_bad_bulk_bodies(
    leadconnector_client: lc.LeadConnector,
) -> None:
    send = leadconnector_client.send
    with pytest.raises(lc.UnprocessableEntityError) as caught:
        await send(lc.Call("POST", "/contacts/bulk/business", body={"locationId": "l", "ids": []}))
    assert caught.value.messages == ["businessId must be a string or null"]
    body = {"contacts": [], "tags": [], "locationId": "l", "removeAllTags": True}
    with pytest.raises(lc.UnprocessableEntityError) as caught:
        await send(lc.Call("POST", "/contacts/bulk/tags/update/add", body=body))
    assert caught.value.messages == ["removeAllTags can only be used with the remove type"]
    with pytest.raises(lc.UnprocessableEntityError, match="add, remove"):
        await send(
            lc.Call(
                "POST", "/contacts/bulk/tags/update/swap", body={**body, "removeAllTags": False}
            )
        )
