"""The pure parts of sync: normalisation, the compact index, tag grouping."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

import leadconnector_async as lc
from leadconnector_async.sync._index import AMBIGUOUS, ContactIndex
from leadconnector_async.sync._normalise import canonical, row_entries
from leadconnector_async.sync._plan import MatchKey
from leadconnector_async.sync._tags import TagPlan
from leadconnector_async.sync._waiting import Waiting


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("(555) 123-4567", "(555) 123-4567"),  # no country code: as written, never +1
        (" ", None),
    ],
)
def test_phones_compare_in_e164(text: str, expected: str | None) -> None:
    assert canonical(text, "phone") == expected


def test_tags_mode_is_defined_once_in_the_core() -> None:
    package = Path(lc.__file__).parent
    defined = [p for p in package.rglob("*.py") if "\nTagsMode = " in p.read_text()]
    assert [p.relative_to(package).as_posix() for p in defined] == ["models/tags.py"]


def test_values_are_compared_after_the_apis_normalisation() -> None:
    assert canonical("  Jane ") == "Jane"
    assert canonical(" J@X.COM", "email") == "j@x.com"
    assert canonical("05/17/1990", "date_of_birth") == canonical(
        "1990-05-17T00:00:00.000Z", "date_of_birth"
    )
    assert canonical(42) == canonical("42") == canonical(42.0)
    assert canonical(["b", "a"]) == canonical(["a", "b"])
    assert canonical("") is None
    assert canonical(True) == "true"


def test_rows_set_only_what_they_name() -> None:
    row = lc.ContactCreate(
        email="a@x.com", city=None, custom_fields=[lc.CustomFieldInput(id="f1", field_value=" v ")]
    )
    assert list(row_entries(row)) == [("email", "a@x.com"), ("cf:f1", "v")]


def test_the_index_finds_by_key_and_compares_by_hash() -> None:
    index = ContactIndex(frozenset({"email", "city", "cf:f1", "tags"}))
    contacts = [
        lc.Contact(
            id="c1",
            email="a@x.com",
            city="Oslo",
            tags=["x"],
            custom_fields=[lc.CustomFieldValue(id="f1", value=3)],
        ),
        lc.Contact(id="c2", email="b@x.com"),
        lc.Contact(id="c3", email="b@x.com"),
    ]
    for contact in contacts:
        index.add(contact, contact.email)
    index.add(lc.Contact(id="c4"), None)
    index.freeze()
    assert (len(index), index.unkeyed) == (3, 1)
    position = index.find("a@x.com")
    assert position is not None
    assert index.contact_id(position) == "c1"
    assert (index.find("b@x.com"), index.count("b@x.com"), index.find("z@x.com")) == (
        AMBIGUOUS,
        2,
        None,
    )
    same = [("city", "Oslo"), ("cf:f1", "3")]
    assert index.changed(position, same) == []
    assert index.changed(position, [("city", "Rome"), ("state", "TX")]) == [
        ("city", "Rome"),
        ("state", "TX"),
    ]  # state was not kept: it is written
    assert index.changed(position, [("city", None)]) == [("city", None)]


def test_tags_are_grouped_into_the_fewest_requests() -> None:
    plan = TagPlan(chunk_size=2)
    for row, tags in enumerate([{"a"}, {"a"}, {"a"}, {"a", "b"}]):
        plan.plan(frozenset(tags))
        plan.attach(row, f"c{row}", frozenset(tags))
    assert plan.cost() == 3
    batches = plan.batches()
    assert [(b.tags, b.contact_ids) for b in batches] == [
        (("a",), ["c0", "c1"]),
        (("a",), ["c2"]),
        (("a", "b"), ["c3"]),
    ]
    by_tag = TagPlan(chunk_size=10)
    for n in range(4):
        by_tag.plan(frozenset({"x", f"only-{n}"}) if n else frozenset({"x"}))
    assert by_tag.cost() == 4  # 4 sets; 1 + 3 tags also costs 4


def test_clearing_is_a_change_only_where_the_contact_holds_a_value() -> None:
    index = ContactIndex()
    contact = lc.Contact(
        id="c1",
        email="a@x.com",
        custom_fields=[lc.CustomFieldValue(id="f1", value="gold")],
        dnd_settings=lc.DndSettings(email=lc.DndChannel(status="inactive")),
    )
    index.add(contact, contact.email)
    index.freeze()
    position = index.find("a@x.com")
    assert position is not None
    empty = [("cf:f2", None), ("dnd_settings.Email.message", None), ("city", None)]
    assert index.changed(position, empty) == []
    holding = [("cf:f1", None), ("dnd_settings.Email.status", None), ("email", None)]
    assert index.changed(position, holding) == holding


@pytest.mark.parametrize(
    ("match", "record", "key"),
    [
        (MatchKey("email"), {"id": None, "email": " Ann@X.com "}, "ann@x.com"),
        (MatchKey("phone"), {"phone": "+14155550100"}, "+14155550100"),
        (MatchKey("email"), {"email": 5}, "5"),
        (MatchKey("email"), {"email": {"odd": 1}}, None),
        (MatchKey("email"), None, None),
        (
            MatchKey("custom", "f1"),
            {"customFields": [{"id": "f0", "value": "x"}, {"id": "f1", "value": "E-7"}]},
            "E-7",
        ),
        (MatchKey("custom", "f1"), {"customFields": "odd"}, None),
    ],
)
def test_a_record_that_could_not_be_read_still_shows_its_key(
    match: MatchKey, record: object, key: str | None
) -> None:
    assert match.of_record(record) == key
    index = ContactIndex()
    index.add_unreadable(match.of_record(record))
    index.freeze()
    assert index.unreadable(key) if key is not None else not index.unreadable("anything")


@pytest.mark.parametrize(
    "row",
    [
        lc.ContactCreate(
            email="a@x.com",
            tags=["t"],
            custom_fields=[lc.CustomFieldInput(id="cf1", field_value=["a", "b"])],
            dnd_settings=lc.DndSettingsInput(sms=lc.DndChannelInput(status="active")),
            date_of_birth="1990-01-02",
        ),
        lc.ContactCreate(email="b@x.com", city=cast(str, 5)),  # a value its field refuses
    ],
)
def test_a_row_waiting_for_its_tags_is_reported_as_it_was_given(row: lc.ContactCreate) -> None:
    waiting = Waiting(row, "updated", parts=0, tags_due=True)
    assert waiting.row == row
