"""Missing values (``None``, NaN) in write inputs, nested ones too, are never sent: what the
server saw and what it still stores. Infinity and misplaced ``CLEAR`` fail before sending."""

from __future__ import annotations

import math
from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector


def _client(fake: FakeLeadConnector) -> lc.LeadConnector:
    return lc.LeadConnector(
        fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
    )


def _jane(fake: FakeLeadConnector) -> dict[str, Any]:
    return fake.store.create(
        fake.location_id,
        {
            "email": "jane@x.com",
            "lastName": "Doe",
            "city": "Oslo",
            "customFields": [{"id": "plan", "field_value": "pro"}],
        },
    )


def _plan(stored: dict[str, Any]) -> object:
    return next(f.get("value") for f in stored["customFields"] if f["id"] == "plan")


async def test_none_inside_custom_fields_and_dnd_channels_is_not_sent() -> None:
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        stored = _jane(fake)
        result = await client.contacts.upsert(
            lc.ContactCreate(
                email="jane@x.com",
                last_name=None,
                custom_fields=[lc.CustomFieldInput(id="plan", field_value=None)],
                dnd_settings=lc.DndSettingsInput(
                    sms=lc.DndChannelInput(status="active", message=None)
                ),
            )
        )
        await client.contacts.update(
            stored["id"],
            lc.ContactUpdate(custom_fields=[lc.CustomFieldInput(id=None, key="contact.plan")]),  # type: ignore[arg-type]
        )
    sent = [e.request_body for e in fake.stats.exchanges]
    assert sent == [
        {
            "email": "jane@x.com",
            "dndSettings": {"SMS": {"status": "active"}},
            "locationId": fake.location_id,
        },
        {},
    ]
    assert (result.new, result.contact.last_name) == (False, "Doe")
    assert _plan(stored) == "pro"


async def test_none_in_task_and_note_bodies_is_not_sent() -> None:
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        cid = str(fake.store.create(fake.location_id, {"firstName": "Ann"})["id"])
        tasks, notes = client.contacts.tasks, client.contacts.notes
        task = await tasks.create(
            cid, lc.TaskCreate(title="Call", due_date="2030-01-01T10:00:00Z", body="Ask")
        )
        changed = await tasks.update(cid, task.id, lc.TaskUpdate(completed=True, body=None))
        note = await notes.create(cid, lc.NoteCreate(body="b", title="Fair"))
        renamed = await notes.update(cid, note.id, lc.NoteUpdate(body="c", title=None))
        await tasks.create(cid, lc.TaskCreate(title="t", due_date="2030-01-01", body=None))
    sent = [e.request_body for e in fake.stats.exchanges]
    assert sent[1] == {"completed": True}
    assert sent[3] == {"body": "c"}
    assert sent[4] == {"title": "t", "dueDate": "2030-01-01", "completed": False}
    assert (changed.body, renamed.title) == ("Ask", "Fair")


async def test_nan_from_an_empty_cell_is_not_sent() -> None:
    row: dict[str, Any] = {"email": "jane@x.com", "last_name": float("nan"), "city": math.nan}
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        stored = _jane(fake)
        result = await client.contacts.upsert(
            lc.ContactCreate(
                **row, custom_fields=[lc.CustomFieldInput(id="plan", field_value=math.nan)]
            )
        )
    assert fake.stats.exchanges[-1].request_body == {
        "email": "jane@x.com",
        "locationId": fake.location_id,
    }
    assert (result.contact.last_name, result.contact.city, _plan(stored)) == ("Doe", "Oslo", "pro")


@pytest.mark.parametrize(
    "build",
    [
        lambda: lc.ContactCreate(
            email="a@x.com", custom_fields=[lc.CustomFieldInput(id="plan", field_value=math.inf)]
        ),
        lambda: lc.CustomFieldInput(key="score", field_value=-math.inf),
        lambda: lc.TaskCreate(title=math.nan, due_date="2030-01-01"),  # type: ignore[arg-type]
    ],
)
def test_a_number_json_cannot_carry_is_refused_where_it_is_built(build: Any) -> None:
    with pytest.raises(lc.ConfigurationError, match="cannot be sent"):
        build()


def test_a_custom_field_needs_an_id_or_a_key() -> None:
    with pytest.raises(lc.ConfigurationError, match="needs an id or a key"):
        lc.CustomFieldInput(id=None, key=None, field_value="x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [{"key": lc.CLEAR, "id": "plan"}, {"id": lc.CLEAR}, {"id": lc.CLEAR, "key": "plan"}],
)
def test_clear_cannot_name_a_custom_field(fields: dict[str, Any]) -> None:
    # CLEAR was taken in id and key too, on create as well: it went out as "id": null.
    with pytest.raises(TypeError, match=r"CustomFieldInput\.(id|key): CLEAR clears"):
        lc.CustomFieldInput(**fields, field_value="gold")


async def test_clear_empties_a_custom_field_on_update_only() -> None:
    with pytest.raises(TypeError, match="CLEAR clears a field on update only"):
        lc.ContactCreate(
            email="jane@x.com",
            custom_fields=[lc.CustomFieldInput(id="plan", field_value=lc.CLEAR)],
        )
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        stored = _jane(fake)
        clear = lc.ContactUpdate(
            custom_fields=[lc.CustomFieldInput(id="plan", field_value=lc.CLEAR)]
        )
        await client.contacts.update(stored["id"], clear)
    assert fake.stats.exchanges[-1].request_body == {
        "customFields": [{"id": "plan", "field_value": None}]
    }
    assert _plan(stored) is None


async def test_sync_leaves_a_custom_field_given_none_as_it_is(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake_leadconnector.custom_fields.add(fake_leadconnector.location_id, "Plan", field_id="plan")
    stored = _jane(fake_leadconnector)
    row = lc.ContactCreate(
        email="jane@x.com", custom_fields=[lc.CustomFieldInput(id="plan", field_value=None)]
    )
    result = await leadconnector_client.contacts.sync([row])
    assert (result.updated, result.unchanged, result.failed) == (0, 1, [])
    assert fake_leadconnector.stats.routes["PUT /contacts/{contactId}"] == 0
    assert _plan(stored) == "pro"
