"""Sync reads phones by the package's one rule (the command line's too): never a guessed +1."""

from __future__ import annotations

import pytest

import leadconnector_async as lc
from leadconnector_async._phones import e164
from leadconnector_async.cli.hygiene import normalise_phone
from leadconnector_async.sync._normalise import canonical
from leadconnector_async.testing import FakeLeadConnector
from tests.client.test_sync_rules import _store, _writes


async def test_a_national_prefix_after_the_country_code_matches_the_stored_contact(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    stored = _store(fake_leadconnector, phone="+442079460958", firstName="Old")
    row = lc.ContactCreate(phone="+44 (0)20 7946 0958", first_name="New")
    result = await leadconnector_client.contacts.sync([row], match="phone")
    assert (result.created, result.updated, result.failed) == (0, 1, [])
    assert len(fake_leadconnector.store.contacts) == 1  # no duplicate
    assert (stored["firstName"], stored["phone"]) == ("New", "+442079460958")


async def test_a_phone_without_country_code_is_not_matched_unless_a_region_is_given(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    stored = _store(fake_leadconnector, phone="+15125550101", city="Austin")
    rows = [lc.ContactCreate(phone="(512) 555-0101 ext 23", city="Dallas")]
    sync = leadconnector_client.contacts.sync
    result = await sync(rows, match="phone")
    [failure] = result.failed
    assert "has no country code" in str(failure.error)
    assert "nothing was written" in str(failure.error)
    assert (result.created, result.updated, _writes(fake_leadconnector)) == (0, 0, 0)
    assert stored["city"] == "Austin"
    result = await sync(rows, match="phone", default_region="US")
    assert (result.created, result.updated, result.failed) == (0, 1, [])
    assert stored["city"] == "Dallas"
    assert len(fake_leadconnector.store.contacts) == 1


async def test_a_compared_phone_without_country_code_is_compared_and_sent_as_written(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    _store(fake_leadconnector, email="a@x.com", phone="+15125550101")
    stored = _store(fake_leadconnector, email="b@x.com", phone="+15125550102")
    sync = leadconnector_client.contacts.sync
    same = await sync(
        [lc.ContactCreate(email="a@x.com", phone="512 555 0101")], default_region="US"
    )
    assert (same.unchanged, _writes(fake_leadconnector)) == (1, 0)
    # No region: not assumed North American, so it differs and is written as the row has it.
    result = await sync([lc.ContactCreate(email="b@x.com", phone="512 555 0102")])
    assert (result.updated, _writes(fake_leadconnector)) == (1, 1)
    assert stored["phone"] == "512 555 0102"


async def test_an_international_00_prefix_matches_the_stored_contact_in_any_region(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    stored = _store(fake_leadconnector, phone="+442079460958", city="London")
    sync = leadconnector_client.contacts.sync
    for region, city in ((None, "Leeds"), ("US", "York")):
        row = lc.ContactCreate(phone="0044 20 7946 0958", city=city)
        result = await sync([row], match="phone", default_region=region)
        assert (result.created, result.updated, result.failed) == (0, 1, []), region
        assert stored["city"] == city
    assert len(fake_leadconnector.store.contacts) == 1  # no duplicate under a made-up number


async def test_an_unknown_default_region_fails_before_anything_is_sent(
    fake_leadconnector: FakeLeadConnector, leadconnector_client: lc.LeadConnector
) -> None:
    with pytest.raises(lc.ConfigurationError, match="default_region"):
        await leadconnector_client.contacts.sync(
            [lc.ContactCreate(phone="020 7946 0958")], match="phone", default_region="XX"
        )
    assert fake_leadconnector.stats.requests == 0


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("+44 (0)20 7946 0958", None, "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("(512) 555-0101 ext 23", "US", "+15125550101"),
        ("+1 (415) 555-0132", None, "+14155550132"),
        ("0044 20 7946 0958", None, "+442079460958"),
        ("0044 20 7946 0958", "US", "+442079460958"),  # not a US number starting 00
        ("00 61 2 9374 4000", "JP", "+61293744000"),
        ("0011 44 20 7946 0958", "AU", "+442079460958"),  # Australia's own prefix, kept
    ],
)
def test_sync_and_the_command_line_read_a_phone_alike(
    text: str, region: str | None, expected: str
) -> None:
    assert e164(text, region) == normalise_phone(text, region) == expected
    if region is None:
        assert canonical(text, "phone") == expected


def test_sync_never_guesses_a_country() -> None:
    assert canonical(" (512) 555-0101 ", "phone") == "(512) 555-0101"
    assert canonical("5125550101", "phone") == "5125550101"
