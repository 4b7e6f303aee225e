"""Server-side bulk operations on contacts: tags of many contacts, and their business.

The spec declares no security for these two calls; the bearer token is sent anyway and
``contacts.write`` is assumed. Both are idempotent (they set state), so they may be retried.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from msgspec import UNSET, UnsetType

from .. import endpoints as ep
from .._protocol import Call
from ..errors import ConfigurationError
from ..models.tags import BulkBusinessBody, BulkBusinessResult, BulkTagsBody, BulkTagsResult
from ._base import Resource, string_list

if TYPE_CHECKING:
    from ..client import LeadConnector

MAX_BUSINESS_IDS = 50


class BulkTagsResource(Resource):
    """Add or remove tags on many contacts in one request. Reached as
    ``client.contacts.bulk_tags``.

    A contact that cannot be updated does not fail the call: see ``BulkTagsResult.errors``.
    """

    __slots__ = ()

    async def add(
        self, contact_ids: Iterable[str], tags: Iterable[str], *, location_id: str | None = None
    ) -> BulkTagsResult:
        """Add ``tags`` to every contact (``POST /contacts/bulk/tags/update/add``).

        Args:
            contact_ids: The contacts to tag.
            tags: The tags to add.
            location_id: The contacts' location (default: the client's).

        Returns:
            ``BulkTagsResult``: ``error_count`` and one entry per contact in ``responses``.

        Raises:
            ConfigurationError: An empty or bare-string argument, or no location (before sending).
        """
        return await self._tag("add", contact_ids, tags, location_id, UNSET)

    async def remove(
        self,
        contact_ids: Iterable[str],
        tags: Iterable[str],
        *,
        remove_all: bool = False,
        location_id: str | None = None,
    ) -> BulkTagsResult:
        """Remove ``tags`` from every contact (``POST /contacts/bulk/tags/update/remove``).

        Arguments, result and errors as :meth:`add`; ``tags`` may be empty when ``remove_all``
        is true, which removes every tag of these contacts.
        """
        return await self._tag("remove", contact_ids, tags, location_id, remove_all)

    async def _tag(
        self,
        action: str,
        contact_ids: Iterable[str],
        tags: Iterable[str],
        location_id: str | None,
        remove_all: bool | UnsetType,
    ) -> BulkTagsResult:
        location = self._client.require_location(location_id)
        body = BulkTagsBody(
            contacts=string_list(contact_ids, "contact_ids"),
            location_id=location,
            tags=string_list(tags, "tags", empty=remove_all is True),
            remove_all_tags=remove_all,
        )
        return await self._send(ep.BULK_TAGS, action, body=body, location_id=location)


def business_call(
    client: LeadConnector,
    contact_ids: Iterable[str],
    business_id: str | None,
    location_id: str | None,
) -> Call[BulkBusinessResult]:
    """The call behind ``contacts.bulk_business`` (``POST /contacts/bulk/business``)."""
    location = client.require_location(location_id)
    ids = string_list(contact_ids, "contact_ids", most=MAX_BUSINESS_IDS)
    body = BulkBusinessBody(location_id=location, ids=ids, business_id=_business(business_id))
    return ep.BULK_BUSINESS.call(client.config.api_version, body=body, location_id=location)


def _business(business_id: str | None) -> str | None:
    if business_id is None or (isinstance(business_id, str) and business_id.strip()):
        return business_id
    raise ConfigurationError(f"business_id must be a non-empty string or None, got {business_id!r}")
