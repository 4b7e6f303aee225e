"""The shapes the real API sends beyond its spec (reference brief section 11): the fake serves
them when asked, and the client reads them into the declared fields."""

from __future__ import annotations

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector

BIRTHDAY_MS = 631_152_000_000  # 1990-01-01T00:00:00Z


def _client(fake: FakeLeadConnector) -> lc.LeadConnector:
    return lc.LeadConnector(
        fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
    )


async def test_the_fake_serves_search_results_as_observed_in_the_wild() -> None:
    async with FakeLeadConnector(real_world_shapes=True, record=True) as fake, _client(fake) as c:
        fake.store.create(
            fake.location_id, {"firstName": "B", "dateOfBirth": "1990-01-01", "address1": "1 Main"}
        )
        [found] = [contact async for contact in c.contacts.search()]
    [served] = [x.response_body["contacts"][0] for x in fake.stats.exchanges]
    assert served["dateOfBirth"] == BIRTHDAY_MS
    assert served["address"] == "1 Main"
    assert "address1" not in served
    assert found.date_of_birth == "1990-01-01"
    assert found.address1 == "1 Main"
    assert found.undecoded is None


async def test_a_walk_over_real_world_shapes_yields_every_contact() -> None:
    async with FakeLeadConnector(real_world_shapes=True) as fake, _client(fake) as client:
        for i in range(250):
            birthday = {"dateOfBirth": "1985-06-15"} if i % 50 == 7 else {}
            fake.store.create(fake.location_id, {"email": f"r{i}@x.com", **birthday})
        found = [contact async for contact in client.contacts.search(page_size=100)]
    assert len(found) == 250
    assert len({contact.id for contact in found}) == 250
    assert sum(contact.date_of_birth == "1985-06-15" for contact in found) == 5


async def test_without_the_switch_the_fake_keeps_the_declared_shapes() -> None:
    async with FakeLeadConnector(record=True) as fake, _client(fake) as client:
        fake.store.create(
            fake.location_id, {"firstName": "B", "dateOfBirth": "1990-01-01", "address1": "1 Main"}
        )
        [found] = [contact async for contact in client.contacts.search()]
    [served] = [x.response_body["contacts"][0] for x in fake.stats.exchanges]
    assert (served["dateOfBirth"], served["address1"]) == ("1990-01-01", "1 Main")
    assert (found.date_of_birth, found.address1) == ("1990-01-01", "1 Main")


async def test_a_birthday_read_by_search_is_the_date_get_reads_and_writes_back_unchanged() -> None:
    async with FakeLeadConnector(real_world_shapes=True, record=True) as fake, _client(fake) as c:
        contact = await c.contacts.create(
            lc.ContactCreate(email="a@x.com", date_of_birth="1990-02-03")
        )
        [found] = [x async for x in c.contacts.search()]
        await c.contacts.update(found.id, lc.ContactUpdate(date_of_birth=found.date_of_birth))
        fetched = await c.contacts.get(contact.id)
    searched, written = fake.stats.exchanges[1:3]
    assert isinstance(searched.response_body["contacts"][0]["dateOfBirth"], int)  # epoch ms
    assert found.date_of_birth == fetched.date_of_birth == "1990-02-03"
    assert written.request_body == {"dateOfBirth": "1990-02-03"}
