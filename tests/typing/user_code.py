"""Typed code as a user writes it: checked by pyright and mypy --strict in CI, and run by a test.

It touches the public surface the way an application does (a web backend's upsert from optional
form fields, search, bulk import, error handling), so a type that only one checker accepts, or
an annotation a user cannot satisfy, fails CI.
"""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import AsyncIterator
from dataclasses import dataclass

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector


@dataclass
class SignupForm:
    """What a web form hands over: every field but the email is optional."""

    email: str
    first_name: str | None = None
    last_name: str | None = None
    tags: list[str] | None = None


async def record_signup(client: lc.LeadConnector, form: SignupForm) -> tuple[str, bool]:
    """Upsert from optional fields: a missing one is not sent, so nothing stored is erased."""
    body = lc.ContactCreate(
        email=form.email, first_name=form.first_name, last_name=form.last_name, tags=form.tags
    )
    result: lc.UpsertResult = await client.contacts.upsert(body)
    return result.contact.id, result.new


async def forget_last_name(client: lc.LeadConnector, contact_id: str) -> lc.Contact:
    return await client.contacts.update(contact_id, lc.ContactUpdate(last_name=lc.CLEAR))


async def emails(client: lc.LeadConnector, query: str) -> list[str]:
    found: list[str] = []
    async for contact in client.contacts.search(query=query, page_size=100):
        if contact.email is not None:
            found.append(contact.email)
    return found


async def rows(count: int) -> AsyncIterator[lc.ContactCreate]:
    for n in range(count):
        yield lc.ContactCreate(email=f"row{n}@example.com", city=lc.UNSET)


async def import_rows(client: lc.LeadConnector, count: int) -> int:
    result: lc.BulkResult[lc.ContactCreate] = await client.contacts.bulk_upsert(
        rows(count), concurrency=4
    )
    for failure in result.failed:
        print(failure.index, failure.item.email, failure.error)
    return result.ok


async def main() -> None:
    async with (
        FakeLeadConnector() as fake,
        lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client,
    ):
        contact_id, new = await record_signup(client, SignupForm("j@example.com", "Jo", "Roe"))
        again, _ = await record_signup(client, SignupForm("j@example.com"))
        cleared = await forget_last_name(client, contact_id)
        imported = await import_rows(client, 5)
        try:
            await client.contacts.get("no-such-contact")
        except lc.NotFoundError as error:
            restored = pickle.loads(pickle.dumps(error))
            assert isinstance(restored, lc.NotFoundError)
        found = await emails(client, "example.com")
    assert new
    assert again == contact_id
    assert cleared.last_name is None
    print(f"signup {contact_id}, imported {imported}, found {len(found)}")


if __name__ == "__main__":
    asyncio.run(main())
