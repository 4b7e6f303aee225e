"""Every msgspec struct the client sends or receives, by topic."""

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

__all__ = [
    "AttributionSource",
    "Contact",
    "ContactCreate",
    "ContactUpdate",
    "CustomFieldInput",
    "CustomFieldValue",
    "DndChannel",
    "DndChannelInput",
    "DndSettings",
    "DndSettingsInput",
    "InboundDndSettings",
    "Opportunity",
    "UpsertResult",
]
