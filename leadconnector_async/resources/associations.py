"""What a contact is associated with: tags, followers, campaigns and workflows.

Idempotency, decided per call: adding or removing tags and followers has set semantics, and
adding to or removing from a campaign leaves the same membership when repeated, so all of these
are retried after an unknown outcome. Adding to a workflow is *not* retried: a workflow that
allows re-entry would enrol the contact a second time.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import endpoints as ep
from ..models.tags import FollowersResult
from ._base import Resource, string_list


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
        return await self._send(ep.TAGS_ADD, contact_id, body={"tags": string_list(tags, "tags")})

    async def remove(self, contact_id: str, tags: Iterable[str]) -> list[str]:
        """Remove tags from a contact (``DELETE /contacts/{contactId}/tags``, JSON body) and
        return every tag it still has. Raises as :meth:`add`."""
        body = {"tags": string_list(tags, "tags")}
        return await self._send(ep.TAGS_REMOVE, contact_id, body=body)


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
        body = {"followers": string_list(user_ids, "followers")}
        return await self._send(ep.FOLLOWERS_ADD, contact_id, body=body)

    async def remove(self, contact_id: str, user_ids: Iterable[str]) -> FollowersResult:
        """Remove followers (``DELETE /contacts/{contactId}/followers``, JSON body); the result
        has the remaining ``followers`` and ``followers_removed``. Raises as :meth:`add`."""
        body = {"followers": string_list(user_ids, "followers")}
        return await self._send(ep.FOLLOWERS_REMOVE, contact_id, body=body)


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
        await self._send(ep.CAMPAIGNS_ADD, contact_id, campaign_id, body={})

    async def remove(self, contact_id: str, campaign_id: str) -> None:
        """Remove a contact from one campaign (``DELETE .../campaigns/{campaignId}``).

        Raises:
            NotFoundError: No contact has that id.
        """
        await self._send(ep.CAMPAIGNS_REMOVE, contact_id, campaign_id)

    async def remove_all(self, contact_id: str) -> None:
        """Remove a contact from every campaign (``DELETE .../campaigns/removeAll``; v3:
        ``.../campaigns/remove-all``).

        Raises:
            NotFoundError: No contact has that id.
        """
        await self._send(ep.CAMPAIGNS_REMOVE_ALL, contact_id)


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
        await self._send(
            ep.WORKFLOWS_ADD, contact_id, workflow_id, body=_workflow_body(event_start_time)
        )

    async def remove(
        self, contact_id: str, workflow_id: str, *, event_start_time: str | None = None
    ) -> None:
        """Take a contact out of a workflow (``DELETE .../workflow/{workflowId}``, JSON body).

        Raises:
            NotFoundError: No contact has that id.
        """
        await self._send(
            ep.WORKFLOWS_REMOVE, contact_id, workflow_id, body=_workflow_body(event_start_time)
        )


def _workflow_body(event_start_time: str | None) -> dict[str, str]:
    return {} if event_start_time is None else {"eventStartTime": event_start_time}
