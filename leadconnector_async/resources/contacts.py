"""``client.contacts``: create, read, update, delete and upsert contacts."""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

from msgspec import UNSET

from .._protocol import Call, segment, unwrap
from ..errors import ConfigurationError
from ..models._base import Succeeded
from ..models.appointments import Appointment, AppointmentList
from ..models.contacts import (
    Contact,
    ContactCreate,
    ContactEnvelope,
    ContactUpdate,
    MaybeContactEnvelope,
    UpdatedContactEnvelope,
    UpsertBody,
    UpsertResult,
)
from ..models.contacts import with_location as _with_location
from ..models.tags import BulkBusinessResult
from ._base import Resource, SubResource, contact_path
from .associations import CampaignsResource, FollowersResource, TagsResource, WorkflowsResource
from .bulk_ops import BulkTagsResource, business_call
from .records import NotesResource, TasksResource

_CONTACT = unwrap(ContactEnvelope, attrgetter("contact"))
_UPDATED = unwrap(UpdatedContactEnvelope, attrgetter("contact"))
_UPSERTED = unwrap(UpsertResult, lambda result: result)
_DELETED = unwrap(Succeeded, attrgetter("ok"))
_MAYBE_CONTACT = unwrap(MaybeContactEnvelope, attrgetter("contact"))
_APPOINTMENTS = unwrap(AppointmentList, attrgetter("events"))


class ContactsResource(Resource):
    """Contacts of a location. Reached as ``client.contacts``."""

    __slots__ = ()

    tasks = SubResource(TasksResource)
    notes = SubResource(NotesResource)
    tags = SubResource(TagsResource)
    followers = SubResource(FollowersResource)
    campaigns = SubResource(CampaignsResource)
    workflows = SubResource(WorkflowsResource)
    bulk_tags = SubResource(BulkTagsResource)

    async def create(self, contact: ContactCreate) -> Contact:
        """Create a contact (``POST /contacts/``).

        ``location_id`` defaults to the client's. A create is not repeated when its outcome is
        unknown (connection lost after sending): you get a ``TransportError`` with
        ``outcome_unknown=True`` instead of a possible duplicate; prefer :meth:`upsert`.

        Raises:
            DuplicateContactError: The location forbids duplicates and one matches
                (``.existing_id``).
            UnprocessableEntityError: Validation failed (``.messages``).
        """
        body, location = self._located(contact)
        call = Call("POST", "/contacts/", _CONTACT, body=body, idempotent=False,
                    location_id=location)  # fmt: skip
        return await self._client.send(call)

    async def get(self, contact_id: str) -> Contact:
        """Fetch one contact (``GET /contacts/{contactId}``).

        Raises:
            NotFoundError: No contact has that id.
        """
        path = f"/contacts/{segment(contact_id, 'contact_id')}"
        return await self._client.send(Call("GET", path, _CONTACT))

    async def update(self, contact_id: str, changes: ContactUpdate) -> Contact:
        """Change a contact (``PUT /contacts/{contactId}``); unset fields stay as they are.

        ``tags`` replaces every tag; use ``contacts.tags.add``/``remove`` for incremental changes.
        """
        path = f"/contacts/{segment(contact_id, 'contact_id')}"
        contact = await self._client.send(Call("PUT", path, _UPDATED, body=changes))
        return contact if contact is not None else await self.get(contact_id)

    async def delete(self, contact_id: str) -> None:
        """Delete a contact (``DELETE /contacts/{contactId}``).

        Raises:
            NotFoundError: No contact has that id.
        """
        path = f"/contacts/{segment(contact_id, 'contact_id')}"
        await self._client.send(Call("DELETE", path, _DELETED))

    async def find_duplicate(
        self, *, email: str | None = None, number: str | None = None, location_id: str | None = None
    ) -> Contact | None:
        """The contact a new one with this email or phone would duplicate, if any
        (``GET /contacts/search/duplicate``; scope ``contacts.readonly``).

        Args:
            email: Email to match.
            number: Phone number to match (sent as ``number``; ``+`` is percent-encoded).
            location_id: The location to search (default: the client's).

        Raises:
            ConfigurationError: Neither ``email`` nor ``number`` given (before sending).
        """
        if not (email or number):
            raise ConfigurationError("find_duplicate needs an email or a number")
        params = {"locationId": self._client.require_location(location_id), "number": number,
                  "email": email}  # fmt: skip
        call = Call("GET", "/contacts/search/duplicate", _MAYBE_CONTACT, params=params,
                    location_id=params["locationId"])  # fmt: skip
        return await self._client.send(call)

    async def appointments(self, contact_id: str) -> list[Appointment]:
        """Every appointment of a contact (``GET /contacts/{contactId}/appointments``).

        Raises:
            NotFoundError: No contact has that id.
        """
        call = Call("GET", contact_path(contact_id, "appointments"), _APPOINTMENTS)
        return await self._client.send(call)

    async def bulk_business(
        self, contact_ids: Iterable[str], business_id: str | None, *, location_id: str | None = None
    ) -> BulkBusinessResult:
        """Link up to 50 contacts to a business, or unlink them with ``business_id=None``
        (``POST /contacts/bulk/business``).

        Returns:
            ``BulkBusinessResult`` with ``success`` and the ``ids`` changed.

        Raises:
            ConfigurationError: More than 50 ids, none, or no location (before sending).
        """
        call = business_call(self._client, contact_ids, business_id, location_id)
        return await self._client.send(call)

    async def upsert(
        self, contact: ContactCreate, *, create_new_if_duplicate_allowed: bool | None = None
    ) -> UpsertResult:
        """Update the contact matching by email/phone (per the location's duplicate settings),
        or create it (``POST /contacts/upsert``). Safe to retry.

        Args:
            contact: The contact's fields; ``tags`` replaces every tag of a matched contact.
            create_new_if_duplicate_allowed: When true and the location allows duplicates,
                always create.

        Returns:
            ``UpsertResult`` with ``.contact`` and ``.new`` (True when created).
        """
        body = UpsertBody(
            **{f: getattr(contact, f) for f in contact.__struct_fields__},
            create_new_if_duplicate_allowed=(
                UNSET if create_new_if_duplicate_allowed is None
                else create_new_if_duplicate_allowed
            ),
        )  # fmt: skip
        located, location = self._located(body)
        call = Call("POST", "/contacts/upsert", _UPSERTED, body=located,
                    location_id=location)  # fmt: skip
        return await self._client.send(call)

    def _located(self, contact: ContactCreate) -> tuple[ContactCreate, str]:
        """The body with ``location_id`` filled from the client when unset, and that location."""
        if isinstance(contact.location_id, str):
            return contact, contact.location_id
        location = self._client.require_location()
        return _with_location(contact, location), location
