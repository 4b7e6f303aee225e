"""``client.locations``: what the client reads about a location (its custom field definitions)."""

from __future__ import annotations

from .. import endpoints as ep
from ..errors import ConfigurationError
from ..models.custom_fields import CustomField, CustomFieldModel
from ._base import Resource

_MODELS = ("contact", "opportunity", "all")


class LocationsResource(Resource):
    """A location's settings. Reached as ``client.locations``."""

    __slots__ = ()

    async def custom_fields(
        self, model: CustomFieldModel = "contact", *, location_id: str | None = None
    ) -> list[CustomField]:
        """The custom field definitions of a location
        (``GET /locations/{locationId}/customFields``; scope ``locations/customFields.readonly``).

        Args:
            model: ``"contact"``, ``"opportunity"`` or ``"all"``.
            location_id: The location (default: the client's).

        Returns:
            Every definition: ``id``, ``name``, ``field_key``, ``data_type``, options, ...

        Raises:
            ConfigurationError: An unknown ``model``, or no location (before sending).
        """
        if model not in _MODELS:
            raise ConfigurationError(f"model must be one of {', '.join(_MODELS)}, got {model!r}")
        location = self._client.require_location(location_id)
        return await self._send(
            ep.CUSTOM_FIELDS, location, params={"model": model}, location_id=location
        )
