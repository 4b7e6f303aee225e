"""Every endpoint the client calls, as data: the one table resources, the fake server, the
contract tests and the README's operations table are all held to.

A row says what an endpoint is: its HTTP method, its path under each API version, the
``Version`` header, how its answer decodes, which location it counts against, whether it is
safe to repeat after an unknown outcome, and whether a not-found after such an outcome means
the work was done. Resources turn a row into a :class:`~leadconnector_async.Call` with
:meth:`Endpoint.call`; nothing here does I/O.

Adding an endpoint: its structs, one row here, one resource method, one fake handler, a test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from operator import attrgetter
from typing import Any, Generic, TypeVar

from . import _v3
from ._config import API_V3, API_VERSIONS, CONTACTS_API_VERSION
from ._protocol import Call, Decode, decode_as, segment, unwrap
from .errors import ConfigurationError
from .models._base import Succeeded
from .models.appointments import AppointmentList
from .models.contacts import (
    Contact,
    ContactEnvelope,
    MaybeContactEnvelope,
    UpdatedContactEnvelope,
    UpsertResult,
)
from .models.custom_fields import CustomFieldList
from .models.notes import NoteEnvelope, NoteList
from .models.search import CountedResponse, ListResponse, SearchResponse, last_search_after
from .models.tags import BulkBusinessResult, BulkTagsResult, FollowersResult, TagList
from .models.tasks import TaskEnvelope, TaskList
from .pagination import Page

T = TypeVar("T")

V2 = CONTACTS_API_VERSION
"""The default API version (``2021-07-28``), the one the v2 spec describes."""
V3 = API_V3
"""The newer ``Version: v3`` of the same Contacts paths (opt-in)."""
__all__ = ["API_VERSIONS", "ENDPOINTS", "V2", "V3", "Endpoint", "acknowledged"]

READ, WRITE = "contacts.readonly", "contacts.write"

SAME_PATH = "="
"""``Endpoint.v3_path`` value: the v3 path is the v2 one."""

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Endpoint(Generic[T]):
    """One API operation.

    Attributes:
        name: The client method that calls it (``"contacts.get"``), without ``client.``.
        method: The HTTP method.
        path: The path template under the default version, as the spec writes it.
        decode: Turns a 2xx body into the method's result.
        scope: The scope the token needs (``None``: the spec declares none).
        scope_assumed: The scope assumed when the spec declares none.
        idempotent: Whether repeating the request after an unknown outcome is harmless.
        gone_when_absent: A delete: a not-found after an unknown outcome means it was done.
        located: The call names its location (body or query) and counts against it;
            otherwise it counts against the client's location.
        v3_path: The path under ``Version: v3``: :data:`SAME_PATH`, another template, or
            ``None`` when v3 removed the operation.
        group: The API group (and spec) the endpoint belongs to.
        version: The ``Version`` header when the client uses the default version, or when
            its group has no v3.
    """

    name: str
    method: str
    path: str
    decode: Decode[T]
    scope: str | None = WRITE
    idempotent: bool = True
    gone_when_absent: bool = False
    located: bool = False
    v3_path: str | None = SAME_PATH
    group: str = "contacts"
    version: str = V2

    def route(self, api_version: str) -> tuple[str, str]:
        """The path template and ``Version`` header this endpoint uses under ``api_version``.

        Raises:
            ConfigurationError: The version removed this operation (nothing is sent).
        """
        if api_version != V3 or self.group not in V3_GROUPS:
            return self.path, self.version
        if self.v3_path is None:
            raise ConfigurationError(
                f"{self.method} {self.path} ({self.name}) does not exist in API version v3; "
                f"use a client with api_version={V2!r} for it"
            )
        return (self.path if self.v3_path == SAME_PATH else self.v3_path), V3

    def call(
        self,
        api_version: str,
        *path_args: str,
        body: Any = None,
        params: Mapping[str, str | int | None] | None = None,
        location_id: str | None = None,
    ) -> Call[T]:
        """The call to send: path filled with ``path_args`` (quoted, in template order).

        Raises:
            ConfigurationError: An empty path argument, a located call without its location,
                or an operation the version removed (before sending).
        """
        if api_version == V2:  # the default, which never reroutes
            template, version = self.path, self.version
        else:
            template, version = self.route(api_version)
        if self.located and location_id is None:
            raise ConfigurationError(f"{self.name} needs a location id")
        decode = self.decode
        if version == V3:
            decode, body = _v3.decoder(decode), _v3.request_body(body)
        return Call(
            self.method,
            fill(template, path_args),
            decode,
            params=params,
            body=body,
            version=version,
            idempotent=self.idempotent,
            location_id=location_id,
            gone_when_absent=self.gone_when_absent,
            template=template,
        )


V3_GROUPS = frozenset({"contacts"})
"""API groups that have a ``Version: v3``; the others keep their own version in v3 mode."""


@cache
def placeholders(template: str) -> tuple[str, ...]:
    """The placeholder names of a path template, in order (``("contactId", "taskId")``)."""
    return tuple(_PLACEHOLDER.findall(template))


@cache
def names_a_record(template: str) -> bool:
    """Whether a path template names something by its id (``/contacts/{contactId}``), so a
    404 to it can mean that one is gone; a 404 to any other path (``/contacts/upsert``, or
    ``/contacts/bulk/tags/update/{type}``, whose placeholder is the operation) means the
    route itself is missing."""
    return any(name == "id" or name.endswith("Id") for name in placeholders(template))


@cache
def _pieces(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The template's literal pieces, and its placeholders' argument names for messages."""
    names = tuple(re.sub(r"(?<!^)([A-Z])", r"_\1", n).lower() for n in placeholders(template))
    return tuple(_PLACEHOLDER.split(template)[::2]), names


