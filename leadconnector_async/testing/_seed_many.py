"""Seed the fake's store with many small contacts fast, for listing tests and benchmarks.

``ContactStore.create`` costs ~30 µs a contact (random ids, copies, derived fields); this writes
ready wire dicts, ~4x faster, with the same id shape and the store's duplicate index kept.
"""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta
from typing import Any

from ._seed import FIRST_NAMES, SURNAMES, TAGS
from ._store import ContactStore, api_time

_ALPHABET = string.ascii_letters + string.digits
START = datetime(2024, 1, 1, tzinfo=UTC)


def seed_many(
    store: ContactStore,
    location_id: str,
    count: int,
    *,
    seed: int = 0,
    business_id: str | None = None,
    per_second: int = 3,
) -> list[dict[str, Any]]:
    """Add ``count`` contacts to ``location_id`` and return them (the same ones per ``seed``).

    Args:
        store: The fake's contact store.
        location_id: The location they belong to.
        count: How many.
        seed: Seed of ids, names and tags.
        business_id: The business every one of them belongs to, if any.
        per_second: Contacts sharing each ``dateAdded`` second from 2024-01-01, so sort orders
            need their id tie-breaker.
    """
    rng = random.Random(seed)
    made = []
    stamp = ""
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        if n % per_second == 0:
            moment = START + timedelta(seconds=n // per_second)
            stamp = api_time(moment)
        contact: dict[str, Any] = {
            "id": "".join(rng.choices(_ALPHABET, k=20)),
            "locationId": location_id,
            "firstName": first,
            "lastName": last,
            "name": f"{first} {last}",
            "email": f"{first}.{last}.{n}@example.com".lower(),
            "tags": rng.sample(TAGS, 2),
            "customFields": [],
            "type": "lead",
            "dateAdded": stamp,
            "dateUpdated": stamp,
        }
        if business_id is not None:
            contact["businessId"] = business_id
        store.contacts[contact["id"]] = contact
        store._index(contact, add=True)
        made.append(contact)
    return made
