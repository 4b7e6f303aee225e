"""Tags, followers, campaigns, workflows and appointments of a contact, over loopback."""

from __future__ import annotations

from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, TokenInfo

from ._capture import capture_server

FAST_RETRY = lc.RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.001)


def _contact(fake: FakeLeadConnector, **fields: Any) -> str:
    return str(fake.store.create(fake.location_id, {"firstName": "Bo", **fields})["id"])


def _client(fake: FakeLeadConnector, **options: Any) -> lc.LeadConnector:
    return lc.LeadConnector(
        fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None, **options
    )


async def test_tags_add_and_remove_leave_other_tags_alone() -> None:
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        cid = _contact(fake, tags=["old"])
        assert await client.contacts.tags.add(cid, ("vip", "old", "vip")) == ["old", "vip"]
        assert await client.contacts.tags.remove(cid, ["old", "never-had"]) == ["vip"]
    assert fake.store.contacts[cid]["tags"] == ["vip"]
    add, remove = fake.stats.exchanges
    assert (add.method, add.request_body, add.status) == (
        "POST",
        {"tags": ["vip", "old", "vip"]},
        201,
    )
    assert (remove.method, remove.request_body) == ("DELETE", {"tags": ["old", "never-had"]})


async def test_followers_add_and_remove_report_what_changed() -> None:
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        cid = _contact(fake)
        added = await client.contacts.followers.add(cid, ["u1", "u2"])
        again = await client.contacts.followers.add(cid, ["u2", "u3"])
        removed = await client.contacts.followers.remove(cid, ["u1"])
    assert (added.followers, added.followers_added) == (["u1", "u2"], ["u1", "u2"])
    assert again.followers_added == ["u3"]
    assert (removed.followers, removed.followers_removed) == (["u2", "u3"], ["u1"])
    assert fake.store.contacts[cid]["followers"] == ["u2", "u3"]
    assert fake.stats.exchanges[-1].request_body == {"followers": ["u1"]}


