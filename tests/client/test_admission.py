"""The pool admits what its connections carry; beyond that, locations take turns."""

from __future__ import annotations

import asyncio

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector, Faults


def _pool(fake: FakeLeadConnector, connections: int) -> lc.LeadConnector:
    return lc.LeadConnector(
        fake.token, base_url=fake.url, rate_limit=None, connection_limit=connections
    )


async def test_a_location_with_few_requests_is_not_stuck_behind_a_busy_one() -> None:
    async with FakeLeadConnector(faults=Faults(latency=0.002)) as fake:
        contact_id = str(fake.store.create(fake.location_id, {"firstName": "F"})["id"])
        async with _pool(fake, connections=2) as pool:
            finished: list[str] = []

            async def get(location: str) -> None:
                await pool.for_location(location).contacts.get(contact_id)
                finished.append(location)

            busy = [asyncio.ensure_future(get("busy")) for _ in range(40)]  # queue first
            quiet = [asyncio.ensure_future(get("quiet")) for _ in range(5)]
            await asyncio.gather(*busy, *quiet)
    assert len(finished) == fake.stats.requests == 45
    # First come, first served would finish every busy request first; in turns, the quiet
    # location's five are done once the two in flight and ten alternating places are.
    assert finished[:12].count("quiet") == 5


async def test_waiting_for_a_connection_counts_against_the_calls_time_budget() -> None:
    async with FakeLeadConnector(faults=Faults(latency=0.5)) as fake:
        contact_id = str(fake.store.create(fake.location_id, {"firstName": "F"})["id"])
        async with _pool(fake, connections=1) as pool:
            client = pool.for_location(fake.location_id)
            slow = asyncio.ensure_future(client.contacts.get(contact_id))
            await asyncio.sleep(0)  # the slow call takes the only connection
            hurried = client.with_options(timeout=0.05)
            with pytest.raises(lc.PoolTimeoutError, match="nothing was sent") as caught:
                await hurried.contacts.get(contact_id)
            assert not caught.value.outcome_unknown
            await slow
            await client.contacts.get(contact_id)  # the gate is whole again
    assert fake.stats.requests == 2  # the call that found no connection was not retried


async def test_a_call_the_saturated_pool_cannot_serve_in_time_is_refused_at_once() -> None:
    async with FakeLeadConnector(faults=Faults(latency=0.05)) as fake:
        contact_id = str(fake.store.create(fake.location_id, {"firstName": "F"})["id"])
        async with lc.LeadConnector(fake.token, base_url=fake.url, connection_limit=1) as pool:
            client = pool.for_location(fake.location_id)
            calls = [asyncio.ensure_future(client.contacts.get(contact_id)) for _ in range(3)]
            await calls[0]  # its connection went to the second: the location's turns are timed
            status = client.rate_limit_status()
            assert status is not None
            hurried = client.with_options(timeout=0.01)  # less than one turn (one response)
            with pytest.raises(lc.PoolTimeoutError, match="saturated") as caught:
                await hurried.contacts.get(contact_id)
            assert not caught.value.outcome_unknown
            assert (caught.value.method, caught.value.path_template) == (
                "GET",
                "/contacts/{contactId}",
            )
            after = client.rate_limit_status()
            assert after is not None
            assert after.in_use == status.in_use  # no send slot was spent on it
            await asyncio.gather(*calls[1:])
    assert fake.stats.requests == 3


async def test_a_call_that_found_no_connection_in_time_gives_its_send_slot_back() -> None:
    # It took a rate-limit slot, then waited for a connection past its budget: nothing was
    # sent, so the slot comes back at once instead of cooling for a period.
    async with FakeLeadConnector(faults=Faults(latency=0.5)) as fake:
        contact_id = str(fake.store.create(fake.location_id, {"firstName": "F"})["id"])
        async with lc.LeadConnector(fake.token, base_url=fake.url, connection_limit=1) as pool:
            client = pool.for_location(fake.location_id)
            slow = asyncio.ensure_future(client.contacts.get(contact_id))
            await asyncio.sleep(0)  # the slow call takes the only connection
            hurried = client.with_options(timeout=0.05)
            with pytest.raises(lc.PoolTimeoutError, match="nothing was sent"):
                await hurried.contacts.get(contact_id)
            waiting = client.rate_limit_status()
            assert waiting is not None
            assert waiting.in_use == 1  # the slow call's slot only
            assert waiting.daily_used == 1
            await slow
    assert fake.stats.requests == 1
