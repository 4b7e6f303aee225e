"""``api_version="v3"``: same structs in and out, v3 names on the wire, removed calls refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeLeadConnector]:
    async with FakeLeadConnector(record=True) as server:
        yield server


@pytest_asyncio.fixture
async def v3(fake: FakeLeadConnector) -> AsyncIterator[lc.LeadConnector]:
    async with lc.LeadConnector(
        fake.token,
        location_id=fake.location_id,
        base_url=fake.url,
        rate_limit=None,
        api_version="v3",
    ) as client:
        yield client


def _dnd(**channels: str) -> lc.DndSettingsInput:
    return lc.DndSettingsInput(**{k: lc.DndChannelInput(status=v) for k, v in channels.items()})  # type: ignore[arg-type]


async def test_dnd_keys_are_v3_on_the_wire_and_v2_casing_in_the_structs(
    fake: FakeLeadConnector, v3: lc.LeadConnector
) -> None:
    contact = lc.ContactCreate(
        first_name="Ann", dnd_settings=_dnd(sms="active", whatsapp="inactive")
    )
    created = await v3.contacts.create(contact)
    sent = fake.stats.exchanges[0].request_body["dndSettings"]
    assert sent == {"sms": {"status": "active"}, "whatsApp": {"status": "inactive"}}
    answered = fake.stats.exchanges[0].response_body["contact"]["dndSettings"]
    assert set(answered) == {"sms", "whatsApp"}
    # The fake keeps what v2 would store, so a v2 client reads the same settings.
    stored = fake.store.get(created.id)
    assert stored is not None
    assert set(stored["dndSettings"]) == {"SMS", "WhatsApp"}
    assert created.dnd_settings is not None
    assert created.dnd_settings.sms is not None
    assert created.dnd_settings.sms.status == "active"
    assert created.dnd_settings.whatsapp is not None
    assert created.dnd_settings.whatsapp.status == "inactive"
    fetched = await v3.contacts.get(created.id)
    assert fetched.dnd_settings == created.dnd_settings


async def test_custom_field_values_are_sent_as_field_value_in_v3(
    fake: FakeLeadConnector, v3: lc.LeadConnector
) -> None:
    field = lc.CustomFieldInput(id="cf1", field_value="gold")
    created = await v3.contacts.create(lc.ContactCreate(first_name="Bo", custom_fields=[field]))
    assert fake.stats.exchanges[0].request_body["customFields"] == [
        {"id": "cf1", "fieldValue": "gold"}
    ]
    assert [(f.id, f.value) for f in created.custom_fields or []] == [("cf1", "gold")]


async def test_an_update_answering_only_succeeded_decodes(
    fake: FakeLeadConnector, v3: lc.LeadConnector
) -> None:
    created = await v3.contacts.create(lc.ContactCreate(first_name="Cy"))
    updated = await v3.contacts.update(created.id, lc.ContactUpdate(city="Oslo"))
    answer = fake.stats.exchanges[-1].response_body
    assert answer["succeeded"] is True
    assert "succeded" not in answer
    assert (updated.id, updated.city) == (created.id, "Oslo")
    await v3.contacts.delete(created.id)
    assert fake.stats.exchanges[-1].response_body == {"succeeded": True, "succeded": True}


async def test_remove_all_uses_the_v3_path(fake: FakeLeadConnector, v3: lc.LeadConnector) -> None:
    created = await v3.contacts.create(lc.ContactCreate(first_name="Di"))
    await v3.contacts.campaigns.add(created.id, "camp-1")
    await v3.contacts.campaigns.remove_all(created.id)
    route = fake.stats.exchanges[-1].route
    assert route == "/contacts/{contactId}/campaigns/remove-all"
    assert fake.related.campaigns.get(created.id, set()) == set()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_an_operation_v3_removed_is_refused_before_sending(
    fake: FakeLeadConnector, v3: lc.LeadConnector
) -> None:
    with pytest.raises(lc.ConfigurationError, match=r"GET /contacts/ .* api_version='2021-07-28'"):
        v3.contacts.list()
    assert fake.stats.requests == 0


async def test_the_fake_refuses_a_path_under_a_version_without_it(
    fake: FakeLeadConnector,
) -> None:
    async with lc.LeadConnector(fake.token, base_url=fake.url, rate_limit=None) as client:
        call: lc.Call[None] = lc.Call(
            "DELETE", "/contacts/x/campaigns/remove-all", version="2021-07-28"
        )
        with pytest.raises(lc.NotFoundError):
            await client.send(call)
        with pytest.raises(lc.BadRequestError, match="Version"):
            await client.send(lc.Call("GET", "/contacts/x", version="2023-02-21"))


async def test_v2_stays_the_default_and_a_bad_version_is_refused(fake: FakeLeadConnector) -> None:
    async with lc.LeadConnector(
        fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
    ) as client:
        assert client.config.api_version == "2021-07-28"
        created = await client.contacts.create(lc.ContactCreate(dnd_settings=_dnd(sms="active")))
        assert fake.stats.exchanges[-1].request_body["dndSettings"] == {"SMS": {"status": "active"}}
        assert created.dnd_settings is not None
        assert created.dnd_settings.sms is not None
    with pytest.raises(lc.ConfigurationError, match="api_version"):
        lc.LeadConnector("t", api_version="2023-02-21")