@pytest.mark.parametrize("bad", ["vip", [], ["ok", ""], [None]])
async def test_bad_tag_lists_are_refused_before_sending(
    bad: Any, fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    with pytest.raises(lc.ConfigurationError, match="tags"):
        await leadconnector_client.contacts.tags.add("c1", bad)
    with pytest.raises(lc.ConfigurationError, match="followers"):
        await leadconnector_client.contacts.followers.remove("c1", bad)
    assert fake_leadconnector.stats.requests == 0


async def test_campaigns_add_remove_and_remove_all() -> None:
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        campaigns, cid = client.contacts.campaigns, _contact(fake)
        assert await campaigns.add(cid, "camp-1") is None  # type: ignore[func-returns-value]
        await campaigns.add(cid, "camp/2")
        assert fake.related.campaigns[cid] == {"camp-1", "camp/2"}
        await campaigns.remove(cid, "camp-1")
        assert fake.related.campaigns[cid] == {"camp/2"}
        await campaigns.remove_all(cid)
    assert cid not in fake.related.campaigns
    assert [(e.method, e.route, e.request_body, e.status) for e in fake.stats.exchanges] == [
        ("POST", "/contacts/{contactId}/campaigns/{campaignId}", {}, 201),
        ("POST", "/contacts/{contactId}/campaigns/{campaignId}", {}, 201),
        ("DELETE", "/contacts/{contactId}/campaigns/{campaignId}", None, 200),
        ("DELETE", "/contacts/{contactId}/campaigns/removeAll", None, 200),
    ]


async def test_workflows_carry_the_event_start_time_also_on_delete() -> None:
    when = "2030-06-23T03:30:00+01:00"
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        workflows, cid = client.contacts.workflows, _contact(fake)
        await workflows.add(cid, "wf-1", event_start_time=when)
        await workflows.add(cid, "wf-2")
        assert fake.related.workflows[cid] == {"wf-1": when, "wf-2": None}
        await workflows.remove(cid, "wf-1", event_start_time=when)
    assert fake.related.workflows[cid] == {"wf-2": None}
    sent = [(e.method, e.request_body, e.status) for e in fake.stats.exchanges]
    assert sent == [
        ("POST", {"eventStartTime": when}, 200),
        ("POST", {}, 200),
        ("DELETE", {"eventStartTime": when}, 200),
    ]


async def test_set_changes_are_retried_but_a_workflow_enrolment_is_not() -> None:
    async with FakeLeadConnector() as fake, _client(fake, retry=FAST_RETRY) as client:
        cid = _contact(fake)
        fake.force_fault("reset_after")
        assert await client.contacts.tags.add(cid, ["a"]) == ["a"]
        fake.force_fault("reset_after")
        await client.contacts.campaigns.add(cid, "camp-1")
        fake.force_fault("reset_after")
        with pytest.raises(lc.TransportError) as caught:
            await client.contacts.workflows.add(cid, "wf-1")
    assert caught.value.outcome_unknown
    assert fake.related.workflows[cid] == {"wf-1": None}
    routes = fake.stats.routes
    assert routes["POST /contacts/{contactId}/tags"] == 2
    assert routes["POST /contacts/{contactId}/campaigns/{campaignId}"] == 2
    assert routes["POST /contacts/{contactId}/workflow/{workflowId}"] == 1


async def test_appointments_are_listed(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    cid = _contact(fake_leadconnector)
    assert await leadconnector_client.contacts.appointments(cid) == []
    seeded = fake_leadconnector.related.add_appointment(
        cid, calendarId="cal-1", startTime="2030-07-16 11:00:00", users=["u1"]
    )
    [appointment] = await leadconnector_client.contacts.appointments(cid)
    assert isinstance(appointment, lc.Appointment)
    assert (appointment.id, appointment.calendar_id, appointment.users) == (
        seeded["id"],
        "cal-1",
        ["u1"],
    )
    assert (appointment.contact_id, appointment.status) == (cid, "booked")


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.contacts.tags.remove("missing", ["a"]),
        lambda c: c.contacts.followers.add("missing", ["u1"]),
        lambda c: c.contacts.campaigns.remove_all("missing"),
        lambda c: c.contacts.workflows.remove("missing", "wf-1"),
        lambda c: c.contacts.appointments("missing"),
    ],
)
async def test_unknown_contact_is_not_found(
    call: Any, fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    with pytest.raises(lc.NotFoundError, match="Contact with id missing"):
        await call(leadconnector_client)
    assert fake_leadconnector.stats.statuses == {400: 1}


async def test_scope_is_enforced_per_operation() -> None:
    tokens = {"ro": TokenInfo(scopes=frozenset({"contacts.readonly"}))}
    async with FakeLeadConnector(tokens=tokens) as fake:
        cid = _contact(fake)
        async with lc.LeadConnector("ro", base_url=fake.url, rate_limit=None) as client:
            assert await client.contacts.appointments(cid) == []
            with pytest.raises(lc.ScopeError):
                await client.contacts.tags.add(cid, ["a"])
    assert fake.store.contacts[cid]["tags"] == []


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, b'{"succeeded": true}'), (200, b'{"succeded": false}'), (201, b"{}"), (204, b"")],
)
async def test_any_2xx_acknowledgement_is_success(status: int, body: bytes) -> None:
    async with (
        capture_server([(status, body)]) as seen,
        lc.LeadConnector("t", location_id="l", base_url=seen.url, rate_limit=None) as client,
    ):
        assert await client.contacts.campaigns.remove_all("c 1") is None  # type: ignore[func-returns-value]
        assert await client.contacts.notes.delete("c 1", "n/1") is None  # type: ignore[func-returns-value]
    assert seen.targets == [
        "/contacts/c%201/campaigns/removeAll",
        "/contacts/c%201/notes/n%2F1",
    ]
