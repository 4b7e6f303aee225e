"""Change-only sync against the fake: the stored state, the requests it costs, the dry run."""

from __future__ import annotations

import random
from typing import Any

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector
from leadconnector_async.testing._seed import seed_contacts, seed_custom_fields

SEARCH = "POST /contacts/search"
FIELDS = "GET /locations/{locationId}/customFields"
READS = {SEARCH, FIELDS}


def restate(contact: dict[str, Any], n: int) -> lc.ContactCreate:
    """The stored contact as a file would state it: custom fields by name or key."""
    custom = {f["id"]: f["value"] for f in contact["customFields"]}
    phone = contact["phone"]
    return lc.ContactCreate(
        first_name=contact["firstName"],
        last_name=contact["lastName"],
        # Spelled differently, the same after the API's normalisation:
        email=contact["email"].upper() if n % 7 == 0 else contact["email"],
        phone=f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}" if n % 5 == 0 else phone,
        company_name=f" {contact['companyName']} ",
        address1=contact["address1"],
        city=contact["city"],
        state=contact["state"],
        postal_code=contact["postalCode"],
        country=contact["country"],
        website=contact["website"],
        source=contact["source"],
        dnd=contact["dnd"],
        tags=list(reversed(contact["tags"]))[: 1 + n % 3],  # a subset, in another order
        custom_fields=[
            lc.CustomFieldInput(key="Plan", field_value=custom["cf_plan"]),
            lc.CustomFieldInput(key="contact.score", field_value=custom["cf_score"]),
        ],
    )


class Scenario:
    """5,000 stored contacts and a file restating them: 100 changed, 30 tagged, 50 new."""

    def __init__(self, fake: FakeLeadConnector) -> None:
        seed_custom_fields(fake.custom_fields, fake.location_id)
        stored = seed_contacts(fake.store, fake.location_id, 5_000, seed=7)
        self.before = {c["id"]: {**c, "tags": list(c["tags"])} for c in stored}
        rng = random.Random(3)
        picked = rng.sample(range(5_000), 130)
        changed, tagged = set(picked[:100]), set(picked[100:])
        self.rows: list[lc.ContactCreate] = []
        for n, contact in enumerate(stored):
            row = restate(contact, n)
            if n in changed and n % 2:
                row = _replace(row, city="Lisbon")
            elif n in changed:
                row = _replace(
                    row, custom_fields=[lc.CustomFieldInput(key="Plan", field_value="enterprise")]
                )
            elif n in tagged:
                row = _replace(row, tags=["renewed-2026"])
            self.rows.append(row)
        for n in range(50):
            self.rows.append(
                lc.ContactCreate(
                    first_name="New",
                    email=f"new.{n}@example.org",
                    tags=["imported", f"batch-{n % 2}"],
                )
            )

    def check_stored(self, fake: FakeLeadConnector) -> None:
        by_email = {c["email"].lower(): c for c in fake.store.contacts.values()}
        assert len(by_email) == 5_050
        for row in self.rows:
            assert isinstance(row.email, str)
            stored = by_email[row.email.lower()]
            for field in ("first_name", "last_name", "city", "address1", "website", "source"):
                value = getattr(row, field)
                if isinstance(value, str):
                    assert stored[_camel(field)] == value, (row.email, field)
            old_tags = self.before.get(stored["id"], {}).get("tags", [])
            assert set(stored["tags"]) >= set(old_tags) | set(row.tags or []), row.email
            custom = {f["id"]: f["value"] for f in stored["customFields"]}
            for written in row.custom_fields or []:
                field_id = {"Plan": "cf_plan", "contact.score": "cf_score"}[str(written.key)]
                assert custom[field_id] == written.field_value, (row.email, field_id)


def _replace(row: lc.ContactCreate, **changes: Any) -> lc.ContactCreate:
    import msgspec

    return msgspec.structs.replace(row, **changes)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.fixture
def scenario(fake_leadconnector: FakeLeadConnector) -> Scenario:
    return Scenario(fake_leadconnector)


