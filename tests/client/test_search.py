"""contacts.search against the fake over loopback: every match exactly once, past 10,000 records,
with filters and sorts; the cursor goes back exactly as received; bad input is refused unsent."""

from __future__ import annotations

from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector
from leadconnector_async.testing._seed_many import seed_many

MANY = 25_000


async def _ids(found: lc.Paginator[lc.Contact]) -> list[str]:
    return [contact.id async for contact in found]


async def test_search_reaches_every_one_of_25000_contacts_exactly_once(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    seeded = seed_many(fake_leadconnector.store, fake_leadconnector.location_id, MANY)
    seed_many(fake_leadconnector.store, "another-location", 50, seed=1)

    ids = await _ids(leadconnector_client.contacts.search(page_size=500))

    assert len(ids) == MANY
    assert set(ids) == {c["id"] for c in seeded}
    # 50 full pages, then the empty one that shows the end; never a page number.
    assert fake_leadconnector.stats.routes["POST /contacts/search"] == MANY // 500 + 1


async def test_filters_select_exactly_the_matching_contacts(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    seeded = seed_many(fake_leadconnector.store, fake_leadconnector.location_id, MANY)
    filters: list[lc.Filter | lc.FilterGroup] = [
        lc.FilterGroup("OR", [lc.Filter("tags", "eq", "vip"), lc.Filter("firstName", "eq", "Zoe")]),
        lc.Filter("email", "not_contains", "smith"),
        lc.Filter("dateAdded", "range", lc.Range(gte="2024-01-01T01:00:00Z")),
    ]

    ids = await _ids(leadconnector_client.contacts.search(filters=filters, page_size=500))

    expected = {
        c["id"]
        for c in seeded
        if ("vip" in c["tags"] or c["firstName"] == "Zoe")
        and "smith" not in c["email"]
        and c["dateAdded"] >= "2024-01-01T01:00:00.000Z"
    }
    assert 3_000 < len(expected) < MANY
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected


async def test_a_sort_orders_the_walk_and_still_yields_each_contact_once(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    seeded = seed_many(fake_leadconnector.store, fake_leadconnector.location_id, MANY)
    sort = [lc.Sort("lastName", "desc"), lc.Sort("dateAdded", "asc")]

    ids = await _ids(leadconnector_client.contacts.search(sort=sort, page_size=500))

    expected = sorted(seeded, key=lambda c: c["id"])
    expected.sort(key=lambda c: c["dateAdded"])
    expected.sort(key=lambda c: c["lastName"], reverse=True)
    assert ids == [c["id"] for c in expected]


async def test_query_matches_name_email_phone_or_company(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    seeded = seed_many(fake_leadconnector.store, fake_leadconnector.location_id, 600)

    found = [c async for c in leadconnector_client.contacts.search("PRIYA", page_size=50)]

    assert {c.id for c in found} == {c["id"] for c in seeded if c["firstName"] == "Priya"}
    assert all(c.first_name == "Priya" for c in found)


async def test_each_cursor_goes_back_exactly_as_the_server_sent_it(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake, client = fake_leadconnector, leadconnector_client
    fake.record = True
    seed_many(fake.store, fake.location_id, 250)
    sort = [lc.Sort("firstName"), lc.Sort("dateAdded", "desc")]
    found = client.contacts.search(sort=sort, page_size=100)
    assert len(await _ids(found)) == 250

    sent = [e.request_body for e in fake.stats.exchanges]
    answers = [e.response_body for e in fake.stats.exchanges]
    assert "searchAfter" not in sent[0]
    assert all("page" not in body for body in sent)
    for body, previous in zip(sent[1:], answers, strict=False):
        cursor = previous["contacts"][-1]["searchAfter"]
        assert body["searchAfter"] == cursor
        assert [type(v) for v in cursor] == [str, int, str]  # firstName, dateAdded ms, id
    assert sent[0] == {
        "locationId": fake.location_id,
        "pageLimit": 100,
        "sort": [
            {"field": "firstName", "direction": "asc"},
            {"field": "dateAdded", "direction": "desc"},
        ],
    }


async def test_a_mixed_type_cursor_decodes_and_round_trips_unchanged(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake, client = fake_leadconnector, leadconnector_client
    fake.record = True
    seed_many(fake.store, fake.location_id, 3)
    fake.store.contacts[next(iter(fake.store.contacts))]["firstName"] = None
    found = client.contacts.search(sort=lc.Sort("firstName", "desc"), page_size=1)
    pages = [page async for page in found.pages()]

    assert [len(p.items) for p in pages] == [1, 1, 1, 0]
    assert pages[-2].cursor[0] is None  # a missing sort value sorts last, as null
    assert fake.stats.exchanges[-1].request_body["searchAfter"] == pages[-2].cursor


async def test_total_and_pages_come_back_with_each_page(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    seed_many(fake_leadconnector.store, fake_leadconnector.location_id, 230)

    pages = [p async for p in leadconnector_client.contacts.search(page_size=100).pages()]

    assert [len(p.items) for p in pages] == [100, 100, 30]
    assert {p.total for p in pages} == {230}
    assert all(isinstance(c, lc.Contact) for p in pages for c in p.items)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"page_size": 501}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"query": "x" * 76}, "75 characters"),
        ({"filters": [{"field": "email", "operator": "eq", "value": "a"}]}, "Filter"),
        ({"sort": ["dateAdded"]}, "Sort"),
        ({"max_items": -1}, "max_items"),
    ],
)
async def test_bad_arguments_are_refused_before_anything_is_sent(
    fake_leadconnector: FakeLeadConnector,
    leadconnector_client: lc.LeadConnector,
    arguments: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(lc.ConfigurationError, match=message):
        leadconnector_client.contacts.search(**arguments)
    assert fake_leadconnector.stats.requests == 0


async def test_no_location_anywhere_is_refused_before_sending(
    fake_leadconnector: FakeLeadConnector,
) -> None:
    async with lc.LeadConnector(
        fake_leadconnector.token, base_url=fake_leadconnector.url
    ) as client:
        with pytest.raises(lc.ConfigurationError, match="location"):
            client.contacts.search()
        other = [c async for c in client.contacts.search(location_id="elsewhere")]
    assert other == []
    assert fake_leadconnector.stats.requests == 1


async def test_the_fake_holds_page_numbers_to_10000_records_and_page_limit_to_500(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    seed_many(fake_leadconnector.store, fake_leadconnector.location_id, 10)

    async def raw(**body: Any) -> Any:
        body = {"locationId": fake_leadconnector.location_id, **body}
        return await leadconnector_client.send(lc.Call("POST", "/contacts/search", body=body))

    await raw(page=20, pageLimit=500)
    with pytest.raises(lc.BadRequestError, match="10000"):
        await raw(page=21, pageLimit=500)
    with pytest.raises(lc.UnprocessableEntityError) as refused:
        await raw(pageLimit=501, page=1, searchAfter=[1])
    assert refused.value.messages == [
        "pageLimit must not be greater than 500",
        "page and searchAfter cannot be used together",
        "searchAfter must hold 2 values: the sort values of the last contact, then its id",
    ]
