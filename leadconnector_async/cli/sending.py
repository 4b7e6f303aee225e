"""How one import row reaches the server.

Tags are added by default: a row with tags is upserted without them, so a matched contact
keeps the tags it had, and its result carries the tags still to add; the import adds them for
many rows at a time through the bulk tags endpoint (:mod:`.tagging`). ``tags="replace"`` sends
them with the upsert and makes them exactly the row's. A create sends the tags with the new
contact (it has none to keep).

An upsert finds the contact to update by email or phone, so a row with neither would be a new
contact on every run (and again on a ``--resume`` of a row whose tags were still to add): such
a row is refused unsent in upsert mode. ``--create`` creates it on purpose, and its resume
checks a row that may have been sent before creating it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from ..client import LeadConnector
from ..errors import ConfigurationError, LeadConnectorError
from ..models.contacts import Contact
from ..models.tags import TagsMode
from .reading import Row


class UnverifiableCreateError(LeadConnectorError):
    """A create that may have reached the server before a crash cannot be checked for."""


class UnmatchableRowError(ConfigurationError):
    """An upsert row with neither email nor phone: it can match no contact, so every run would
    create it again. Nothing is sent for it."""


@dataclass(frozen=True, slots=True)
class Imported:
    """What one row did: its contact, whether it was created, updated or found, and the tags
    still to add to it (``--tags add``: the row is finished once they are)."""

    contact_id: str
    created: bool
    found: bool = False
    tags: frozenset[str] = frozenset()


class RowSender:
    """Sends rows by upsert (tags left to add, or replaced) or by create.

    Args:
        client: The client to send with.
        create: Create instead of upsert.
        tags: ``"add"`` (keep a matched contact's tags) or ``"replace"``.
        maybe_sent: For ``create``: True for rows an interrupted run may have created; those
            are looked up by email or phone first and not created again when found.

    A row with neither email nor phone is refused in upsert mode (see the module docstring).
    """

    def __init__(
        self,
        client: LeadConnector,
        *,
        create: bool = False,
        tags: TagsMode = "add",
        maybe_sent: Callable[[int], bool] | None = None,
    ) -> None:
        self._contacts = client.contacts
        self._create = create
        self._tags = tags
        self._maybe_sent = maybe_sent

    async def __call__(self, row: Row) -> Imported:
        """Send one row.

        Raises:
            UnmatchableRowError: An upsert row with neither email nor phone (nothing sent).
            LeadConnectorError: What the server (or the check before a repeated create) said.
        """
        if self._create:
            if self._maybe_sent is not None and self._maybe_sent(row.line):
                found = await self._created_before(row)
                if found is not None:
                    return Imported(found.id, created=False, found=True)
            return Imported((await self._contacts.create(row.contact)).id, created=True)
        if _match_keys(row) == (None, None):
            raise UnmatchableRowError(
                "has no email or phone, so an upsert can match no contact and would create it "
                "again on every run: not sent (import rows meant to be new contacts with "
                "--create)"
            )
        tags = row.contact.tags
        if self._tags == "replace" or not tags:
            result = await self._contacts.upsert(row.contact)
            return Imported(result.contact.id, result.new)
        untagged = msgspec.structs.replace(row.contact, tags=msgspec.UNSET)
        result = await self._contacts.upsert(untagged)
        return Imported(result.contact.id, result.new, tags=frozenset(tags))

    async def _created_before(self, row: Row) -> Contact | None:
        email, phone = _match_keys(row)
        if email is None and phone is None:
            raise UnverifiableCreateError(
                "was being sent when the earlier run stopped and has no email or phone to check "
                "whether it was created: not sent again (check, then import this row on its own)"
            )
        return await self._contacts.find_duplicate(email=email, number=phone)


def _match_keys(row: Row) -> tuple[str | None, str | None]:
    """The row's email and phone, the fields the API finds an existing contact by."""
    email, phone = row.contact.email, row.contact.phone
    return (email if isinstance(email, str) else None, phone if isinstance(phone, str) else None)
