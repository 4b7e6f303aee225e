"""``client.contacts``: create, read, update, delete and upsert contacts."""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import Unpack

from msgspec import UNSET

from .. import endpoints as ep
from ..bulk import BulkJob, BulkOptions, Rows, each, per_contact
from ..errors import ConfigurationError
from ..models.appointments import Appointment
from ..models.bulk import BulkResult
from ..models.contacts import (
    Contact,
    ContactCreate,
    ContactUpdate,
    UpsertBody,
    UpsertResult,
)
from ..models.contacts import with_location as _with_location
from ..models.sync import SyncResult
from ..models.tags import BulkBusinessResult, TagsMode
from ..sync import SyncOptions, SyncSettings, run_sync
from ._base import Resource, SubResource, string_list
from .associations import CampaignsResource, FollowersResource, TagsResource, WorkflowsResource
from .bulk_ops import BulkTagsResource, business_call
from .listings import ContactListings
from .records import NotesResource, TasksResource


class ContactsResource(ContactListings, Resource):
    """Contacts of a location. Reached as ``client.contacts``.

    Listings (``search``, ``list``, ``by_business``) come from :class:`ContactListings`.
    """

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
        return await self._send(ep.CREATE, body=body, location_id=location)

    async def get(self, contact_id: str) -> Contact:
        """Fetch one contact (``GET /contacts/{contactId}``).

        Raises:
            NotFoundError: No contact has that id.
        """
        return await self._send(ep.GET, contact_id)

    async def update(self, contact_id: str, changes: ContactUpdate) -> Contact:
        """Change a contact (``PUT /contacts/{contactId}``); unset fields stay as they are.

        ``tags`` replaces every tag; use ``contacts.tags.add``/``remove`` for incremental changes.
        """
        contact = await self._send(ep.UPDATE, contact_id, body=changes)
        return contact if contact is not None else await self.get(contact_id)

    async def delete(self, contact_id: str) -> None:
        """Delete a contact (``DELETE /contacts/{contactId}``).

        Raises:
            NotFoundError: No contact has that id.
        """
        await self._send(ep.DELETE, contact_id)

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
        params = {
            "locationId": self._client.require_location(location_id),
            "number": number,
            "email": email,
        }
        return await self._send(ep.FIND_DUPLICATE, params=params, location_id=params["locationId"])

    async def appointments(self, contact_id: str) -> list[Appointment]:
        """Every appointment of a contact (``GET /contacts/{contactId}/appointments``).

        Raises:
            NotFoundError: No contact has that id.
        """
        return await self._send(ep.APPOINTMENTS, contact_id)

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
        or create it (``POST /contacts/upsert``). Safe to retry, unless it always creates.

        Args:
            contact: The contact's fields; ``tags`` replaces every tag of a matched contact.
            create_new_if_duplicate_allowed: When true and the location allows duplicates,
                always create; the call is then not repeated after an unknown outcome.

        Returns:
            ``UpsertResult`` with ``.contact`` and ``.new`` (True when created).
        """
        body = UpsertBody(
            **{f: getattr(contact, f) for f in contact.__struct_fields__},
            create_new_if_duplicate_allowed=(
                UNSET
                if create_new_if_duplicate_allowed is None
                else create_new_if_duplicate_allowed
            ),
        )
        located, location = self._located(body)
        endpoint = ep.UPSERT_ALWAYS_NEW if create_new_if_duplicate_allowed else ep.UPSERT
        return await self._send(endpoint, body=located, location_id=location)

    async def bulk_upsert(
        self, items: Rows[ContactCreate], *, concurrency: int = 20, **options: Unpack[BulkOptions]
    ) -> BulkResult[ContactCreate]:
        """Upsert many contacts concurrently, at the rate limit, accounting for every row.

        Args:
            items: ``ContactCreate`` rows: any iterable or async iterable, read lazily.
            concurrency: Requests in flight at once (at most the pool's ``connection_limit``).
            **options: ``start_at``, ``total``, ``stop_on_error``, ``on_progress``,
                ``progress_interval``, ``read_ahead``: see
                :class:`~leadconnector_async.bulk.BulkJob`.

        Returns:
            ``BulkResult``: ``ok + len(failed)`` is the number of rows read; ``created`` and
            ``updated``; ``checkpoint`` to resume from with ``start_at=``.
        """
        return await self.bulk_upsert_stream(items, concurrency=concurrency, **options).run()

    def bulk_upsert_stream(
        self, items: Rows[ContactCreate], *, concurrency: int = 20, **options: Unpack[BulkOptions]
    ) -> BulkJob[ContactCreate, UpsertResult]:
        """:meth:`bulk_upsert` as a stream of each row's ``BulkOutcome`` as it finishes.

        Use ``async with contacts.bulk_upsert_stream(rows) as job: async for outcome in job:``.
        """
        return BulkJob(
            self._client,
            items,
            each(self.upsert, ContactCreate),
            concurrency=concurrency,
            is_new=attrgetter("new"),
            location_of=_row_location,
            **options,
        )

    async def bulk_create(
        self, items: Rows[ContactCreate], *, concurrency: int = 20, **options: Unpack[BulkOptions]
    ) -> BulkResult[ContactCreate]:
        """Create many contacts (arguments as :meth:`bulk_upsert`).

        A create whose outcome is unknown is not repeated: its row fails with
        ``TransportError(outcome_unknown=True)``. Prefer :meth:`bulk_upsert`, which may repeat.
        """
        return await self.bulk_create_stream(items, concurrency=concurrency, **options).run()

    def bulk_create_stream(
        self, items: Rows[ContactCreate], *, concurrency: int = 20, **options: Unpack[BulkOptions]
    ) -> BulkJob[ContactCreate, Contact]:
        """:meth:`bulk_create` as a stream of each row's ``BulkOutcome`` (see
        :meth:`bulk_upsert_stream`)."""
        return BulkJob(
            self._client,
            items,
            each(self.create, ContactCreate),
            concurrency=concurrency,
            is_new=lambda _: True,
            location_of=_row_location,
            **options,
        )

    async def bulk_update(
        self,
        items: Rows[tuple[str, ContactUpdate]],
        *,
        concurrency: int = 20,
        **options: Unpack[BulkOptions],
    ) -> BulkResult[tuple[str, ContactUpdate]]:
        """Update many contacts from ``(contact_id, ContactUpdate)`` rows.

        Arguments as :meth:`bulk_upsert`; ``created`` stays 0 and ``updated`` counts successes.
        """
        job = BulkJob(
            self._client,
            items,
            each(self._update_row, (str, ContactUpdate)),
            concurrency=concurrency,
            is_new=lambda _: False,
            **options,
        )
        return await job.run()

    async def bulk_delete(
        self, contact_ids: Rows[str], *, concurrency: int = 20, **options: Unpack[BulkOptions]
    ) -> BulkResult[str]:
        """Delete many contacts by id (arguments as :meth:`bulk_upsert`)."""
        job = BulkJob(
            self._client, contact_ids, each(self.delete, str), concurrency=concurrency, **options
        )
        return await job.run()

    async def bulk_add_tags(
        self,
        contact_ids: Rows[str],
        tags: Iterable[str],
        *,
        chunk_size: int = 50,
        concurrency: int = 5,
        location_id: str | None = None,
        **options: Unpack[BulkOptions],
    ) -> BulkResult[str]:
        """Add ``tags`` to many contacts, ``chunk_size`` ids per
        ``POST /contacts/bulk/tags/update/add`` (see :meth:`bulk_upsert` for the options).

        A contact the server skips (an ``error`` entry in ``responses``) fails alone with an
        ``APIError`` carrying the server's message; one without an entry of its own fails with
        an ``APIError`` ("not confirmed updated") when the answer reports more failures
        (``errorCount``) than its entries name, or ``succeded: false``; a failed request fails
        its whole chunk.

        Raises:
            ConfigurationError: ``tags`` empty or not strings, or no location (before sending).
        """
        tags, location = string_list(tags, "tags"), self._client.require_location(location_id)
        send = per_contact(lambda ids: self.bulk_tags.add(ids, tags, location_id=location))
        job = BulkJob(
            self._client,
            contact_ids,
            send,
            chunk_size=chunk_size,
            concurrency=concurrency,
            **options,
        )
        return await job.run()

    async def bulk_remove_tags(
        self,
        contact_ids: Rows[str],
        tags: Iterable[str],
        *,
        remove_all: bool = False,
        chunk_size: int = 50,
        concurrency: int = 5,
        location_id: str | None = None,
        **options: Unpack[BulkOptions],
    ) -> BulkResult[str]:
        """Remove ``tags`` (every tag with ``remove_all=True``) from many contacts, in chunks
        (``POST /contacts/bulk/tags/update/remove``; otherwise as :meth:`bulk_add_tags`)."""
        tags = string_list(tags, "tags", empty=remove_all)
        location = self._client.require_location(location_id)
        send = per_contact(
            lambda ids: self.bulk_tags.remove(
                ids, tags, remove_all=remove_all, location_id=location
            )
        )
        job = BulkJob(
            self._client,
            contact_ids,
            send,
            chunk_size=chunk_size,
            concurrency=concurrency,
            **options,
        )
        return await job.run()

    async def sync(
        self,
        rows: Rows[ContactCreate],
        *,
        match: str = "email",
        tags: TagsMode = "add",
        dry_run: bool = False,
        concurrency: int = 20,
        **options: Unpack[SyncOptions],
    ) -> SyncResult:
        """Make the location's contacts what ``rows`` say, writing only what differs.

        Reads the location once (search, 500 contacts a request) into a compact index, compares
        each row with its contact on the fields the row sets (``UNSET`` and ``None`` are "not
        mine") after the API's own normalisation, and sends: nothing for an unchanged row; an
        update with only the changed fields (a change of ``company_name`` or ``gender``, which
        only upsert takes, by an upsert carrying just those and the match key, after the update
        of the rest); the missing tags through the bulk tags endpoint,
        many contacts per request; a create (``POST /contacts/``) for a row that matches no
        contact, never an upsert, which could match another contact by its email or phone
        (where the location forbids duplicates, such a row fails with a
        ``DuplicateContactError`` naming that contact, which is left as it is). A create is not
        sent twice, and a sync run again reads the location again, so it creates no twin of a
        contact an earlier run created. When reading the location would cost more requests than
        writing every row, it upserts every row directly and says so in ``result.note``.

        Args:
            rows: ``ContactCreate`` rows, any iterable or async iterable, read lazily. Custom
                fields may be named by id, key (``contact.plan``), bare key or name (``Plan``).
            match: ``"email"`` (case-insensitive), ``"phone"`` (compared in E.164) or
                ``"custom:<field>"`` (an external id kept in a custom field). A row without the
                key, or whose key several contacts share, fails and nothing is written for it.
            tags: ``"add"`` never removes a tag the contact has; ``"replace"`` makes its tags
                equal to the row's.
            dry_run: Read, compare and report what a real run would do; write nothing.
            concurrency: Write requests in flight at once.
            **options: ``location_id``, ``start_at``, ``total``, ``stop_on_error``,
                ``on_progress``, ``progress_interval`` (as bulk jobs), ``tag_chunk_size``
                (contacts per bulk tags request, default 50), ``custom_fields`` (a
                :class:`~leadconnector_async.CustomFieldDirectory` already fetched),
                ``default_region`` (ISO country, ``"US"``: rows' phones without a country code
                are read in it and sent in E.164; without it such a phone is compared and sent
                as written, and cannot be matched on: with ``match="phone"`` the row fails).

        Returns:
            ``SyncResult``: ``created``, ``updated``, ``unchanged``, ``failed``, ``requests``,
            ``checkpoint``, ``stopped_by`` (e.g. the daily budget), and the plan's figures.

        Raises:
            ConfigurationError: A bad argument, or ``match="custom:..."`` naming an unknown or
                ambiguous custom field, before anything is written.
        """
        settings = SyncSettings(
            match=match, tags=tags, dry_run=dry_run, concurrency=concurrency, **options
        )
        return await run_sync(self._client, rows, settings)

    async def _update_row(self, row: tuple[str, ContactUpdate]) -> Contact:
        return await self.update(*row)

    def _located(self, contact: ContactCreate) -> tuple[ContactCreate, str]:
        """The body with ``location_id`` filled from the client when unset, and that location."""
        if isinstance(contact.location_id, str):
            return contact, contact.location_id
        location = self._client.require_location()
        return _with_location(contact, location), location


def _row_location(row: ContactCreate) -> str | None:
    """The location a bulk row names (``None``: the client's), for sending rows per location."""
    located = getattr(row, "location_id", None)
    return located if isinstance(located, str) else None
