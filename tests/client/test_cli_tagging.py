"""An import's added tags: many rows a bulk request, and a contact the server refuses fails
alone (its row goes to the rejects; the others are finished)."""

from __future__ import annotations

import leadconnector_async as lc
from leadconnector_async.cli.reading import Row
from leadconnector_async.cli.sending import Imported
from leadconnector_async.cli.tagging import TagAdder
from leadconnector_async.errors import APIError
from leadconnector_async.testing import FakeLeadConnector


async def test_rows_share_bulk_requests_and_a_refused_contact_fails_alone() -> None:
    async with (
        FakeLeadConnector() as fake,
        lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client,
    ):
        ids = [
            fake.store.create(fake.location_id, {"email": f"p{n}@x.com", "tags": ["old"]})["id"]
            for n in range(60)
        ]
        adder = TagAdder(client, concurrency=4)
        for line, contact_id in enumerate([*ids, "no-such-contact"], start=2):
            row = Row(line, lc.ContactCreate(email=f"p{line}@x.com"), [])
            tags = frozenset({"a", "b"} if line % 2 else {"c"})
            adder.add(row, Imported(contact_id, created=False, tags=tags))
        assert len(adder) == 61
        answered, stopped = await adder.flush()
        stored = {c["id"]: sorted(c["tags"]) for c in fake.store.contacts.values()}
    assert stopped is None
    assert len(answered) == 61
    assert len(adder) == 0
    assert adder.requests == 2  # one per tag set: 30 rows get {a, b}, 31 get {c}
    failed = {t.row.line: t.error for t in answered if t.error is not None}
    assert list(failed) == [62]
    assert isinstance(failed[62], APIError)
    assert "contact not found" in str(failed[62])
    assert stored == {
        contact_id: ["a", "b", "old"] if line % 2 else ["c", "old"]
        for line, contact_id in enumerate(ids, start=2)
    }
