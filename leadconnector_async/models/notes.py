"""Notes of a contact: the note as read back, and what is sent to create or change one."""

from __future__ import annotations

from msgspec import UNSET, UnsetType, field

from ._base import Input, Model

__all__ = ["Note", "NoteCreate", "NoteUpdate"]


class Note(Model):
    """A note attached to a contact."""

    id: str
    body: str | None = None
    user_id: str | None = None
    date_added: str | None = None
    contact_id: str | None = None
    title: str | None = None
    color: str | None = None
    pinned: bool | None = None


class _NoteFields(Input):
    """The optional fields of a note's create and update bodies."""

    user_id: str | UnsetType | None = UNSET
    title: str | UnsetType | None = UNSET
    color: str | UnsetType | None = UNSET
    pinned: bool | UnsetType | None = UNSET


class NoteUpdate(_NoteFields):
    """Body of ``contacts.notes.update``: unset (or ``None``) fields stay as they are."""

    body: str | UnsetType | None = UNSET


class NoteCreate(_NoteFields, kw_only=True):
    """Body of ``contacts.notes.create``: ``body`` is required, the rest optional."""

    body: str


class NoteEnvelope(Model):
    """``{"note": {...}}`` (get, create, update)."""

    note: Note


class NoteList(Model):
    """``{"notes": [...]}``."""

    notes: list[Note] = field(default_factory=list)
