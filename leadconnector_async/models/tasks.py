"""Tasks of a contact: the task as read back, and what is sent to create or change one."""

from __future__ import annotations

from msgspec import UNSET, UnsetType, field

from ._base import Input, Model

__all__ = ["Task", "TaskCreate", "TaskUpdate"]


class Task(Model):
    """A task attached to a contact."""

    id: str
    title: str | None = None
    body: str | None = None
    assigned_to: str | None = None
    due_date: str | None = None
    completed: bool | None = None
    contact_id: str | None = None
    date_added: str | None = None


class TaskCreate(Input, omit_defaults=False):
    """Body of ``contacts.tasks.create``. ``completed`` is always sent (the API requires it).

    ``due_date`` is an ISO 8601 string such as ``"2020-10-25T11:00:00Z"``.
    """

    title: str
    due_date: str
    completed: bool = False
    body: str | UnsetType | None = UNSET
    assigned_to: str | UnsetType | None = UNSET


class TaskUpdate(Input):
    """Body of ``contacts.tasks.update``: unset (or ``None``) fields stay as they are."""

    title: str | UnsetType | None = UNSET
    body: str | UnsetType | None = UNSET
    due_date: str | UnsetType | None = UNSET
    completed: bool | UnsetType | None = UNSET
    assigned_to: str | UnsetType | None = UNSET


class TaskCompletion(Input):
    """Body of ``PUT .../tasks/{taskId}/completed``."""

    completed: bool


class TaskEnvelope(Model):
    """``{"task": {...}}`` (get, create, update, complete)."""

    task: Task


class TaskList(Model):
    """``{"tasks": [...]}``."""

    tasks: list[Task] = field(default_factory=list)
