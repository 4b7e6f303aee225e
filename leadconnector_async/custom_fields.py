"""Custom fields by name: resolve an id, key (``contact.plan``), bare key (``plan``) or display
name (``Plan``) to the field's definition, so writes and comparisons use ids.

Contacts carry custom fields as ``{id, value}`` only, so anything that takes a field by name
needs the location's definitions: :meth:`CustomFieldDirectory.fetch` reads them once (one
request) and a job keeps the directory for its whole run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from msgspec import UNSET

from .errors import CustomFieldError
from .models.contacts import CustomFieldInput
from .models.custom_fields import CustomField

if TYPE_CHECKING:
    from .client import LeadConnector

__all__ = ["CustomFieldDirectory"]


class CustomFieldDirectory:
    """A location's custom field definitions, looked up by id, key, bare key or name.

    A reference is tried in that order, and the first kind that matches decides: an id or key
    matches exactly; a name matches ignoring case and surrounding spaces. A reference that
    matches nothing, or several definitions of the same kind, raises :class:`CustomFieldError`.

    Args:
        fields: The definitions (``await client.locations.custom_fields()``).
    """

    __slots__ = ("_by_id", "_lookups")

    def __init__(self, fields: Iterable[CustomField]) -> None:
        self._by_id = {f.id: f for f in fields}
        keys: dict[str, list[CustomField]] = {}
        bare: dict[str, list[CustomField]] = {}
        names: dict[str, list[CustomField]] = {}
        for definition in self._by_id.values():
            for table, value in (
                (keys, definition.field_key),
                (bare, definition.bare_key),
                (names, loose_name(definition.name)),
            ):
                if value:
                    table.setdefault(value, []).append(definition)
        self._lookups = ((keys, "key"), (bare, "key"), (names, "name"))

    @classmethod
    async def fetch(
        cls, client: LeadConnector, location_id: str | None = None
    ) -> CustomFieldDirectory:
        """Read the contact custom fields of a location (default: the client's); one request."""
        return cls(await client.locations.custom_fields("contact", location_id=location_id))

    def __len__(self) -> int:
        return len(self._by_id)

    def resolve(self, reference: str) -> CustomField:
        """The definition ``reference`` names.

        Raises:
            CustomFieldError: No definition matches, or several do.
        """
        if not isinstance(reference, str) or not reference.strip():
            raise CustomFieldError(
                f"a custom field reference must be a non-empty string, got {reference!r}",
                reference=str(reference),
            )
        found = self._by_id.get(reference)
        if found is not None:
            return found
        for table, kind in self._lookups:
            matches = table.get(reference if kind == "key" else loose_name(reference), [])
            if len(matches) == 1:
                return matches[0]
            if matches:
                ids = tuple(m.id for m in matches)
                raise CustomFieldError(
                    f"custom field {reference!r} is ambiguous: {len(matches)} fields have that "
                    f"{kind} ({', '.join(ids)}); name it by id or by its full key",
                    reference=reference,
                    candidates=ids,
                )
        raise CustomFieldError(
            f"no custom field of this location has the id, key or name {reference!r} "
            f"({len(self._by_id)} contact custom fields are defined)",
            reference=reference,
        )

    def by_id(self, fields: Iterable[CustomFieldInput]) -> list[CustomFieldInput]:
        """``fields`` with each one identified by its definition's id (``key`` dropped).

        Raises:
            CustomFieldError: A field's id, key or name matches no definition, or several.
        """
        return [
            CustomFieldInput(id=self.resolve(_reference(f)).id, field_value=f.field_value)
            for f in fields
        ]


def _reference(field: CustomFieldInput) -> str:
    return field.id if isinstance(field.id, str) else field.key if field.key is not UNSET else ""


def loose_name(name: str | None) -> str:
    """``" Plan  Tier "`` -> ``"plan tier"``: how two spellings of one name may differ (case and
    runs of whitespace), and nothing more."""
    return " ".join(name.split()).casefold() if name else ""
