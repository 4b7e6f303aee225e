"""The demo: a create / get / update / upsert / delete round trip on the embedded fake server."""

from __future__ import annotations

from typing import TextIO

from .client import LeadConnector
from .errors import NotFoundError
from .models.contacts import ContactCreate, ContactUpdate
from .testing import FakeLeadConnector


async def run_demo(out: TextIO) -> int:
    """Run the round trip, printing each step; returns the exit code."""
    async with FakeLeadConnector() as fake:
        print(f"fake LeadConnector server at {fake.url}", file=out)
        async with LeadConnector(fake.token, location_id=fake.location_id,
                                 base_url=fake.url) as client:  # fmt: skip
            contacts = client.contacts
            jane = await contacts.create(ContactCreate(first_name="Jane", email="jane@example.com"))
            print(f"created  {jane.id} {jane.name} <{jane.email}>", file=out)
            jane = await contacts.get(jane.id)
            print(f"got      {jane.id} {jane.name}", file=out)
            jane = await contacts.update(jane.id, ContactUpdate(last_name="Doe"))
            print(f"updated  {jane.id} {jane.name}", file=out)
            again = await contacts.upsert(ContactCreate(email="jane@example.com", city="Austin"))
            print(
                f"upserted {again.contact.id} new={again.new} city={again.contact.city}", file=out
            )
            bob = await contacts.upsert(ContactCreate(email="bob@example.com", first_name="Bob"))
            print(f"upserted {bob.contact.id} new={bob.new} {bob.contact.name}", file=out)
            for contact_id in (jane.id, bob.contact.id):
                await contacts.delete(contact_id)
                print(f"deleted  {contact_id}", file=out)
            try:
                await contacts.get(jane.id)
            except NotFoundError as error:
                print(f"get after delete -> NotFoundError: {error.message}", file=out)
    print("demo finished: 7 calls, every one answered as the API would", file=out)
    return 0
