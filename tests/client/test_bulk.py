"""Bulk helpers against the fake server: throughput at the limit, faults, every row counted."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Unpack

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, FakeRateLimit, Faults

from ._options import RateLimitOptions
from .test_hostile_server import RawServer, answer, client_for, serving

# The documented 50 per 0.25 s, scaled to 250 per 0.5 s: 2,000 rows span eight windows in ~4 s.
# The rate reached is measured by benchmarks/rate_limit.py, not asserted here (it depends on load).
LIMIT = FakeRateLimit(max_requests=250, period=0.5)
FAULTS = Faults(unavailable=0.1, reset_before=0.025, reset_after=0.025, seed=11)
FAST_RETRY = lc.RetryPolicy(max_retries=1, backoff_base=0.001, backoff_max=0.01)


def _client(fake: FakeLeadConnector, **kw: Unpack[RateLimitOptions]) -> lc.LeadConnector:
    kw.setdefault("rate_limit", None)
    return lc.LeadConnector(fake.token, location_id=fake.location_id, base_url=fake.url, **kw)


def _rows(count: int, prefix: str = "u") -> Iterator[lc.ContactCreate]:
    return (lc.ContactCreate(email=f"{prefix}{i}@x.com", first_name="Row") for i in range(count))


def _emails(fake: FakeLeadConnector) -> Counter[str | None]:
    return Counter(c.get("email") for c in fake.store.contacts.values())


class Consumed:
    """A row generator that records how many rows were taken from it."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.taken = 0

    def __iter__(self) -> Iterator[lc.ContactCreate]:
        for row in _rows(self.count):
            self.taken += 1
            yield row


async def test_bulk_upsert_uses_the_limit_to_the_full_and_stores_every_row_once() -> None:
    rows = 2_000
    client_limit = lc.RateLimit(LIMIT.max_requests, LIMIT.period, daily=None)
    async with (
        FakeLeadConnector(rate_limit=LIMIT) as fake,
        _client(fake, rate_limit=client_limit) as client,
    ):
        result = await client.contacts.bulk_upsert(_rows(rows), concurrency=20)
    assert fake.stats.rate_limited == 0
    assert (result.ok, result.failed, result.created, result.updated) == (rows, [], rows, 0)
    assert result.requests == fake.stats.requests == rows
    assert result.rate_limited == 0
    assert result.checkpoint == rows
    assert result.stopped_by is None
    emails = _emails(fake)
    assert set(emails) == {f"u{i}@x.com" for i in range(rows)}
    assert set(emails.values()) == {1}


async def test_upsert_counts_created_and_updated_rows() -> None:
    async with FakeLeadConnector() as fake, _client(fake) as client:
        for i in range(0, 40, 2):
            fake.store.create(fake.location_id, {"email": f"u{i}@x.com"})
        result = await client.contacts.bulk_upsert(_rows(40))
    assert (result.ok, result.created, result.updated) == (40, 20, 20)
    assert len(fake.store.contacts) == 40


async def test_upserts_under_faults_account_for_every_row_without_duplicates() -> None:
    rows = 600
    async with FakeLeadConnector(faults=FAULTS) as fake, _client(fake, retry=FAST_RETRY) as client:
        result = await client.contacts.bulk_upsert(_rows(rows))
    assert result.ok + len(result.failed) == rows
    assert result.failed, "one retry under this fault mix should leave some rows failed"
    assert fake.stats.faults["reset_after"] > 0
    for failure in result.failed:
        assert isinstance(failure.error, lc.ServerError | lc.TransportError), failure.error
        assert failure.item.email == f"u{failure.index}@x.com"
    emails = _emails(fake)
    assert set(emails.values()) == {1}
    failed = {failure.item.email for failure in result.failed}
    assert {f"u{i}@x.com" for i in range(rows)} - failed <= set(emails)
    assert result.requests == fake.stats.requests


async def test_bulk_create_reports_a_reset_after_commit_and_never_duplicates() -> None:
    rows = 600
    retry = lc.RetryPolicy(max_retries=4, backoff_base=0.001, backoff_max=0.01)
    async with FakeLeadConnector(faults=FAULTS) as fake, _client(fake, retry=retry) as client:
        result = await client.contacts.bulk_create(_rows(rows))
    assert result.ok + len(result.failed) == rows
    unknown = [f for f in result.failed if isinstance(f.error, lc.TransportError)]
    assert len(unknown) == fake.stats.faults["reset_after"] + fake.stats.faults["reset_before"]
    assert all(f.error.outcome_unknown for f in unknown)  # type: ignore[attr-defined]
    emails = _emails(fake)
    assert set(emails.values()) == {1}
    assert len(emails) == result.ok + fake.stats.faults["reset_after"]
    assert result.created == result.ok


