"""Tags and followers of a contact, and the bulk tag and business operations."""

from __future__ import annotations

from typing import Literal

from msgspec import UNSET, UnsetType, field

from ._base import Input, Model, Succeeded

__all__ = ["BulkBusinessResult", "BulkTagsEntry", "BulkTagsResult", "FollowersResult", "TagsMode"]

TagsMode = Literal["add", "replace"]
"""How a job writes a row's tags (sync, and the command line's import): ``add`` keeps every tag
the contact has; ``replace`` makes its tags exactly the row's."""


class TagList(Model):
    """``{"tags": [...]}``: every tag of the contact after an add or a remove."""

    tags: list[str] = field(default_factory=list)


class FollowersResult(Model):
    """The followers of a contact after an add or a remove, and which ones changed.

    Attributes:
        followers: Every follower (user id) of the contact now.
        followers_added: The ones this call added (``followers.add``).
        followers_removed: The ones this call removed (``followers.remove``).
    """

    followers: list[str] = field(default_factory=list)
    followers_added: list[str] = field(default_factory=list)
    followers_removed: list[str] = field(default_factory=list)


class BulkTagsEntry(Model):
    """What a bulk tag update did to one contact.

    Attributes:
        contact_id: The contact.
        type: ``"success"`` or ``"error"``.
        message: ``"Tags updated"``, or why this contact was skipped.
        old_tags: The contact's tags before the update.
        tags_added: Tags the update added.
        tags_removed: Tags the update removed.
    """

    contact_id: str | None = None
    type: str | None = None
    message: str | None = None
    old_tags: list[str] = field(default_factory=list)
    tags_added: list[str] = field(default_factory=list)
    tags_removed: list[str] = field(default_factory=list)


class BulkTagsResult(Succeeded):
    """The answer of ``contacts.bulk_tags.add``/``remove``.

    Attributes:
        error_count: How many contacts could not be updated.
        responses: One entry per contact id sent. The spec types them as strings while its own
            example (and the server) sends objects, so both are accepted.
    """

    error_count: int = 0
    responses: list[BulkTagsEntry | str] = field(default_factory=list)

    @property
    def errors(self) -> list[BulkTagsEntry]:
        """The entries of contacts that were not updated."""
        return [r for r in self.responses if isinstance(r, BulkTagsEntry) and r.type == "error"]


class BulkBusinessResult(Model):
    """The answer of ``contacts.bulk_business``: ``success`` and the contact ids it changed."""

    success: bool = False
    ids: list[str] = field(default_factory=list)


class BulkTagsBody(Input):
    """Body of ``POST /contacts/bulk/tags/update/{type}``."""

    contacts: list[str]
    tags: list[str]
    location_id: str
    remove_all_tags: bool | UnsetType = UNSET


class BulkBusinessBody(Input):
    """Body of ``POST /contacts/bulk/business``; ``business_id=None`` is sent as ``null``."""

    location_id: str
    ids: list[str]
    business_id: str | None


BulkTagsAction = Literal["add", "remove"]
