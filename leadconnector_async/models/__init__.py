"""Every msgspec struct the client sends or receives, by topic."""

from msgspec import UNSET, UnsetType

from ._base import CLEAR, ClearType
from .appointments import Appointment
from .contacts import (
    AttributionSource,
    Contact,
    ContactCreate,
    ContactUpdate,
    CustomFieldInput,
    CustomFieldValue,
    DndChannel,
    DndChannelInput,
    DndSettings,
    DndSettingsInput,
    InboundDndSettings,
    Opportunity,
    UpsertResult,
)
from .custom_fields import CustomField
from .notes import Note, NoteCreate, NoteUpdate
from .tags import BulkBusinessResult, BulkTagsEntry, BulkTagsResult, FollowersResult
from .tasks import Task, TaskCreate, TaskUpdate

__all__ = [
    "CLEAR",
    "UNSET",
    "ClearType",
    "UnsetType",
    "Appointment",
    "AttributionSource",
    "BulkBusinessResult",
    "BulkTagsEntry",
    "BulkTagsResult",
    "Contact",
    "ContactCreate",
    "ContactUpdate",
    "CustomField",
    "CustomFieldInput",
    "CustomFieldValue",
    "DndChannel",
    "DndChannelInput",
    "DndSettings",
    "DndSettingsInput",
    "FollowersResult",
    "InboundDndSettings",
    "Note",
    "NoteCreate",
    "NoteUpdate",
    "Opportunity",
    "Task",
    "TaskCreate",
    "TaskUpdate",
    "UpsertResult",
]