async def test_bulk_update_and_delete_by_id() -> None:
    async with FakeLeadConnector() as fake, _client(fake) as client:
        ids = [fake.store.create(fake.location_id, {"firstName": f"N{i}"})["id"] for i in range(30)]
        updates = [(cid, lc.ContactUpdate(city="Oslo")) for cid in ids] + [
            ("missing", lc.ContactUpdate(city="Oslo"))
        ]
        updated = await client.contacts.bulk_update(updates, concurrency=5)
        assert {c["city"] for c in fake.store.contacts.values()} == {"Oslo"}
        deleted = await client.contacts.bulk_delete([*ids, "missing"])
    assert (updated.ok, updated.updated, updated.created) == (30, 30, 0)
    assert [(f.index, f.item[0]) for f in updated.failed] == [(30, "missing")]
    assert isinstance(updated.failed[0].error, lc.NotFoundError)
    assert deleted.ok == 30
    assert fake.store.contacts == {}
    assert isinstance(deleted.failed[0].error, lc.NotFoundError)


async def test_rows_of_the_wrong_shape_fail_alone_and_send_nothing() -> None:
    async with FakeLeadConnector() as fake, _client(fake) as client:
        rows: list[object] = [lc.ContactCreate(email="a@x.com"), {"email": "b@x.com"}]
        upserted = await client.contacts.bulk_upsert(rows)  # type: ignore[arg-type]
        pairs: list[object] = [("id", lc.ContactCreate()), "id", ("id",)]
        updated = await client.contacts.bulk_update(pairs)  # type: ignore[arg-type]
    assert upserted.ok == 1
    assert [f.index for f in upserted.failed] == [1]
    assert isinstance(upserted.failed[0].error, lc.ConfigurationError)
    assert "ContactCreate" in str(upserted.failed[0].error)
    assert updated.ok == 0
    assert len(updated.failed) == 3
    assert fake.stats.requests == 1


@pytest.mark.parametrize(
    ("items", "options"),
    [
        ("a@x.com", {}),
        (42, {}),
        ([], {"concurrency": 0}),
        ([], {"start_at": -1}),
        ([], {"progress_interval": 0}),
    ],
)
async def test_bad_arguments_are_refused_before_anything_is_sent(
    items: object, options: dict[str, object]
) -> None:
    async with FakeLeadConnector() as fake, _client(fake) as client:
        with pytest.raises(lc.ConfigurationError):
            await client.contacts.bulk_upsert(items, **options)  # type: ignore[arg-type]
    assert fake.stats.requests == 0


async def test_429s_hidden_by_retries_are_counted() -> None:
    limit = FakeRateLimit(max_requests=10, period=0.1)
    retry = lc.RetryPolicy(max_retries=20, backoff_base=0.01, backoff_max=0.05)
    async with FakeLeadConnector(rate_limit=limit) as fake, _client(fake, retry=retry) as client:
        result = await client.contacts.bulk_upsert(_rows(60), concurrency=20)
    assert result.ok == 60
    assert result.rate_limited == fake.stats.rate_limited > 0
    assert result.requests == fake.stats.requests == 60 + fake.stats.rate_limited


async def test_stream_yields_each_outcome_as_it_finishes_reading_input_lazily() -> None:
    rows = Consumed(300)
    async with FakeLeadConnector() as fake, _client(fake) as client:
        seen: list[lc.BulkOutcome[lc.ContactCreate, lc.UpsertResult]] = []
        async with client.contacts.bulk_upsert_stream(rows, concurrency=8) as job:
            async for outcome in job:
                assert rows.taken <= len(seen) + 8
                seen.append(outcome)
        result = job.result()
    assert sorted(o.index for o in seen) == list(range(300))
    for outcome in seen:
        assert outcome.ok
        assert outcome.result is not None
        assert outcome.result.contact.email == outcome.item.email
    assert seen[-1].checkpoint == job.checkpoint == 300
    assert (result.ok, result.created) == (300, 300)
    assert len(fake.store.contacts) == 300


async def test_async_iterable_input_and_lazy_reading() -> None:
    taken = 0

    async def rows() -> AsyncIterator[lc.ContactCreate]:
        nonlocal taken
        for row in _rows(200):
            taken += 1
            yield row

    async with FakeLeadConnector() as fake, _client(fake) as client:
        progress: list[lc.BulkProgress] = []

        def check(p: lc.BulkProgress) -> None:
            assert taken <= p.done + 4
            progress.append(p)

        result = await client.contacts.bulk_upsert(
            rows(), concurrency=4, on_progress=check, progress_interval=0.001
        )
    assert (result.ok, taken) == (200, 200)
    assert len(fake.store.contacts) == 200
    assert progress
    assert progress[-1].done == 200


