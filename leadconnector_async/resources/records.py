"""``client.contacts.tasks`` and ``client.contacts.notes``: records a contact owns.

Both answer the same five calls (list, get, create, update, delete), written once in
:class:`RecordsResource`; tasks add :meth:`TasksResource.complete`.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Generic, TypeVar

from .. import endpoints as ep
from ..endpoints import Endpoint
from ..models._base import Input
from ..models.notes import Note, NoteCreate, NoteUpdate
from ..models.tasks import Task, TaskCompletion, TaskCreate, TaskUpdate
from ._base import Resource

R = TypeVar("R")
C = TypeVar("C", bound=Input)
U = TypeVar("U", bound=Input)


@dataclass(frozen=True, slots=True)
class RecordKind(Generic[R]):
    """The five endpoints of one kind of record (rows of the endpoint table)."""

    list: Endpoint[builtins.list[R]]
    get: Endpoint[R]
    create: Endpoint[R]
    update: Endpoint[R]
    delete: Endpoint[bool]


class RecordsResource(Resource, Generic[R, C, U]):
    """The five calls every kind of contact record answers to; subclasses set ``_kind``."""

    __slots__ = ()
    _kind: RecordKind[R]

    async def list(self, contact_id: str) -> builtins.list[R]:
        """Every record of a contact (``GET /contacts/{contactId}/{collection}``); not paged.

        Raises:
            NotFoundError: No contact has that id.
        """
        return await self._send(self._kind.list, contact_id)

    async def get(self, contact_id: str, record_id: str) -> R:
        """One record of a contact (``GET /contacts/{contactId}/{collection}/{id}``).

        Raises:
            NotFoundError: No contact, or no record of it, has that id.
        """
        return await self._send(self._kind.get, contact_id, record_id)

    async def create(self, contact_id: str, record: C) -> R:
        """Add a record to a contact (``POST /contacts/{contactId}/{collection}``).

        Not repeated when its outcome is unknown (it could be created twice): you get a
        ``TransportError`` with ``outcome_unknown=True`` instead.

        Raises:
            NotFoundError: No contact has that id.
            UnprocessableEntityError: The server refused the body (``.messages``).
        """
        return await self._send(self._kind.create, contact_id, body=record)

    async def update(self, contact_id: str, record_id: str, changes: U) -> R:
        """Change a record (``PUT /contacts/{contactId}/{collection}/{id}``); unset fields stay.

        Raises:
            NotFoundError: No contact, or no record of it, has that id.
            UnprocessableEntityError: The server refused the body (``.messages``).
        """
        return await self._send(self._kind.update, contact_id, record_id, body=changes)

    async def delete(self, contact_id: str, record_id: str) -> None:
        """Delete a record (``DELETE /contacts/{contactId}/{collection}/{id}``).

        Raises:
            NotFoundError: No contact, or no record of it, has that id.
        """
        await self._send(self._kind.delete, contact_id, record_id)


_TASKS = RecordKind(ep.TASKS_LIST, ep.TASKS_GET, ep.TASKS_CREATE, ep.TASKS_UPDATE, ep.TASKS_DELETE)
_NOTES = RecordKind(ep.NOTES_LIST, ep.NOTES_GET, ep.NOTES_CREATE, ep.NOTES_UPDATE, ep.NOTES_DELETE)


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
        body = TaskCompletion(completed=completed)
        return await self._send(ep.TASKS_COMPLETE, contact_id, task_id, body=body)


class NotesResource(RecordsResource[Note, NoteCreate, NoteUpdate]):
    """Notes of a contact (``client.contacts.notes``): the five calls above, with ``note_id``."""

    __slots__ = ()
    _kind = _NOTES
