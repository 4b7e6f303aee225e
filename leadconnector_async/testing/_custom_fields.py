"""The fake's custom field definitions per location.

Seed them with ``fake.custom_fields.add(location_id, "Plan")`` (key ``contact.plan``, type
``TEXT`` unless given). Contacts refer to them by id in ``customFields``.
"""

from __future__ import annotations

import re
from typing import Any

from . import _responses as respond


class CustomFieldStore:
    """Custom field definitions as the API returns them (``CustomFieldSchema``), by id."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[str, Any]] = {}

    def add(
        self,
        location_id: str,
        name: str,
        *,
        field_key: str | None = None,
        data_type: str = "TEXT",
        model: str = "contact",
        field_id: str | None = None,
        picklist_options: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """Define a custom field and return its definition.

        Args:
            location_id: The location it belongs to.
            name: Its display name.
            field_key: Its key; ``"<model>.<name in snake_case>"`` when omitted.
            data_type: ``TEXT``, ``NUMERICAL``, ``SINGLE_OPTIONS``, ...
            model: ``"contact"`` or ``"opportunity"``.
            field_id: Its id; a new random one when omitted.
            picklist_options: The choices of an option field.
        """
        key = field_key or f"{model}.{re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_')}"
        definition: dict[str, Any] = {
            "id": field_id or respond.new_id(),
            "name": name,
            "fieldKey": key,
            "placeholder": name,
            "dataType": data_type,
            "position": len(self.fields),
            "picklistOptions": list(picklist_options),
            "picklistImageOptions": [],
            "isAllowedCustomOption": False,
            "isMultiFileAllowed": False,
            "maxFileLimit": 0,
            "locationId": location_id,
            "model": model,
        }
        self.fields[definition["id"]] = definition
        return definition

    def of(self, location_id: str, model: str) -> list[dict[str, Any]]:
        """The definitions of a location for ``model`` (``"all"``: every model)."""
        return [
            f
            for f in self.fields.values()
            if f["locationId"] == location_id and model in ("all", f["model"])
        ]