async def test_bulk_tags_in_chunks_with_per_contact_failures() -> None:
    async with FakeLeadConnector() as fake, _client(fake, max_retries=0) as client:
        ids = [
            fake.store.create(fake.location_id, {"firstName": f"T{i}"})["id"] for i in range(120)
        ]
        rows = [*ids[:60], "missing", "", *ids[60:]]
        added = await client.contacts.bulk_add_tags(iter(rows), ["vip", "2024"], chunk_size=50)
        assert fake.stats.routes["POST /contacts/bulk/tags/update/{type}"] == 3
        assert all(fake.store.contacts[i]["tags"] == ["vip", "2024"] for i in ids)
        fake.force_fault("unavailable", 1)
        removed = await client.contacts.bulk_remove_tags(
            ids, [], remove_all=True, chunk_size=50, concurrency=1
        )
        with pytest.raises(lc.ConfigurationError):
            await client.contacts.bulk_add_tags(ids, [])
    assert added.ok == 120
    assert [(f.index, f.item) for f in added.failed] == [(60, "missing"), (61, "")]
    assert isinstance(added.failed[0].error, lc.APIError)
    assert "contact not found" in str(added.failed[0].error)
    assert isinstance(added.failed[1].error, lc.ConfigurationError)
    assert removed.ok == 70
    assert {f.index for f in removed.failed} == set(range(50))
    assert all(isinstance(f.error, lc.ServerError) for f in removed.failed)
    assert [i for i in ids if fake.store.contacts[i]["tags"]] == ids[:50]


async def _tag_with_answer(body: dict[str, object], ids: list[str]) -> lc.BulkResult[str]:
    """``bulk_add_tags(ids)`` against a server that answers every chunk with ``body``."""

    async def tagged(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, answer(json.dumps(body).encode(), status="201 Created"))

    async with serving(tagged) as raw, client_for(raw) as client:
        result = await client.contacts.bulk_add_tags(ids, ["vip"])
    assert len(raw.requests) == 1
    return result


@pytest.mark.parametrize(
    "responses",
    [
        [],
        ["c1: not found", "c2: not found", "c3: not found"],  # the spec types them as strings
        [{"type": "error", "message": "Contact not found"}] * 3,  # no contactId
    ],
    ids=["no-entries", "strings", "no-contact-ids"],
)
async def test_bulk_tags_rows_the_server_failed_without_naming_them_are_not_ok(
    responses: list[object],
) -> None:
    body = {"succeded": False, "errorCount": 3, "responses": responses}
    result = await _tag_with_answer(body, ["c1", "c2", "c3"])
    assert (result.ok, [f.item for f in result.failed]) == (0, ["c1", "c2", "c3"])
    for failure in result.failed:
        assert isinstance(failure.error, lc.APIError)
        message = str(failure.error)
        assert f"contact {failure.item} was not confirmed updated" in message
        assert "reported 3 contact(s) not updated without saying which" in message
    if responses:
        assert "not found" in str(result.failed[0].error)  # the server's words are kept


async def test_bulk_tags_fail_only_the_rows_an_answer_leaves_unconfirmed() -> None:
    ids = ["c1", "c2", "c3"]
    entries = [
        {"contactId": "c1", "type": "success", "message": "Tags updated"},
        {"contactId": "c2", "type": "error", "message": "contact not found"},
    ]
    some = await _tag_with_answer({"succeded": True, "errorCount": 2, "responses": entries}, ids)
    assert some.ok == 1
    assert [(f.item, str(f.error)) for f in some.failed] == [
        ("c2", "contact c2 was not updated: contact not found"),
        (
            "c3",
            "contact c3 was not confirmed updated: the server reported 2 contact(s) not updated "
            "without saying which",
        ),
    ]
    refused = await _tag_with_answer({"succeded": False, "responses": entries}, ids)
    assert [f.item for f in refused.failed] == ["c2", "c3"]
    assert "the server answered that the update did not succeed" in str(refused.failed[1].error)
    # An answer that reports no other failure: the rows it does not name are ok (as before).
    quiet = await _tag_with_answer({"succeded": True, "errorCount": 1, "responses": entries}, ids)
    assert (quiet.ok, [f.item for f in quiet.failed]) == (2, ["c2"])


async def test_a_row_that_cannot_be_encoded_fails_alone(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    rows = [lc.ContactCreate(email=f"enc{n}@x.com") for n in range(20)]
    rows[7] = lc.ContactCreate(email="bad@x.com", first_name=object())  # type: ignore[arg-type]
    result = await leadconnector_client.contacts.bulk_upsert(rows, concurrency=4)
    assert result.ok == 19
    assert [f.index for f in result.failed] == [7]
    assert isinstance(result.failed[0].error, lc.ConfigurationError)
    assert "nothing was sent" in str(result.failed[0].error)
    assert len(fake_leadconnector.store.contacts) == 19
