"""What a contact is associated with: tags, followers, campaigns and workflows.

Idempotency, decided per call: adding or removing tags and followers has set semantics, and
adding to or removing from a campaign leaves the same membership when repeated, so all of these
are retried after an unknown outcome. Adding to a workflow is *not* retried: a workflow that
allows re-entry would enrol the contact a second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

from .._protocol import Call, segment, unwrap
from ..models.tags import FollowersResult, TagList
from ._base import Resource, acknowledged, contact_path, list_body_call

_TAGS = unwrap(TagList, attrgetter("tags"))
_FOLLOWERS = unwrap(FollowersResult, lambda result: result)


class TagsResource(Resource):
    """Add or remove some tags of a contact. Reached as ``client.contacts.tags``.

    Unlike ``tags`` on ``contacts.update``/``upsert`` (which replaces every tag), these leave the
    contact's other tags alone. Scope: ``contacts.write``.
    """

    __slots__ = ()

    async def add(self, contact_id: str, tags: Iterable[str]) -> list[str]:
        """Add tags to a contact (``POST /contacts/{contactId}/tags``).

        Returns:
            Every tag of the contact afterwards.

        Raises:
            ConfigurationError: ``tags`` is empty or a bare string (before sending).
            NotFoundError: No contact has that id.
        """
        return await self._client.send(list_body_call("POST", contact_id, "tags", tags, _TAGS))

    async def remove(self, contact_id: str, tags: Iterable[str]) -> list[str]:
        """Remove tags from a contact (``DELETE /contacts/{contactId}/tags``, JSON body) and
        return every tag it still has. Raises as :meth:`add`."""
        return await self._client.send(list_body_call("DELETE", contact_id, "tags", tags, _TAGS))


class FollowersResource(Resource):
    """Users following a contact. Reached as ``client.contacts.followers``.

    Scope: ``contacts.write``.
    """

    __slots__ = ()

    async def add(self, contact_id: str, user_ids: Iterable[str]) -> FollowersResult:
        """Add followers (user ids) to a contact (``POST /contacts/{contactId}/followers``).

        Returns:
            ``FollowersResult`` with every follower and ``followers_added``.

        Raises:
            ConfigurationError: ``user_ids`` is empty or a bare string (before sending).
            NotFoundError: No contact has that id.
        """
        call = list_body_call("POST", contact_id, "followers", user_ids, _FOLLOWERS)
        return await self._client.send(call)

    async def remove(self, contact_id: str, user_ids: Iterable[str]) -> FollowersResult:
        """Remove followers (``DELETE /contacts/{contactId}/followers``, JSON body); the result
        has the remaining ``followers`` and ``followers_removed``. Raises as :meth:`add`."""
        call = list_body_call("DELETE", contact_id, "followers", user_ids, _FOLLOWERS)
        return await self._client.send(call)


class CampaignsResource(Resource):
    """A contact's (legacy) campaigns. Reached as ``client.contacts.campaigns``.

    Scope: ``contacts.write``.
    """

    __slots__ = ()

    async def add(self, contact_id: str, campaign_id: str) -> None:
        """Add a contact to a campaign (``POST /contacts/{contactId}/campaigns/{campaignId}``).

        Raises:
            NotFoundError: No contact has that id.
        """
        path = contact_path(contact_id, "campaigns", segment(campaign_id, "campaign_id"))
        await self._client.send(Call("POST", path, acknowledged, body={}))

    async def remove(self, contact_id: str, campaign_id: str) -> None:
        """Remove a contact from one campaign (``DELETE .../campaigns/{campaignId}``).

        Raises:
            NotFoundError: No contact has that id.
        """
        path = contact_path(contact_id, "campaigns", segment(campaign_id, "campaign_id"))
        await self._client.send(Call("DELETE", path, acknowledged))

    async def remove_all(self, contact_id: str) -> None:
        """Remove a contact from every campaign (``DELETE .../campaigns/removeAll``).

        Raises:
            NotFoundError: No contact has that id.
        """
        # The literal v2 path, never a campaign id that happens to read "removeAll".
        path = contact_path(contact_id, "campaigns", "removeAll")
        await self._client.send(Call("DELETE", path, acknowledged))


class WorkflowsResource(Resource):
    """A contact's workflows. Reached as ``client.contacts.workflows``.

    ``event_start_time`` is an ISO 8601 string with an offset (``"2021-06-23T03:30:00+01:00"``).
    Scope: ``contacts.write``.
    """

    __slots__ = ()

    async def add(
        self, contact_id: str, workflow_id: str, *, event_start_time: str | None = None
    ) -> None:
        """Enrol a contact in a workflow (``POST /contacts/{contactId}/workflow/{workflowId}``).

        Not repeated after an unknown outcome (a workflow allowing re-entry would run twice).

        Raises:
            NotFoundError: No contact has that id.
        """
        call = _workflow_call("POST", contact_id, workflow_id, event_start_time)
        await self._client.send(call)

    async def remove(
        self, contact_id: str, workflow_id: str, *, event_start_time: str | None = None
    ) -> None:
        """Take a contact out of a workflow (``DELETE .../workflow/{workflowId}``, JSON body).

        Raises:
            NotFoundError: No contact has that id.
        """
        call = _workflow_call("DELETE", contact_id, workflow_id, event_start_time)
        await self._client.send(call)


def _workflow_call(
    method: str, contact_id: str, workflow_id: str, event_start_time: str | None
) -> Call[bool]:
    path = contact_path(contact_id, "workflow", segment(workflow_id, "workflow_id"))
    body = {} if event_start_time is None else {"eventStartTime": event_start_time}
    return Call(method, path, acknowledged, body=body, idempotent=method != "POST")
