"""Sync rules on small locations: matching, failures, tags, the plan, the budget, progress."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, FakeRateLimit, Faults, TokenInfo
from leadconnector_async.testing._faults import FaultDice
from leadconnector_async.testing._seed_many import seed_many

from ._fake_events import after_updates

WRITES = (
    "PUT /contacts/{contactId}",
    "POST /contacts/upsert",
    "POST /contacts/",
    "POST /contacts/bulk/tags/update/{type}",
)


def _store(fake: FakeLeadConnector, **fields: Any) -> dict[str, Any]:
    return fake.store.create(fake.location_id, {"tags": [], **fields})


def _writes(fake: FakeLeadConnector) -> int:
    return sum(fake.stats.routes[route] for route in WRITES)


async def test_replace_makes_tags_equal_and_add_never_removes(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    kept = _store(fake_leadconnector, email="a@x.com", tags=["old", "vip"])
    replaced = _store(fake_leadconnector, email="b@x.com", tags=["old", "vip"])
    sync = leadconnector_client.contacts.sync
    added = await sync([lc.ContactCreate(email="a@x.com", tags=["vip", "new"])])
    assert kept["tags"] == ["old", "vip", "new"]
    assert added.updated == 1
    result = await sync([lc.ContactCreate(email="B@X.com", tags=["vip", "new"])], tags="replace")
    assert sorted(replaced["tags"]) == ["new", "vip"]
    assert (result.updated, fake_leadconnector.stats.routes["PUT /contacts/{contactId}"]) == (1, 1)
    same = await sync([lc.ContactCreate(email="b@x.com", tags=["new", "vip"])], tags="replace")
    assert same.unchanged == 1


async def test_phone_and_custom_field_matching(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    ext = fake_leadconnector.custom_fields.add(fake_leadconnector.location_id, "External ID")
    by_phone = _store(fake_leadconnector, phone="+15550001111", city="Oslo")
    by_ext = _store(
        fake_leadconnector, city="Rome", customFields=[{"id": ext["id"], "field_value": "E-1"}]
    )
    sync = leadconnector_client.contacts.sync
    row = lc.ContactCreate(phone="555 000 1111", city="Bergen")
    result = await sync([row], match="phone", default_region="US")
    assert (result.updated, by_phone["city"]) == (1, "Bergen")
    row = lc.ContactCreate(
        city="Milan", custom_fields=[lc.CustomFieldInput(key="External ID", field_value="E-1")]
    )
    result = await sync([row], match="custom:external_id")
    assert (result.updated, result.created, by_ext["city"]) == (1, 0, "Milan")
    with pytest.raises(lc.CustomFieldError):
        await sync([row], match="custom:Nope")
    assert fake_leadconnector.stats.routes["PUT /contacts/{contactId}"] == 2


async def test_rows_that_cannot_be_matched_fail_alone_and_nothing_is_written_for_them(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake_leadconnector.store.allow_duplicates[fake_leadconnector.location_id] = True
    _store(fake_leadconnector, email="twin@x.com")
    _store(fake_leadconnector, email="Twin@x.com")
    one = _store(fake_leadconnector, email="one@x.com")
    rows = [
        lc.ContactCreate(first_name="No key"),
        lc.ContactCreate(email="twin@x.com", city="A"),
        lc.ContactCreate(email="one@x.com", city="B"),
        lc.ContactCreate(email="ONE@x.com", city="C"),
        lc.ContactCreate(
            email="fresh@x.com",
            custom_fields=[lc.CustomFieldInput(key="Unknown field", field_value="x")],
        ),
        lc.ContactCreate(email="new@x.com"),
        lc.ContactCreate(email="new@x.com", city="D"),
    ]
    for dry_run in (True, False):
        result = await leadconnector_client.contacts.sync(rows, dry_run=dry_run)
        reasons = {f.index: str(f.error) for f in result.failed}
        assert sorted(reasons) == [0, 1, 3, 4, 6]
        assert "no email to match on" in reasons[0]
        assert "2 contacts of the location have this email" in reasons[1]
        assert "an earlier row matched the same contact" in reasons[3]
        assert isinstance(result.failed[3].error, lc.CustomFieldError)
        assert "an earlier row has the same email" in reasons[6]
        assert (result.updated, result.created) == (1, 1)
    assert one["city"] == "B"
    assert _writes(fake_leadconnector) == 2


async def test_a_new_row_is_created_never_merged_into_a_contact_with_its_other_field(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake = fake_leadconnector
    ext = fake.custom_fields.add(fake.location_id, "External Id")
    alice = _store(fake, email="alice@x.com", phone="+14155550132", firstName="Alice")
    carol = _store(
        fake,
        email="shared@x.com",
        firstName="Carol",
        customFields=[{"id": ext["id"], "value": "1"}],
    )
    before = copy.deepcopy([alice, carol])
    sync = leadconnector_client.contacts.sync
    bob = lc.ContactCreate(email="bob@x.com", phone="+14155550132", first_name="Bob")
    dave = lc.ContactCreate(
        email="shared@x.com",
        first_name="Dave",
        custom_fields=[lc.CustomFieldInput(id=ext["id"], field_value="2")],
    )
    for row, match, other, field in (
        (bob, "email", alice, "phone"),
        (dave, "custom:External Id", carol, "email"),
    ):
        result = await sync([row], match=match)
        assert (result.created, result.updated, len(result.failed)) == (0, 0, 1)
        error = result.failed[0].error
        assert isinstance(error, lc.DuplicateContactError)
        assert error.existing_id == other["id"]
        assert f"contact {other['id']}, which already has this row's {field}, was left" in str(
            error
        )
        assert "nothing was written for this row" in str(error)
    assert [alice, carol] == before  # neither contact was touched
    assert fake.stats.routes["POST /contacts/"] == 2
    assert fake.stats.routes["POST /contacts/upsert"] == 0
    # Where the location allows duplicates, the row the plan calls a create is one.
    fake.store.allow_duplicates[fake.location_id] = True
    result = await sync([bob])
    assert (result.created, result.updated, result.failed) == (1, 0, [])
    assert [alice, carol] == before
    assert sorted(c["firstName"] for c in fake.store.contacts.values()) == ["Alice", "Bob", "Carol"]


async def test_a_contact_created_since_the_read_is_not_overwritten_nor_duplicated(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake = fake_leadconnector
    _store(fake, email="old@x.com", city="Oslo")
    newer: dict[str, Any] = {}
    after_updates(
        fake, 1, lambda: newer.update(_store(fake, email="new@x.com", firstName="Someone"))
    )
    rows = [lc.ContactCreate(email="old@x.com", city="Rome"), lc.ContactCreate(email="new@x.com")]
    result = await leadconnector_client.contacts.sync(rows, concurrency=1)
    assert (result.updated, result.created, [f.index for f in result.failed]) == (1, 0, [1])
    assert f"contact {newer['id']} already has this row's email" in str(result.failed[0].error)
    assert "run the sync again" in str(result.failed[0].error)
    assert newer["firstName"] == "Someone"
    again = await leadconnector_client.contacts.sync(rows)
    assert (again.unchanged, again.created, again.failed) == (2, 0, [])
    assert len(fake.store.contacts) == 2


async def test_a_create_whose_answer_was_lost_is_not_sent_again_and_a_rerun_makes_no_twin(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake = fake_leadconnector
    fake.store.allow_duplicates[fake.location_id] = True  # the server would take a twin
    _store(fake, email="old@x.com", city="Oslo")
    after_updates(fake, 1, lambda: fake.force_fault("reset_after", 1))
    rows = [lc.ContactCreate(email="old@x.com", city="Rome"), lc.ContactCreate(email="new@x.com")]
    result = await leadconnector_client.contacts.sync(rows, concurrency=1)
    assert [f.index for f in result.failed] == [1]
    error = result.failed[0].error
    assert isinstance(error, lc.TransportError)
    assert error.outcome_unknown
    assert fake.stats.routes["POST /contacts/"] == 1  # not repeated: it had been stored
    again = await leadconnector_client.contacts.sync(rows)
    assert (again.unchanged, again.created, again.failed) == (2, 0, [])
    assert sorted(c["email"] for c in fake.store.contacts.values()) == ["new@x.com", "old@x.com"]


async def test_company_name_changes_go_through_upsert(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    stored = _store(fake_leadconnector, email="c@x.com", companyName="Old Co", tags=["t"])
    result = await leadconnector_client.contacts.sync(
        [lc.ContactCreate(email="c@x.com", company_name="New Co", tags=["u"])]
    )
    assert (result.updated, result.created) == (1, 0)
    assert (stored["companyName"], sorted(stored["tags"])) == ("New Co", ["t", "u"])
    assert fake_leadconnector.stats.routes["POST /contacts/upsert"] == 1


async def test_an_upsert_only_change_never_writes_to_another_contact(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    # Upsert finds contacts by email before phone here: had it carried the row's new email,
    # it would have written company "New" (and this phone) to the other contact.
    mine = _store(fake_leadconnector, phone="+15550001111", email="a@x.com", companyName="A")
    other = _store(fake_leadconnector, phone="+15550002222", email="b@x.com", companyName="B")
    row = lc.ContactCreate(phone="+15550001111", email="b@x.com", company_name="New")
    result = await leadconnector_client.contacts.sync([row], match="phone")
    assert (other["phone"], other["email"], other["companyName"]) == (
        "+15550002222",
        "b@x.com",
        "B",
    )
    assert (mine["phone"], mine["email"], mine["companyName"]) == ("+15550001111", "b@x.com", "New")
    assert (result.updated, result.failed, result.writes) == (1, [], 2)
    routes = fake_leadconnector.stats.routes
    assert (routes["PUT /contacts/{contactId}"], routes["POST /contacts/upsert"]) == (1, 1)


async def test_an_upsert_that_lands_on_another_contact_fails_its_row_and_says_so(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    stored = _store(fake_leadconnector, email="c@x.com", phone="+15550003333", companyName="Old")

    async def delete_after_update(event_type: str, payload: dict[str, Any]) -> None:
        if event_type == "ContactUpdate":  # someone deletes it between the two writes
            fake_leadconnector.store.delete(payload["id"])

    fake_leadconnector.subscribe(delete_after_update)
    row = lc.ContactCreate(email="c@x.com", phone="+15550004444", company_name="New")
    result = await leadconnector_client.contacts.sync([row])
    (failure,) = result.failed
    created = [c for c in fake_leadconnector.store.contacts.values() if c["id"] != stored["id"]]
    assert [c["companyName"] for c in created] == ["New"]
    assert f"meant for contact {stored['id']} created contact {created[0]['id']}" in str(
        failure.error
    )
    assert (result.updated, result.created) == (0, 0)


async def test_a_row_whose_write_is_refused_gets_no_tags_and_says_what_was_written(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake = fake_leadconnector
    emails = ["update@x.com", "upsert@x.com", "tags@x.com", "fine@x.com", "half@x.com"]
    stored = [_store(fake, email=e, city="Old", companyName="Old", tags=["old"]) for e in emails]
    city, gender = cast(str, 5), cast(str, 6)  # wrong types: the fake's validation answers 422
    rows = [
        lc.ContactCreate(email=emails[0], city=city, tags=["new"]),  # its update is refused
        lc.ContactCreate(email=emails[1], city=city, company_name="New", tags=["new"]),
        lc.ContactCreate(email=emails[2], tags=["new"]),  # only tags
        lc.ContactCreate(email=emails[3], city="Oslo", tags=["new"]),
        # its update goes through, then the upsert (company name, gender) is refused
        lc.ContactCreate(
            email=emails[4], city="Rome", company_name="New", gender=gender, tags=["new"]
        ),
    ]
    result = await leadconnector_client.contacts.sync(rows)
    reasons = {f.index: str(f.error) for f in result.failed}
    assert sorted(reasons) == [0, 1, 4]
    assert all(isinstance(f.error, lc.UnprocessableEntityError) for f in result.failed)
    assert "nothing was written for this row" in reasons[0]
    assert "nothing was written for this row" in reasons[1]
    assert "nothing was written" not in reasons[4]
    assert "its tags were not added" in reasons[4]
    assert [c["tags"] for c in stored] == [
        ["old"],
        ["old"],
        ["old", "new"],
        ["old", "new"],
        ["old"],
    ]
    assert [c["city"] for c in stored] == ["Old", "Old", "Old", "Oslo", "Rome"]
    assert result.updated == 2
    routes = fake.stats.routes
    assert routes["POST /contacts/bulk/tags/update/{type}"] == 1  # still one for the two rows
    assert (routes["PUT /contacts/{contactId}"], routes["POST /contacts/upsert"]) == (4, 1)


async def test_a_small_file_against_a_large_location_is_upserted_directly(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    existing = seed_many(fake_leadconnector.store, fake_leadconnector.location_id, 1_600)[5]
    rows = [
        lc.ContactCreate(email=existing["email"], city="Paris", tags=["extra"]),
        lc.ContactCreate(email="brand.new@x.com"),
    ]
    dry = await leadconnector_client.contacts.sync(rows, dry_run=True)
    assert (dry.plan, dry.undecided, dry.writes, dry.requests) == ("direct", 2, 3, 1)
    assert "would cost more than writing every row" in dry.note
    result = await leadconnector_client.contacts.sync(rows)
    assert (result.plan, result.created, result.updated) == ("direct", 1, 1)
    assert result.requests == 1 + 2 + 1  # the first page, two upserts, one tag request
    assert "extra" in existing["tags"]
    assert len(existing["tags"]) == 3  # the two it had are still there


async def test_the_daily_budget_stops_the_job_with_a_checkpoint(
    fake_leadconnector: FakeLeadConnector,
) -> None:
    for n in range(10):
        _store(fake_leadconnector, email=f"p{n}@x.com")
    rows = [lc.ContactCreate(email=f"p{n}@x.com", city="New") for n in range(10)]
    budget = lc.RateLimit(max_requests=1_000, period=1.0, daily=5)
    async with lc.LeadConnector(
        fake_leadconnector.token,
        base_url=fake_leadconnector.url,
        location_id=fake_leadconnector.location_id,
        rate_limit=budget,
    ) as client:
        result = await client.contacts.sync(rows)
    assert isinstance(result.stopped_by, lc.RateLimitError)
    assert "daily request budget" in str(result.stopped_by)
    assert (result.updated, result.checkpoint, result.failed) == (4, 4, [])
    assert fake_leadconnector.stats.requests == 5  # one read and the four writes that fit
    async with lc.LeadConnector(
        fake_leadconnector.token,
        base_url=fake_leadconnector.url,
        location_id=fake_leadconnector.location_id,
        rate_limit=None,
    ) as client:
        rest = await client.contacts.sync(rows, start_at=result.checkpoint)
    assert (rest.updated, rest.unchanged, rest.checkpoint) == (6, 0, 10)


async def test_progress_is_reported_as_bulk_jobs_report_it(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    for n in range(30):
        _store(fake_leadconnector, email=f"q{n}@x.com")
    seen: list[lc.BulkProgress] = []

    async def on_progress(progress: lc.BulkProgress) -> None:
        seen.append(progress)

    rows = [lc.ContactCreate(email=f"q{n}@x.com", city="X" if n % 3 else None) for n in range(30)]
    for dry_run in (True, False):
        seen.clear()
        await leadconnector_client.contacts.sync(rows, on_progress=on_progress, dry_run=dry_run)
        assert seen
        assert (seen[-1].done, seen[-1].failed, seen[-1].checkpoint) == (30, 0, 30)


async def test_bad_arguments_fail_before_anything_is_sent(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    sync = leadconnector_client.contacts.sync
    with pytest.raises(lc.ConfigurationError, match="match must be"):
        await sync([], match="name")
    with pytest.raises(lc.ConfigurationError, match="tags must be"):
        await sync([], tags="merge")  # type: ignore[arg-type]
    assert fake_leadconnector.stats.requests == 0


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("concurrency", 0, "concurrency must be an int of at least 1, got 0"),
        ("start_at", -1, "start_at must be an int of at least 0, got -1"),
        ("progress_interval", 0, "progress_interval must be positive, got 0"),
    ],
)
async def test_job_options_are_checked_as_bulk_checks_them_before_any_request(
    fake_leadconnector: FakeLeadConnector,
    leadconnector_client: lc.LeadConnector,
    option: str,
    value: int,
    message: str,
) -> None:
    _store(fake_leadconnector, email="a@x.com")
    rows = [lc.ContactCreate(email="a@x.com", city="X")]
    contacts = leadconnector_client.contacts
    options: dict[str, Any] = {option: value}  # the option named by the parameter
    with pytest.raises(lc.ConfigurationError) as from_sync:
        await contacts.sync(rows, **options)
    assert fake_leadconnector.stats.requests == 0
    with pytest.raises(lc.ConfigurationError) as from_bulk:
        await contacts.bulk_upsert(rows, **options)
    assert str(from_sync.value) == str(from_bulk.value) == message
    with pytest.raises(lc.ConfigurationError, match="tag_chunk_size must be an int of at least 1"):
        await contacts.sync(rows, tag_chunk_size=0)
    assert fake_leadconnector.stats.requests == 0


async def test_requests_are_the_jobs_own_when_other_calls_share_the_client(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    stored = [_store(fake_leadconnector, email=f"r{n}@x.com") for n in range(20)]
    rows = [lc.ContactCreate(email=f"r{n}@x.com", city="Lyon") for n in range(20)]

    async def others() -> None:
        for contact in stored:
            await leadconnector_client.contacts.get(contact["id"])

    result, _ = await asyncio.gather(leadconnector_client.contacts.sync(rows), others())
    assert (result.reads, result.writes, result.requests) == (1, 20, 21)
    assert fake_leadconnector.stats.requests == 41


async def test_rows_may_come_from_an_async_iterable_and_a_v3_client(
    fake_leadconnector: FakeLeadConnector,
) -> None:
    stored = _store(fake_leadconnector, email="v3@x.com", city="Oslo")

    async def rows() -> AsyncIterator[lc.ContactCreate]:
        yield lc.ContactCreate(email="v3@x.com", city="Turin")
        yield lc.ContactCreate(email="v3-new@x.com", tags=["t"])

    async with lc.LeadConnector(
        fake_leadconnector.token,
        api_version="v3",
        rate_limit=None,
        location_id=fake_leadconnector.location_id,
        base_url=fake_leadconnector.url,
    ) as client:
        result = await client.contacts.sync(rows())
    assert (result.updated, result.created, result.failed) == (1, 1, [])
    assert stored["city"] == "Turin"


async def test_the_servers_daily_remaining_limits_the_writes() -> None:
    async with FakeLeadConnector(rate_limit=FakeRateLimit(1_000, 1.0, daily=8)) as fake:
        for n in range(10):
            _store(fake, email=f"s{n}@x.com")
        rows = [lc.ContactCreate(email=f"s{n}@x.com", city="Nice") for n in range(10)]
        async with lc.LeadConnector(
            fake.token,
            location_id=fake.location_id,
            base_url=fake.url,
            rate_limit=lc.RateLimit(1_000, 1.0),
        ) as client:
            dry = await client.contacts.sync(rows, dry_run=True)
            # A dry run plans every row, and says where a real run would stop (7 left today).
            assert (dry.updated, dry.checkpoint, dry.writes, dry.stopped_by) == (10, 10, 10, None)
            assert (dry.budget_stop_at, dry.budget_share) == (7, 10 / 7)
            result = await client.contacts.sync(rows)
    assert isinstance(result.stopped_by, lc.RateLimitError)
    assert "6 requests left today" in str(result.stopped_by)
    assert (result.updated, result.checkpoint, result.budget_stop_at) == (6, 6, 6)
    assert fake.stats.requests == 8


def _done(fake: FakeLeadConnector, emails: list[str]) -> list[bool]:
    by_email = {c["email"]: c for c in fake.store.contacts.values()}
    return [
        by_email[e].get("city") == "Paris" and sorted(by_email[e]["tags"]) == ["new", "old"]
        for e in emails
    ]


@pytest.mark.parametrize("stop", ["token", "outage"])
async def test_a_job_level_stop_leaves_every_unwritten_row_to_the_resume(
    fake_leadconnector: FakeLeadConnector, stop: str
) -> None:
    fake = fake_leadconnector
    emails = [f"p{n}@x.com" for n in range(40)]
    for email in emails:
        _store(fake, email=email, tags=["old"])
    rows = [lc.ContactCreate(email=e, city="Paris", tags=["new"]) for e in emails]
    retry = lc.RetryPolicy(max_retries=2, backoff_base=0.001, backoff_max=0.001)
    if stop == "token":
        after_updates(fake, 5, fake.tokens.clear)
        expected: type[lc.LeadConnectorError] = lc.AuthenticationError
        options: dict[str, Any] = {}
    else:
        after_updates(fake, 5, lambda: fake.force_fault("unavailable", 1_000_000))
        expected = lc.ServerError
        options = {"stop_on_error": lambda error: isinstance(error, lc.ServerError)}
    async with lc.LeadConnector(
        fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None, retry=retry
    ) as client:
        result = await client.contacts.sync(rows, concurrency=4, **options)
        assert isinstance(result.stopped_by, expected)
        # Reported: the rows in flight, with the server's answer; nothing was written for them.
        assert 0 < len(result.failed) <= 4
        assert all(isinstance(f.error, expected) for f in result.failed)
        done = _done(fake, emails)
        assert not any(done[f.index] for f in result.failed)
        # Not reported: rows never sent, or written but their tags never sent (they go last).
        assert result.read == len(result.failed) + result.updated
        assert all(done[: result.checkpoint])
        assert result.checkpoint <= min(f.index for f in result.failed)
        assert fake.stats.routes["POST /contacts/bulk/tags/update/{type}"] == 0
        if stop == "token":
            fake.tokens[fake.token] = TokenInfo()
        else:
            fake.dice = FaultDice(Faults())
        rest = await client.contacts.sync(rows, start_at=result.checkpoint)
    assert rest.failed == []
    assert all(_done(fake, emails))
    assert len(fake.store.contacts) == 40  # nothing created twice


async def test_clearing_a_custom_field_or_dnd_setting_that_is_empty_writes_nothing(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    fake = fake_leadconnector
    notes = fake.custom_fields.add(fake.location_id, "Notes")
    tier = fake.custom_fields.add(fake.location_id, "Tier")
    stored = _store(
        fake,
        email="a@x.com",
        customFields=[{"id": tier["id"], "field_value": "gold"}],
        dndSettings={"Email": {"status": "inactive"}},
    )
    clear_both = lc.ContactCreate(
        email="a@x.com",
        custom_fields=[
            lc.CustomFieldInput(id=notes["id"], field_value=""),  # empty already
            lc.CustomFieldInput(id=tier["id"], field_value=""),  # holds "gold"
        ],
    )
    sync = leadconnector_client.contacts.sync
    result = await sync([clear_both])
    assert result.updated == 1
    assert _writes(fake) == 1
    tier_values = [f for f in stored.get("customFields", []) if f["id"] == tier["id"]]
    assert all(not f.get("value") and not f.get("field_value") for f in tier_values)
    result = await sync([clear_both])  # both are empty now: nothing to write
    assert (result.updated, result.unchanged) == (0, 1)
    assert _writes(fake) == 1
    no_message = lc.DndChannelInput(status="inactive", message="")  # it has none
    dnd = lc.ContactCreate(email="a@x.com", dnd_settings=lc.DndSettingsInput(email=no_message))
    result = await sync([dnd])
    assert (result.updated, result.unchanged) == (0, 1)
    assert _writes(fake) == 1


async def test_an_upsert_only_change_keeps_the_stored_spelling_of_the_match_key(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    # The comparison finds the email unchanged whatever its case, so the upsert that carries
    # the company change must not rewrite it in the row's spelling either.
    stored = _store(fake_leadconnector, email="Ann.Lee@X.com", companyName="Old Co")
    row = lc.ContactCreate(email="ann.lee@x.com", company_name="New Co")
    result = await leadconnector_client.contacts.sync([row])
    assert (result.updated, result.created) == (1, 0)
    assert (stored["email"], stored["companyName"]) == ("Ann.Lee@X.com", "New Co")
    assert len(fake_leadconnector.store.contacts) == 1
