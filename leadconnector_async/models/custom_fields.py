"""Custom field definitions of a location (``GET /locations/{locationId}/customFields``)."""

from __future__ import annotations

from typing import Literal

from msgspec import field

from ._base import Model

__all__ = ["CustomField", "CustomFieldModel"]

CustomFieldModel = Literal["contact", "opportunity", "all"]
"""Which records' custom fields to list."""


class CustomField(Model):
    """The definition of one custom field.

    Contacts carry custom fields only as ``{id, value}``; the definition says what the id is.

    Attributes:
        id: The field's id (what contacts carry).
        name: Its display name (``"Plan"``).
        field_key: Its key, model-prefixed (``"contact.plan"``).
        data_type: ``TEXT``, ``LARGE_TEXT``, ``NUMERICAL``, ``SINGLE_OPTIONS``,
            ``MULTIPLE_OPTIONS``, ``CHECKBOX``, ``DATE``, ``FILE_UPLOAD``, ...
        picklist_options: The choices of an option field.
        model: ``"contact"`` or ``"opportunity"``.
    """

    id: str
    name: str | None = None
    field_key: str | None = None
    placeholder: str | None = None
    data_type: str | None = None
    position: int | float | None = None
    picklist_options: list[str] = field(default_factory=list)
    picklist_image_options: list[str] = field(default_factory=list)
    is_allowed_custom_option: bool | None = None
    is_multi_file_allowed: bool | None = None
    max_file_limit: int | float | None = None
    location_id: str | None = None
    model: str | None = None

    @property
    def bare_key(self) -> str | None:
        """The key without its model prefix (``"plan"`` for ``"contact.plan"``)."""
        if self.field_key is None:
            return None
        return self.field_key.partition(".")[2] or self.field_key


class CustomFieldList(Model):
    """``{"customFields": [...]}``."""

    custom_fields: list[CustomField] = field(default_factory=list)
