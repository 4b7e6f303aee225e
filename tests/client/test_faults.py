"""Injected faults: every item done exactly once or reported failed; never a duplicate."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Coroutine
from typing import Any, TypeVar, Unpack

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, Faults

from ._options import ClientOptions

T = TypeVar("T")
ROWS = 300
FAULTS = Faults(unavailable=0.10, reset_before=0.025, reset_after=0.025, seed=7)
FAST_RETRY = lc.RetryPolicy(max_retries=6, backoff_base=0.001, backoff_max=0.01)


def _client(fake: FakeLeadConnector, **kw: Unpack[ClientOptions]) -> lc.LeadConnector:
    return lc.LeadConnector(
        fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None, **kw
    )


def _emails(fake: FakeLeadConnector) -> Counter[str]:
    return Counter(c["email"] for c in fake.store.contacts.values())


async def _run_all(coros: list[Coroutine[Any, Any, T]]) -> list[T | BaseException]:
    return await asyncio.gather(*coros, return_exceptions=True)


async def test_upserts_under_faults_all_land_exactly_once() -> None:
    async with FakeLeadConnector(faults=FAULTS) as fake, _client(fake, retry=FAST_RETRY) as client:
        results = await _run_all(
            [client.contacts.upsert(lc.ContactCreate(email=f"u{i}@x.com")) for i in range(ROWS)]
        )
    assert all(isinstance(r, lc.UpsertResult) for r in results), [
        r for r in results if not isinstance(r, lc.UpsertResult)
    ]
    emails = _emails(fake)
    assert len(emails) == ROWS
    assert set(emails.values()) == {1}
    assert fake.stats.faults["reset_after"] > 0
    assert fake.stats.faults["unavailable"] > 0


async def test_creates_under_faults_are_done_once_or_reported_never_duplicated() -> None:
    async with FakeLeadConnector(faults=FAULTS) as fake, _client(fake, retry=FAST_RETRY) as client:
        results = await _run_all(
            [client.contacts.create(lc.ContactCreate(email=f"c{i}@x.com")) for i in range(ROWS)]
        )
    failed = [r for r in results if isinstance(r, BaseException)]
    done = [r for r in results if isinstance(r, lc.Contact)]
    assert len(done) + len(failed) == ROWS
    assert failed, "the fault mix should leave some creates with an unknown outcome"
    for error in failed:
        assert isinstance(error, lc.TransportError)
        assert error.outcome_unknown
        assert "may have been applied" in str(error)
    emails = _emails(fake)
    assert set(emails.values()) == {1}, "a retry created a duplicate"
    for contact in done:
        assert emails[contact.email or ""] == 1
    # A reset looks the same to us before or after the write: a failed row is stored at most once.
    assert len(done) <= len(emails) <= ROWS
    assert fake.stats.faults["reset_before"] > 0
    assert fake.stats.faults["reset_after"] > 0


async def test_a_reset_before_processing_is_retried_even_for_a_create() -> None:
    async with FakeLeadConnector() as fake, _client(fake, retry=FAST_RETRY) as client:
        fake.force_fault("unavailable")
        created = await client.contacts.create(lc.ContactCreate(email="a@x.com"))
    assert fake.store.contacts[created.id]["email"] == "a@x.com"
    assert fake.stats.statuses[503] == 1
    assert len(fake.store.contacts) == 1


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
async def test_broken_bodies_are_retried_for_reads(kind: str) -> None:
    async with FakeLeadConnector() as fake, _client(fake, retry=FAST_RETRY) as client:
        contact_id = fake.store.create(fake.location_id, {"firstName": "B"})["id"]
        fake.force_fault(kind)  # type: ignore[arg-type]
        contact = await client.contacts.get(contact_id)
    assert contact.first_name == "B"
    assert fake.stats.faults[kind] == 1


async def test_a_broken_create_response_is_not_repeated() -> None:
    async with FakeLeadConnector() as fake, _client(fake, retry=FAST_RETRY) as client:
        fake.force_fault("truncated")
        with pytest.raises(lc.TransportError) as caught:
            await client.contacts.create(lc.ContactCreate(email="t@x.com"))
    assert caught.value.status_code == 201
    assert len(fake.store.contacts) == 1


async def test_a_timeout_raises_a_transport_error_after_retries() -> None:
    async with FakeLeadConnector(faults=Faults(latency=0.3)) as fake:
        contact_id = fake.store.create(fake.location_id, {"firstName": "T"})["id"]
        async with _client(fake, timeout=0.05, retry=FAST_RETRY) as client:
            quick = client.with_options(max_retries=1)
            with pytest.raises(lc.TransportError) as caught:
                await quick.contacts.get(contact_id)
    assert caught.value.outcome_unknown
    assert fake.stats.requests == 2


class _RetryLogged(logging.Handler):
    """Sets an event when the client logs that it is about to wait before a retry."""

    def __init__(self) -> None:
        super().__init__()
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("retrying"):
            self.event.set()


async def test_cancellation_during_backoff_is_not_swallowed() -> None:
    slow_retry = lc.RetryPolicy(max_retries=3, backoff_base=30.0, backoff_max=30.0)
    handler = _RetryLogged()
    logger = logging.getLogger("leadconnector_async")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        async with FakeLeadConnector() as fake, _client(fake, retry=slow_retry) as client:
            fake.force_fault("unavailable", count=10)
            task = asyncio.ensure_future(client.contacts.get("x"))
            await asyncio.wait_for(handler.event.wait(), 5.0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    finally:
        logger.removeHandler(handler)
    assert fake.stats.requests == 1


async def test_a_delete_whose_answer_was_lost_still_succeeds() -> None:
    async with FakeLeadConnector() as fake, _client(fake, retry=FAST_RETRY) as client:
        contact_id = fake.store.create(fake.location_id, {"firstName": "D"})["id"]
        task = {"title": "t", "dueDate": "2026-01-01", "completed": False}
        task_id = fake.related.add_record("tasks", contact_id, task)["id"]
        fake.force_fault("reset_after", count=1)
        await client.contacts.tasks.delete(contact_id, task_id)
        fake.force_fault("reset_after", count=1)
        assert await client.contacts.delete(contact_id) is None  # type: ignore[func-returns-value]
        with pytest.raises(lc.NotFoundError):  # without a lost answer, not found stays an error
            await client.contacts.delete(contact_id)
    assert contact_id not in fake.store.contacts
    assert fake.stats.faults["reset_after"] == 2


async def test_closing_during_a_retry_wait_stops_the_call_and_opens_nothing() -> None:
    handler = _RetryLogged()
    logger = logging.getLogger("leadconnector_async")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    retry = lc.RetryPolicy(max_retries=3, backoff_base=0.05, backoff_max=0.05)
    try:
        async with FakeLeadConnector() as fake:
            client = _client(fake, retry=retry)
            fake.force_fault("unavailable")
            task = asyncio.ensure_future(client.contacts.get("x"))
            await asyncio.wait_for(handler.event.wait(), 5.0)
            await client.aclose()
            with pytest.raises(lc.ClientClosedError):
                await task
    finally:
        logger.removeHandler(handler)
    assert fake.stats.requests == 1
    assert client._pool.transport.session is None  # type: ignore[attr-defined]


async def test_an_always_create_upsert_whose_answer_was_lost_is_not_repeated() -> None:
    # With duplicates allowed, createNewIfDuplicateAllowed creates on every request: a resend
    # after a lost answer would store the contact twice.
    async with FakeLeadConnector() as fake, _client(fake, retry=FAST_RETRY) as client:
        fake.store.allow_duplicates[fake.location_id] = True
        fake.force_fault("reset_after", count=1)
        with pytest.raises(lc.TransportError) as caught:
            await client.contacts.upsert(
                lc.ContactCreate(email="n@x.com"), create_new_if_duplicate_allowed=True
            )
    assert caught.value.outcome_unknown
    assert _emails(fake) == Counter({"n@x.com": 1})
    assert fake.stats.requests == 1


async def test_a_matching_upsert_whose_answer_was_lost_is_still_repeated() -> None:
    async with FakeLeadConnector() as fake, _client(fake, retry=FAST_RETRY) as client:
        fake.store.allow_duplicates[fake.location_id] = True
        fake.force_fault("reset_after", count=1)
        result = await client.contacts.upsert(
            lc.ContactCreate(email="m@x.com"), create_new_if_duplicate_allowed=False
        )
    assert not result.new  # the lost first attempt created it; the resend matched it
    assert _emails(fake) == Counter({"m@x.com": 1})
    assert fake.stats.requests == 2