def fill(template: str, args: tuple[str, ...]) -> str:
    """The template with each placeholder replaced by its quoted argument."""
    pieces, names = _pieces(template)
    if len(names) != len(args):
        raise TypeError(f"{template} takes {len(names)} path arguments, got {len(args)}")
    if len(args) == 1:  # the common case, without building a list
        return pieces[0] + segment(args[0], names[0]) + pieces[1]
    path = [pieces[0]]
    for name, value, piece in zip(names, args, pieces[1:], strict=True):
        path += (segment(value, name), piece)
    return "".join(path)


_SUCCEEDED = unwrap(Succeeded, attrgetter("ok"))


def acknowledged(body: bytes) -> bool:
    """Decode ``{"succeded": true}`` / ``{"succeeded": true}``, or an empty body (a 204).

    Any 2xx counts as success, so the flag is read but never turned into an error; a body
    that is not JSON still is one (it may be a truncated answer).
    """
    return _SUCCEEDED(body) if body.strip() else True


_SEARCH_PAGE = unwrap(SearchResponse, SearchResponse.page)


def search_page(body: bytes) -> Page[Contact]:
    """Decode a search page. When records were left out (see :attr:`Page.undecoded`), the
    cursor is the ``searchAfter`` of the last record the server sent, read or not, so the
    next page neither sends a left-out record again nor skips one."""
    page = _SEARCH_PAGE(body)
    if page.undecoded:
        page = replace(page, cursor=last_search_after(body))
    return page


_CONTACT = unwrap(ContactEnvelope, attrgetter("contact"))
_TASK = unwrap(TaskEnvelope, attrgetter("task"))
_NOTE = unwrap(NoteEnvelope, attrgetter("note"))
_TAGS = unwrap(TagList, attrgetter("tags"))
_FOLLOWERS = decode_as(FollowersResult)

C = "/contacts/{contactId}"
TASK, NOTE = f"{C}/tasks/{{taskId}}", f"{C}/notes/{{id}}"
CAMPAIGN, WORKFLOW = f"{C}/campaigns/{{campaignId}}", f"{C}/workflow/{{workflowId}}"

# Order matters to routers that match in order: a literal path before a placeholder one.
# fmt: off
CREATE = Endpoint("contacts.create", "POST", "/contacts/", _CONTACT, idempotent=False,
                  located=True)
GET = Endpoint("contacts.get", "GET", C, _CONTACT, scope=READ)
UPDATE = Endpoint("contacts.update", "PUT", C, unwrap(UpdatedContactEnvelope,
                                                      attrgetter("contact")))
DELETE = Endpoint("contacts.delete", "DELETE", C, acknowledged, gone_when_absent=True)
UPSERT = Endpoint("contacts.upsert", "POST", "/contacts/upsert",
                  decode_as(UpsertResult), located=True)
# With createNewIfDuplicateAllowed on a location that allows duplicates, every request creates.
UPSERT_ALWAYS_NEW = replace(UPSERT, idempotent=False)
SEARCH = Endpoint("contacts.search", "POST", "/contacts/search", search_page, scope=READ,
                  located=True)
LIST = Endpoint("contacts.list", "GET", "/contacts/", unwrap(ListResponse, ListResponse.page),
                scope=READ, located=True, v3_path=None)
BY_BUSINESS = Endpoint("contacts.by_business", "GET", "/contacts/business/{businessId}",
                       unwrap(CountedResponse, CountedResponse.page), scope=READ, located=True)
FIND_DUPLICATE = Endpoint("contacts.find_duplicate", "GET", "/contacts/search/duplicate",
                          unwrap(MaybeContactEnvelope, attrgetter("contact")), scope=READ,
                          located=True)
