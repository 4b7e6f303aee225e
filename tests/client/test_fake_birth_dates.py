"""The fake takes ``dateOfBirth`` only in the spellings the API accepts (reference brief section
8: YYYY/MM/DD, MM/DD/YYYY, YYYY-MM-DD, MM-DD-YYYY and the ``.`` and ``_`` variants) and answers
any other with a 422, as the API's validator answers an invalid field."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector

ACCEPTED = [
    spelled.replace("-", separator)
    for separator in "-/._"
    for spelled in ("1990-02-03", "02-03-1990")
]
REFUSED = ["1990-02-03T00:00:00.000Z", "3 Feb 1990", "19900203", "90-02-03", "1990-02-30", ""]


@pytest.fixture
async def served() -> AsyncIterator[tuple[FakeLeadConnector, lc.LeadConnector]]:
    async with (
        FakeLeadConnector(record=True) as fake,
        lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client,
    ):
        yield fake, client


@pytest.mark.parametrize("birthday", ACCEPTED)
async def test_each_accepted_spelling_is_stored_as_sent(
    served: tuple[FakeLeadConnector, lc.LeadConnector], birthday: str
) -> None:
    fake, client = served
    created = await client.contacts.create(
        lc.ContactCreate(email="a@x.com", date_of_birth=birthday)
    )
    await client.contacts.update(created.id, lc.ContactUpdate(date_of_birth=birthday))
    await client.contacts.upsert(lc.ContactCreate(email="a@x.com", date_of_birth=birthday))
    assert [e.status for e in fake.stats.exchanges] == [201, 200, 200]
    assert [e.request_body["dateOfBirth"] for e in fake.stats.exchanges] == [birthday] * 3
    assert fake.store.contacts[created.id]["dateOfBirth"] == birthday


@pytest.mark.parametrize("birthday", REFUSED)
async def test_any_other_spelling_is_a_422_and_nothing_is_stored(
    served: tuple[FakeLeadConnector, lc.LeadConnector], birthday: str
) -> None:
    fake, client = served
    contact_id = str(fake.store.create(fake.location_id, {"email": "a@x.com"})["id"])
    writes = [
        client.contacts.create(lc.ContactCreate(email="b@x.com", date_of_birth=birthday)),
        client.contacts.update(contact_id, lc.ContactUpdate(date_of_birth=birthday)),
        client.contacts.upsert(lc.ContactCreate(email="a@x.com", date_of_birth=birthday)),
    ]
    for write in writes:
        with pytest.raises(lc.UnprocessableEntityError) as refused:
            await write
        assert refused.value.messages == [
            "dateOfBirth must be a date in one of the formats YYYY-MM-DD, MM-DD-YYYY, "
            "YYYY/MM/DD, MM/DD/YYYY, YYYY.MM.DD, MM.DD.YYYY, YYYY_MM_DD, MM_DD_YYYY"
        ]
    assert [e.status for e in fake.stats.exchanges] == [422] * 3
    assert [e.request_body["dateOfBirth"] for e in fake.stats.exchanges] == [birthday] * 3
    assert [c.get("dateOfBirth") for c in fake.store.contacts.values()] == [None]
