"""``client.contacts.tasks`` and ``client.contacts.notes``: records a contact owns.

Both answer the same five calls (list, get, create, update, delete), written once in
:class:`RecordsResource`; tasks add :meth:`TasksResource.complete`.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from operator import attrgetter
from typing import Generic, TypeVar

from .._protocol import Call, Decode, segment, unwrap
from ..models._base import Input
from ..models.notes import Note, NoteCreate, NoteEnvelope, NoteList, NoteUpdate
from ..models.tasks import Task, TaskCompletion, TaskCreate, TaskEnvelope, TaskList, TaskUpdate
from ._base import Resource, acknowledged, contact_path

R = TypeVar("R")
C = TypeVar("C", bound=Input)
U = TypeVar("U", bound=Input)


@dataclass(frozen=True, slots=True)
class RecordKind(Generic[R]):
    """Where one kind of record lives and how its answers decode.

    Attributes:
        collection: The path segment after the contact id (``"tasks"``).
        id_name: The record id's argument name, for error messages (``"task_id"``).
        one: Decodes ``{"task": {...}}`` into the record.
        many: Decodes ``{"tasks": [...]}`` into a list.
    """

    collection: str
    id_name: str
    one: Decode[R]
    many: Decode[list[R]]


class RecordsResource(Resource, Generic[R, C, U]):
    """The five calls every kind of contact record answers to; subclasses set ``_kind``."""

    __slots__ = ()
    _kind: RecordKind[R]

    async def list(self, contact_id: str) -> builtins.list[R]:
        """Every record of a contact (``GET /contacts/{contactId}/{collection}``); not paged.

        Raises:
            NotFoundError: No contact has that id.
        """
        return await self._client.send(Call("GET", self._path(contact_id), self._kind.many))

    async def get(self, contact_id: str, record_id: str) -> R:
        """One record of a contact (``GET /contacts/{contactId}/{collection}/{id}``).

        Raises:
            NotFoundError: No contact, or no record of it, has that id.
        """
        call = Call("GET", self._path(contact_id, record_id), self._kind.one)
        return await self._client.send(call)

    async def create(self, contact_id: str, record: C) -> R:
        """Add a record to a contact (``POST /contacts/{contactId}/{collection}``).

        Not repeated when its outcome is unknown (it could be created twice): you get a
        ``TransportError`` with ``outcome_unknown=True`` instead.

        Raises:
            NotFoundError: No contact has that id.
            UnprocessableEntityError: The server refused the body (``.messages``).
        """
        call = Call("POST", self._path(contact_id), self._kind.one, body=record, idempotent=False)
        return await self._client.send(call)

    async def update(self, contact_id: str, record_id: str, changes: U) -> R:
        """Change a record (``PUT /contacts/{contactId}/{collection}/{id}``); unset fields stay.

        Raises:
            NotFoundError: No contact, or no record of it, has that id.
            UnprocessableEntityError: The server refused the body (``.messages``).
        """
        call = Call("PUT", self._path(contact_id, record_id), self._kind.one, body=changes)
        return await self._client.send(call)

    async def delete(self, contact_id: str, record_id: str) -> None:
        """Delete a record (``DELETE /contacts/{contactId}/{collection}/{id}``).

        Raises:
            NotFoundError: No contact, or no record of it, has that id.
        """
        path = self._path(contact_id, record_id)
        await self._client.send(Call("DELETE", path, acknowledged, gone_when_absent=True))

    def _path(self, contact_id: str, record_id: str | None = None, *rest: str) -> str:
        kind = self._kind
        record = () if record_id is None else (segment(record_id, kind.id_name),)
        return contact_path(contact_id, kind.collection, *record, *rest)


_TASKS = RecordKind("tasks", "task_id", unwrap(TaskEnvelope, attrgetter("task")),
                    unwrap(TaskList, attrgetter("tasks")))  # fmt: skip
_NOTES = RecordKind("notes", "note_id", unwrap(NoteEnvelope, attrgetter("note")),
                    unwrap(NoteList, attrgetter("notes")))  # fmt: skip


class TasksResource(RecordsResource[Task, TaskCreate, TaskUpdate]):
    """Tasks of a contact. Reached as ``client.contacts.tasks``.

    ``list(contact_id)``, ``get(contact_id, task_id)``, ``create(contact_id, TaskCreate(...))``
    (never repeated on an unknown outcome), ``update(contact_id, task_id, TaskUpdate(...))``,
    ``delete(contact_id, task_id)`` and :meth:`complete`. Scopes: ``contacts.readonly`` to read,
    ``contacts.write`` to change.
    """

    __slots__ = ()
    _kind = _TASKS

    async def complete(self, contact_id: str, task_id: str, completed: bool = True) -> Task:
        """Mark a task completed, or not (``PUT /contacts/{contactId}/tasks/{taskId}/completed``).

        Raises:
            NotFoundError: No contact, or no task of it, has that id.
        """
        call = Call("PUT", self._path(contact_id, task_id, "completed"), _TASKS.one,
                    body=TaskCompletion(completed=completed))  # fmt: skip
        return await self._client.send(call)


class NotesResource(RecordsResource[Note, NoteCreate, NoteUpdate]):
    """Notes of a contact (``client.contacts.notes``): the five calls above, with ``note_id``."""

    __slots__ = ()
    _kind = _NOTES
