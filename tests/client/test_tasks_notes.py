"""Tasks and notes of a contact against the fake server: results and what the server stored."""

from __future__ import annotations

from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector

FAST_RETRY = lc.RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.001)


def _contact(fake: FakeLeadConnector) -> str:
    return str(fake.store.create(fake.location_id, {"firstName": "Ann"})["id"])


async def test_task_lifecycle_is_stored_and_read_back(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    tasks, cid = leadconnector_client.contacts.tasks, _contact(fake_leadconnector)
    created = await tasks.create(cid, lc.TaskCreate(title="Call", due_date="2030-01-01T10:00:00Z"))
    stored = fake_leadconnector.related.tasks[cid][created.id]
    assert stored["completed"] is False, "completed is required, so it is always sent"
    assert (created.title, created.contact_id, created.completed) == ("Call", cid, False)
    assert [t.id for t in await tasks.list(cid)] == [created.id]
    updated = await tasks.update(cid, created.id, lc.TaskUpdate(body="Ask about renewal"))
    assert (updated.title, updated.body) == ("Call", "Ask about renewal")
    assert (await tasks.complete(cid, created.id)).completed is True
    assert stored["completed"] is True
    assert (await tasks.complete(cid, created.id, completed=False)).completed is False
    assert await tasks.delete(cid, created.id) is None
    assert fake_leadconnector.related.tasks[cid] == {}
    with pytest.raises(lc.NotFoundError, match="Task with id"):
        await tasks.get(cid, created.id)


async def test_note_lifecycle_is_stored_and_read_back(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    notes, cid = leadconnector_client.contacts.notes, _contact(fake_leadconnector)
    created = await notes.create(cid, lc.NoteCreate(body="Met at the fair", pinned=False))
    assert fake_leadconnector.related.notes[cid][created.id]["pinned"] is False
    assert (created.body, created.contact_id, created.date_added is not None) == (
        "Met at the fair",
        cid,
        True,
    )
    changed = await notes.update(cid, created.id, lc.NoteUpdate(title="Fair", color="#FFAA00"))
    assert (changed.body, changed.title, changed.color) == ("Met at the fair", "Fair", "#FFAA00")
    assert [(n.id, n.title) for n in await notes.list(cid)] == [(created.id, "Fair")]
    assert (await notes.get(cid, created.id)).color == "#FFAA00"
    await notes.delete(cid, created.id)
    assert await notes.list(cid) == []


async def test_only_set_fields_are_sent() -> None:
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        cid = _contact(fake)
        note = await client.contacts.notes.create(cid, lc.NoteCreate(body="x"))
        await client.contacts.notes.update(cid, note.id, lc.NoteUpdate(pinned=True))
        task = await client.contacts.tasks.create(
            cid, lc.TaskCreate(title="t", due_date="2030-01-01T00:00:00Z", assigned_to="u1")
        )
        await client.contacts.tasks.complete(cid, task.id)
    assert [e.request_body for e in fake.stats.exchanges] == [
        {"body": "x"},
        {"pinned": True},
        {"title": "t", "dueDate": "2030-01-01T00:00:00Z", "completed": False, "assignedTo": "u1"},
        {"completed": True},
    ]
    assert fake.stats.statuses == {201: 2, 200: 2}


@pytest.mark.parametrize("not_found_status", [400, 404])
@pytest.mark.parametrize(
    "call",
    [
        lambda c, cid: c.contacts.tasks.list(cid),
        lambda c, cid: c.contacts.notes.create(cid, lc.NoteCreate(body="x")),
        lambda c, cid: c.contacts.notes.get(cid, "n1"),
    ],
)
async def test_unknown_contact_is_not_found(not_found_status: int, call: Any) -> None:
    async with FakeLeadConnector(not_found_status=not_found_status) as fake, _client(fake) as c:
        with pytest.raises(lc.NotFoundError, match="Contact with id missing") as caught:
            await call(c, "missing")
    assert caught.value.status_code == not_found_status
    assert fake.related.notes == {}


async def test_unknown_record_is_not_found(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    cid = _contact(fake_leadconnector)
    with pytest.raises(lc.NotFoundError, match="Note with id nope not found"):
        await leadconnector_client.contacts.notes.update(cid, "nope", lc.NoteUpdate(body="x"))
    with pytest.raises(lc.NotFoundError, match="Task with id nope not found"):
        await leadconnector_client.contacts.tasks.complete(cid, "nope")


async def test_server_validation_is_a_422_with_every_message(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    cid = _contact(fake_leadconnector)
    bad: lc.Call[None] = lc.Call(
        "POST", f"/contacts/{cid}/tasks", body={"title": "x", "locationId": "l"}
    )
    with pytest.raises(lc.UnprocessableEntityError) as caught:
        await leadconnector_client.send(bad)
    assert caught.value.messages == [
        "property locationId should not exist",
        "completed should not be empty",
        "dueDate should not be empty",
    ]
    assert fake_leadconnector.related.tasks.get(cid, {}) == {}


async def test_empty_ids_are_refused_before_sending(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    with pytest.raises(lc.ConfigurationError, match="task_id"):
        await leadconnector_client.contacts.tasks.get("c1", " ")
    with pytest.raises(lc.ConfigurationError, match="contact_id"):
        await leadconnector_client.contacts.notes.list("")
    assert fake_leadconnector.stats.requests == 0


async def test_a_create_with_an_unknown_outcome_is_not_repeated_but_an_update_is() -> None:
    async with FakeLeadConnector() as fake, _client(fake, retry=FAST_RETRY) as client:
        cid = _contact(fake)
        fake.force_fault("reset_after")
        with pytest.raises(lc.TransportError) as caught:
            await client.contacts.notes.create(cid, lc.NoteCreate(body="once"))
        assert caught.value.outcome_unknown
        [note_id] = fake.related.notes[cid]
        fake.force_fault("reset_after")
        updated = await client.contacts.notes.update(cid, note_id, lc.NoteUpdate(body="again"))
    assert updated.body == "again"
    assert fake.stats.routes["POST /contacts/{contactId}/notes"] == 1
    assert fake.stats.routes["PUT /contacts/{contactId}/notes/{id}"] == 2


async def test_changes_are_published_as_webhook_events(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    async def record(event_type: str, payload: dict[str, Any]) -> None:
        seen.append((event_type, payload))

    fake_leadconnector.subscribe(record)
    cid = _contact(fake_leadconnector)
    tasks, notes = leadconnector_client.contacts.tasks, leadconnector_client.contacts.notes
    task = await tasks.create(cid, lc.TaskCreate(title="t", due_date="2030-01-01T00:00:00Z"))
    await tasks.complete(cid, task.id)
    note = await notes.create(cid, lc.NoteCreate(body="b"))
    await notes.update(cid, note.id, lc.NoteUpdate(body="c"))
    await notes.delete(cid, note.id)
    await fake_leadconnector.stop()
    assert [t for t, _ in seen] == [
        "TaskCreate",
        "TaskComplete",
        "NoteCreate",
        "NoteUpdate",
        "NoteDelete",
    ]
    assert {p["locationId"] for _, p in seen} == {fake_leadconnector.location_id}
    assert {p["contactId"] for _, p in seen} == {cid}


def _client(fake: FakeLeadConnector, **options: Any) -> lc.LeadConnector:
    return lc.LeadConnector(
        fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None, **options
    )
