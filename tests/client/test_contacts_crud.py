"""Contact CRUD and upsert against the fake server over loopback: results and what was stored."""

from __future__ import annotations

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector


def _client(fake: FakeLeadConnector) -> lc.LeadConnector:
    return lc.LeadConnector(fake.token, location_id=fake.location_id, base_url=fake.url)


async def test_create_fills_location_and_stores_the_contact(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    created = await leadconnector_client.contacts.create(
        lc.ContactCreate(first_name="Jane", last_name="Roe", email="jane@example.com")
    )
    stored = fake_leadconnector.store.contacts[created.id]
    assert stored["locationId"] == fake_leadconnector.location_id
    assert stored["email"] == "jane@example.com"
    assert created.name == "Jane Roe"
    assert created.location_id == fake_leadconnector.location_id
    assert fake_leadconnector.stats.statuses[201] == 1


async def test_none_is_never_sent_and_clear_sends_null() -> None:
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        contact = await client.contacts.create(
            lc.ContactCreate(first_name="Al", last_name="Roe", email="al@x.com", tags=None)
        )
        # An optional value from the caller's own model: None must not erase the stored name.
        result = await client.contacts.upsert(
            lc.ContactCreate(email="al@x.com", last_name=None, city="Oslo", tags=None)
        )
        await client.contacts.update(contact.id, lc.ContactUpdate(email=None, city=lc.UNSET))
        await client.contacts.update(contact.id, lc.ContactUpdate(last_name=lc.CLEAR))
        stored = fake.store.contacts[contact.id]
    sent = [e.request_body for e in fake.stats.exchanges]
    assert sent[0] == {
        "firstName": "Al",
        "lastName": "Roe",
        "email": "al@x.com",
        "locationId": fake.location_id,
    }
    assert sent[1] == {"email": "al@x.com", "city": "Oslo", "locationId": fake.location_id}
    assert (result.new, result.contact.last_name) == (False, "Roe")
    assert sent[2] == {}
    assert sent[3] == {"lastName": None}
    assert stored.get("lastName") is None
    assert (stored["firstName"], stored["city"]) == ("Al", "Oslo")


def test_clear_is_refused_where_it_cannot_mean_anything() -> None:
    with pytest.raises(TypeError, match="CLEAR clears a field on update only"):
        lc.ContactCreate(email="a@x.com", last_name=lc.CLEAR)  # type: ignore[arg-type]


def test_reprs_show_only_what_is_set() -> None:
    assert repr(lc.ContactCreate(email="a@x.com", city=None)) == "ContactCreate(email='a@x.com')"
    assert repr(lc.ContactUpdate(last_name=lc.CLEAR)) == "ContactUpdate(last_name=CLEAR)"
    contact = lc.Contact(id="c1", first_name="Jane", tags=[])
    assert repr(contact) == "Contact(id='c1', tags=[], first_name='Jane')"


async def test_get_update_delete_round_trip(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    contacts = leadconnector_client.contacts
    created = await contacts.create(lc.ContactCreate(first_name="Ann", tags=["a", "b"]))
    fetched = await contacts.get(created.id)
    assert (fetched.id, fetched.first_name, fetched.tags) == (created.id, "Ann", ["a", "b"])
    updated = await contacts.update(created.id, lc.ContactUpdate(last_name="Lee", tags=["c"]))
    assert updated.name == "Ann Lee"
    assert fake_leadconnector.store.contacts[created.id]["tags"] == ["c"]
    assert await contacts.delete(created.id) is None  # type: ignore[func-returns-value]
    assert created.id not in fake_leadconnector.store.contacts
    with pytest.raises(lc.NotFoundError) as caught:
        await contacts.get(created.id)
    assert caught.value.status_code == 400


async def test_upsert_updates_the_match_then_creates_a_new_one(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    contacts = leadconnector_client.contacts
    first = await contacts.create(lc.ContactCreate(email="Sam@Example.com", first_name="Sam"))
    matched = await contacts.upsert(lc.ContactCreate(email="sam@example.com", city="Oslo"))
    assert matched.new is False
    assert matched.contact.id == first.id
    assert matched.trace_id
    assert fake_leadconnector.store.contacts[first.id]["city"] == "Oslo"
    by_phone = await contacts.upsert(lc.ContactCreate(phone="+1 555 0100"))
    assert by_phone.new is True
    again = await contacts.upsert(lc.ContactCreate(phone="+15550100", first_name="P"))
    assert (again.new, again.contact.id) == (False, by_phone.contact.id)
    assert len(fake_leadconnector.store.contacts) == 2


async def test_duplicate_create_raises_with_the_existing_id(
    leadconnector_client: lc.LeadConnector,
) -> None:
    contacts = leadconnector_client.contacts
    first = await contacts.create(lc.ContactCreate(email="dup@example.com"))
    with pytest.raises(lc.DuplicateContactError) as caught:
        await contacts.create(lc.ContactCreate(email="DUP@example.com"))
    assert isinstance(caught.value, lc.BadRequestError)
    assert caught.value.existing_id == first.id
    assert caught.value.matching_field == "email"


async def test_create_without_any_location_fails_before_sending(
    fake_leadconnector: FakeLeadConnector,
) -> None:
    async with lc.LeadConnector(fake_leadconnector.token, base_url=fake_leadconnector.url) as c:
        with pytest.raises(lc.ConfigurationError, match="location"):
            await c.contacts.create(lc.ContactCreate(first_name="X"))
    assert fake_leadconnector.stats.requests == 0


async def test_explicit_location_wins_over_the_clients(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    created = await leadconnector_client.contacts.create(
        lc.ContactCreate(first_name="Z", location_id="other-location")
    )
    assert fake_leadconnector.store.contacts[created.id]["locationId"] == "other-location"


async def test_unknown_property_is_a_422_with_every_message(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    call: lc.Call[None] = lc.Call("PUT", "/contacts/abc", body={"locationId": "x", "bogus": 1})
    with pytest.raises(lc.UnprocessableEntityError) as caught:
        await leadconnector_client.send(call)
    assert caught.value.messages == [
        "property locationId should not exist",
        "property bogus should not exist",
    ]
    assert caught.value.status_code == 422


async def test_bad_token_is_an_authentication_error_without_the_token(
    fake_leadconnector: FakeLeadConnector,
) -> None:
    secret = "pit-super-secret-value-123"
    async with lc.LeadConnector(secret, location_id="l", base_url=fake_leadconnector.url) as c:
        with pytest.raises(lc.AuthenticationError) as caught:
            await c.contacts.get("abc")
        assert secret not in repr(c)
    assert caught.value.status_code == 401
    assert secret not in str(caught.value)
    assert secret not in repr(caught.value)
    assert fake_leadconnector.stats.statuses[401] == 1


async def test_not_found_as_404_maps_to_the_same_error() -> None:
    async with FakeLeadConnector(not_found_status=404) as fake, _client(fake) as client:
        with pytest.raises(lc.NotFoundError) as caught:
            await client.contacts.delete("missing")
    assert caught.value.status_code == 404


async def test_empty_contact_id_is_refused_before_sending(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    with pytest.raises(lc.ConfigurationError):
        await leadconnector_client.contacts.get("")
    assert fake_leadconnector.stats.requests == 0


async def test_ids_are_quoted_into_one_path_segment(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    with pytest.raises(lc.NotFoundError):
        await leadconnector_client.contacts.get("a/b?c")
    assert fake_leadconnector.stats.routes["GET /contacts/{contactId}"] == 1
