"""``contacts.find_duplicate``: matching on the fake server, and the query exactly as sent."""

from __future__ import annotations

import pytest

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector

from ._capture import capture_server


async def test_finds_by_email_or_number_and_none_otherwise(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    contacts = leadconnector_client.contacts
    stored = fake_leadconnector.store.create(
        fake_leadconnector.location_id, {"email": "Ann+news@Example.com", "phone": "+15550100"}
    )
    by_email = await contacts.find_duplicate(email="ann+news@example.com")
    by_number = await contacts.find_duplicate(number="+1 555 0100")
    assert by_email is not None
    assert by_number is not None
    assert (by_email.id, by_number.id) == (stored["id"], stored["id"])
    assert await contacts.find_duplicate(email="nobody@example.com") is None
    assert await contacts.find_duplicate(email=by_email.email, location_id="other") is None
    assert fake_leadconnector.stats.routes["GET /contacts/search/duplicate"] == 4


async def test_needs_an_email_or_a_number_and_a_location(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    with pytest.raises(lc.ConfigurationError, match="email or a number"):
        await leadconnector_client.contacts.find_duplicate()
    async with lc.LeadConnector(fake_leadconnector.token, base_url=fake_leadconnector.url) as c:
        with pytest.raises(lc.ConfigurationError, match="location"):
            await c.contacts.find_duplicate(email="a@b.c")
    assert fake_leadconnector.stats.requests == 0


async def test_plus_and_at_are_percent_encoded_on_the_wire() -> None:
    async with (
        capture_server([(200, b'{"contact": null}')]) as seen,
        lc.LeadConnector("t", location_id="loc 1", base_url=seen.url, rate_limit=None) as c,
    ):
        assert await c.contacts.find_duplicate(email="a+b@x.com", number="+15550100") is None
        await c.contacts.find_duplicate(number="+44 20")
    assert seen.targets == [
        "/contacts/search/duplicate?locationId=loc%201&number=%2B15550100&email=a%2Bb%40x.com",
        "/contacts/search/duplicate?locationId=loc%201&number=%2B44%2020",
    ]


async def test_a_failed_lookup_names_neither_email_nor_number(
    caplog: pytest.LogCaptureFixture, unused_tcp_port: int
) -> None:
    # Nothing listens on the port: every attempt fails to connect and is retried (logged).
    policy = lc.RetryPolicy(max_retries=1, backoff_base=0.0)
    url = f"http://127.0.0.1:{unused_tcp_port}"
    client = lc.LeadConnector("pit", location_id="L", base_url=url, retry=policy, rate_limit=None)
    caplog.set_level("DEBUG", logger="leadconnector_async")
    async with client:
        with pytest.raises(lc.TransportError) as caught:
            await client.contacts.find_duplicate(email="private.person@example.com")
    texts = [str(caught.value), *(r.getMessage() for r in caplog.records)]
    assert len(caplog.records) >= 1  # the retry was logged
    assert "/contacts/search/duplicate" in str(caught.value)
    assert not [t for t in texts if "private.person" in t]