async def test_sync_writes_only_the_differences(
    fake_leadconnector: FakeLeadConnector,
    leadconnector_client: lc.LeadConnector,
    scenario: Scenario,
) -> None:
    result = await leadconnector_client.contacts.sync(scenario.rows, default_region="US")
    assert (result.created, result.updated, result.unchanged) == (50, 130, 4_870)
    assert result.failed == []
    assert result.stopped_by is None
    assert result.checkpoint == 5_050
    routes = fake_leadconnector.stats.routes
    assert result.requests == fake_leadconnector.stats.requests <= 200
    assert routes[SEARCH] == 10  # 5,000 contacts at 500 a page, stopped at the total
    assert routes[FIELDS] == 1
    assert routes["PUT /contacts/{contactId}"] == 100
    assert routes["POST /contacts/"] == 50  # the new rows: created, never upserted
    # 30 rows get one tag, in one request; the 50 new rows' tags go in their create bodies.
    assert routes["POST /contacts/bulk/tags/update/{type}"] == 1
    assert (result.reads, result.writes) == (11, 151)
    scenario.check_stored(fake_leadconnector)
    again = await leadconnector_client.contacts.sync(scenario.rows, default_region="US")
    assert (again.created, again.updated, again.unchanged, again.writes) == (0, 0, 5_050, 0)


async def test_dry_run_sends_only_reads_and_counts_what_the_real_run_does(
    fake_leadconnector: FakeLeadConnector,
    leadconnector_client: lc.LeadConnector,
    scenario: Scenario,
) -> None:
    dry = await leadconnector_client.contacts.sync(scenario.rows, dry_run=True, default_region="US")
    assert set(fake_leadconnector.stats.routes) <= READS
    assert dry.dry_run
    assert dry.requests == fake_leadconnector.stats.requests == dry.reads == 11
    real = await leadconnector_client.contacts.sync(scenario.rows, default_region="US")
    assert (dry.created, dry.updated, dry.unchanged, len(dry.failed)) == (
        real.created,
        real.updated,
        real.unchanged,
        len(real.failed),
    )
    assert dry.writes == real.writes == real.requests - real.reads
    assert dry.time_at_limit == pytest.approx((11 + 151) / 10.0)
    scenario.check_stored(fake_leadconnector)


def _bulky(fake: FakeLeadConnector, count: int) -> list[lc.ContactCreate]:
    """``count`` stored contacts of about 2.5 KB each, and rows that restate their emails;
    the fake records what it is asked from here on."""
    notes = "x" * 2_000
    for n in range(count):
        fake.store.create(
            fake.location_id,
            {"email": f"p{n}@x.com", "customFields": [{"id": "notes", "value": notes}]},
        )
    fake.record = True
    return [lc.ContactCreate(email=f"p{n}@x.com") for n in range(count)]


def _reading_at_most(fake: FakeLeadConnector, max_response_bytes: int) -> lc.LeadConnector:
    return lc.LeadConnector(
        fake.token,
        location_id=fake.location_id,
        base_url=fake.url,
        rate_limit=None,
        max_response_bytes=max_response_bytes,
    )


def _page_limits(fake: FakeLeadConnector) -> list[int]:
    return [
        e.request_body["pageLimit"] for e in fake.stats.exchanges if e.route == "/contacts/search"
    ]


async def test_sync_reads_pages_too_large_to_receive_again_at_half_the_size(
    fake_leadconnector: FakeLeadConnector,
) -> None:
    rows = _bulky(fake_leadconnector, 1_200)
    # 125 contacts (about 310 KB) fit; 250 do not.
    async with _reading_at_most(fake_leadconnector, 400_000) as client:
        result = await client.contacts.sync(rows, match="email")
    assert (result.unchanged, result.created, result.updated, result.failed) == (1_200, 0, 0, [])
    # The first page at 500, then at 250, then at 125; the rest of the walk stays at 125.
    assert _page_limits(fake_leadconnector) == [500, 250] + [125] * 10


async def test_sync_stops_halving_at_the_smallest_page_size(
    fake_leadconnector: FakeLeadConnector,
) -> None:
    rows = _bulky(fake_leadconnector, 30)
    async with _reading_at_most(fake_leadconnector, 10_000) as client:  # under 25 contacts
        with pytest.raises(lc.ResponseTooLargeError):
            await client.contacts.sync(rows, match="email")
    assert _page_limits(fake_leadconnector) == [500, 250, 125, 62, 31, 25]
    assert set(fake_leadconnector.stats.routes) == {SEARCH}  # nothing written
