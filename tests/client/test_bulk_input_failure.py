"""A bulk job whose input raises: the rows read are all sent and reported, then the job stops."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, Faults

UPSERT = "POST /contacts/upsert"


def _rows(count: int, start: int = 0) -> Iterator[lc.ContactCreate]:
    """``count`` rows, then the input breaks (a file's drive going away)."""
    for n in range(start, count):
        yield lc.ContactCreate(email=f"g{n}@x.com")
    raise OSError("the drive went away")


async def _async_rows(count: int) -> AsyncIterator[lc.ContactCreate]:
    for row in _rows(count):
        yield row


def _check_stop(error: lc.LeadConnectorError | None) -> None:
    assert error is not None
    assert "reading the input failed: OSError: the drive went away" in str(error)
    assert isinstance(error.__cause__, OSError)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["iterable", "async iterable"])
async def test_rows_in_flight_finish_and_the_job_stops_with_the_inputs_error(
    asynchronous: bool,
) -> None:
    # Slow answers, so that rows are in flight when the input breaks.
    async with (
        FakeLeadConnector(faults=Faults(latency=0.05)) as fake,
        lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client,
    ):
        rows = _async_rows(45) if asynchronous else _rows(45)
        result = await client.contacts.bulk_upsert(rows, concurrency=20)
    assert (result.ok, result.failed, result.checkpoint) == (45, [], 45)
    _check_stop(result.stopped_by)
    assert fake.stats.routes[UPSERT] == len(fake.store.contacts) == 45


async def test_a_stream_reports_every_row_read_and_a_resume_goes_on_from_the_checkpoint(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    contacts = leadconnector_client.contacts
    async with contacts.bulk_create_stream(_rows(30), concurrency=8) as job:
        indices = sorted([outcome.index async for outcome in job])
    assert indices == list(range(30))
    stopped = job.result()
    _check_stop(stopped.stopped_by)
    assert stopped.checkpoint == 30
    rest = await contacts.bulk_create(
        (lc.ContactCreate(email=f"g{n}@x.com") for n in range(40)), start_at=stopped.checkpoint
    )
    assert (rest.ok, rest.failed, rest.stopped_by, rest.checkpoint) == (10, [], None, 40)
    assert fake_leadconnector.stats.routes["POST /contacts/"] == 40