TASKS_LIST = Endpoint("contacts.tasks.list", "GET", f"{C}/tasks",
                      unwrap(TaskList, attrgetter("tasks")), scope=READ)
TASKS_CREATE = Endpoint("contacts.tasks.create", "POST", f"{C}/tasks", _TASK, idempotent=False)
TASKS_GET = Endpoint("contacts.tasks.get", "GET", TASK, _TASK, scope=READ)
TASKS_UPDATE = Endpoint("contacts.tasks.update", "PUT", TASK, _TASK)
TASKS_DELETE = Endpoint("contacts.tasks.delete", "DELETE", TASK, acknowledged,
                        gone_when_absent=True)
TASKS_COMPLETE = Endpoint("contacts.tasks.complete", "PUT", f"{TASK}/completed", _TASK)
APPOINTMENTS = Endpoint("contacts.appointments", "GET", f"{C}/appointments",
                        unwrap(AppointmentList, attrgetter("events")), scope=READ)
TAGS_ADD = Endpoint("contacts.tags.add", "POST", f"{C}/tags", _TAGS)
TAGS_REMOVE = Endpoint("contacts.tags.remove", "DELETE", f"{C}/tags", _TAGS)
NOTES_LIST = Endpoint("contacts.notes.list", "GET", f"{C}/notes",
                      unwrap(NoteList, attrgetter("notes")), scope=READ)
NOTES_CREATE = Endpoint("contacts.notes.create", "POST", f"{C}/notes", _NOTE, idempotent=False)
NOTES_GET = Endpoint("contacts.notes.get", "GET", NOTE, _NOTE, scope=READ)
NOTES_UPDATE = Endpoint("contacts.notes.update", "PUT", NOTE, _NOTE)
NOTES_DELETE = Endpoint("contacts.notes.delete", "DELETE", NOTE, acknowledged,
                        gone_when_absent=True)
BULK_TAGS = Endpoint("contacts.bulk_tags.add", "POST", "/contacts/bulk/tags/update/{type}",
                     decode_as(BulkTagsResult), scope=None, located=True)
BULK_BUSINESS = Endpoint("contacts.bulk_business", "POST", "/contacts/bulk/business",
                         decode_as(BulkBusinessResult), scope=None, located=True)
FOLLOWERS_ADD = Endpoint("contacts.followers.add", "POST", f"{C}/followers", _FOLLOWERS)
FOLLOWERS_REMOVE = Endpoint("contacts.followers.remove", "DELETE", f"{C}/followers", _FOLLOWERS)
CAMPAIGNS_REMOVE_ALL = Endpoint("contacts.campaigns.remove_all", "DELETE",
                                f"{C}/campaigns/removeAll", acknowledged,
                                v3_path=f"{C}/campaigns/remove-all")
CAMPAIGNS_ADD = Endpoint("contacts.campaigns.add", "POST", CAMPAIGN, acknowledged)
CAMPAIGNS_REMOVE = Endpoint("contacts.campaigns.remove", "DELETE", CAMPAIGN, acknowledged)
# Not repeated: a workflow that allows re-entry would enrol the contact a second time.
WORKFLOWS_ADD = Endpoint("contacts.workflows.add", "POST", WORKFLOW, acknowledged,
                         idempotent=False)
WORKFLOWS_REMOVE = Endpoint("contacts.workflows.remove", "DELETE", WORKFLOW, acknowledged)
CUSTOM_FIELDS = Endpoint("locations.custom_fields", "GET", "/locations/{locationId}/customFields",
                         unwrap(CustomFieldList, attrgetter("custom_fields")),
                         scope="locations/customFields.readonly", located=True,
                         group="locations")
# fmt: on

ENDPOINTS: tuple[Endpoint[Any], ...] = (
    CREATE,
    UPSERT,
    GET,
    UPDATE,
    DELETE,
    TASKS_LIST,
    TASKS_CREATE,
    TASKS_GET,
    TASKS_UPDATE,
    TASKS_DELETE,
    TASKS_COMPLETE,
    NOTES_LIST,
    NOTES_CREATE,
    NOTES_GET,
    NOTES_UPDATE,
    NOTES_DELETE,
    TAGS_ADD,
    TAGS_REMOVE,
    FOLLOWERS_ADD,
    FOLLOWERS_REMOVE,
    CAMPAIGNS_REMOVE_ALL,
    CAMPAIGNS_ADD,
    CAMPAIGNS_REMOVE,
    WORKFLOWS_ADD,
    WORKFLOWS_REMOVE,
    FIND_DUPLICATE,
    APPOINTMENTS,
    BULK_TAGS,
    BULK_BUSINESS,
    SEARCH,
    LIST,
    BY_BUSINESS,
    CUSTOM_FIELDS,
)
"""Every endpoint, in the order a router that matches in order must register them."""
