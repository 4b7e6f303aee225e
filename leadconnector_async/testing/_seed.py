"""Fill the fake's store with plausible contacts, for demos and benchmarks."""

from __future__ import annotations

import random
from typing import Any

from ._custom_fields import CustomFieldStore
from ._store import ContactStore

FIRST_NAMES = ("Jane", "John", "Ana", "Luis", "Mei", "Omar", "Priya", "Tom", "Zoe", "Ivan")
SURNAMES = ("Doe", "Smith", "Garcia", "Chen", "Haddad", "Patel", "Novak", "Okafor", "Berg", "Rossi")
_CITIES = (("Austin", "TX", "78701"), ("Denver", "CO", "80202"), ("Boston", "MA", "02108"))
TAGS = ("lead", "customer", "newsletter", "webinar", "vip", "trial", "referral", "churned")
_SOURCES = ("web form", "import", "facebook", "google ads", "referral")


def contact_fields(rng: random.Random, number: int) -> dict[str, Any]:
    """The wire fields of one plausible contact (what a create request would carry).

    Args:
        rng: The random source, so a seed gives the same contacts every time.
        number: A running number that keeps emails and phones unique.
    """
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    city, state, postal_code = rng.choice(_CITIES)
    return {
        "firstName": first,
        "lastName": last,
        "email": f"{first}.{last}.{number}@example.com".lower(),
        "phone": f"+1555{number:07d}",
        "companyName": f"{last} & Co",
        "address1": f"{rng.randint(1, 999)} Main St",
        "city": city,
        "state": state,
        "postalCode": postal_code,
        "country": "US",
        "timezone": "America/Chicago",
        "website": f"https://{last.lower()}.example.com",
        "source": rng.choice(_SOURCES),
        "dnd": False,
        "tags": rng.sample(TAGS, 3),
        "customFields": [
            {"id": "cf_plan", "field_value": rng.choice(("basic", "pro", "team"))},
            {"id": "cf_score", "field_value": str(rng.randint(0, 100))},
        ],
        "attributionSource": {
            "url": "https://example.com/landing",
            "utmSource": "newsletter",
            "medium": "email",
            "sessionSource": "CRM UI",
        },
    }


def seed_contacts(
    store: ContactStore, location_id: str, count: int, *, seed: int = 0
) -> list[dict[str, Any]]:
    """Create ``count`` contacts in ``location_id`` and return them (the same ones per ``seed``).

    Args:
        store: The fake's contact store.
        location_id: The location the contacts belong to.
        count: How many to create.
        seed: Seed of the random choices.
    """
    rng = random.Random(seed)
    return [store.create(location_id, contact_fields(rng, n)) for n in range(count)]


def seed_custom_fields(fields: CustomFieldStore, location_id: str) -> None:
    """Define the custom fields :func:`contact_fields` fills (``Plan``, ``Score``)."""
    fields.add(
        location_id,
        "Plan",
        field_id="cf_plan",
        data_type="SINGLE_OPTIONS",
        picklist_options=("basic", "pro", "team"),
    )
    fields.add(location_id, "Score", field_id="cf_score", data_type="NUMERICAL")
