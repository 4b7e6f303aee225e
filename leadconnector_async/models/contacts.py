"""The contact and what is sent to create, update and upsert one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

import msgspec
from msgspec import UNSET, UnsetType, field

from ..errors import ConfigurationError
from ._base import CLEAR, ClearType, Input, JSONValue, Model, Succeeded, clear_refused

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

DndStatus = Literal["active", "inactive", "permanent"]

if TYPE_CHECKING:
    FieldValueInput = JSONValue | ClearType
else:  # msgspec cannot decode into a union holding ClearType, and CLEAR is only given in code
    FieldValueInput = JSONValue


class DndChannel(Model):
    """Do-not-disturb state of one channel."""

    status: str | None = None
    message: str | None = None
    code: str | None = None


class DndSettings(Model):
    """Do-not-disturb state per channel (wire keys ``Call``, ``Email``, ``SMS``, ...)."""

    call: DndChannel | None = field(default=None, name="Call")
    email: DndChannel | None = field(default=None, name="Email")
    sms: DndChannel | None = field(default=None, name="SMS")
    whatsapp: DndChannel | None = field(default=None, name="WhatsApp")
    gmb: DndChannel | None = field(default=None, name="GMB")
    fb: DndChannel | None = field(default=None, name="FB")


class CustomFieldValue(Model):
    """A custom field as read back: ``value`` may be a string, number, list or object."""

    id: str | None = None
    value: JSONValue = None


class AttributionSource(Model):
    """Where a contact came from (first or last touch)."""

    url: str | None = None
    campaign: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_content: str | None = None
    referrer: str | None = None
    campaign_id: str | None = None
    fbclid: str | None = None
    gclid: str | None = None
    msclikid: str | None = None
    dclid: str | None = None
    fbc: str | None = None
    fbp: str | None = None
    fb_event_id: str | None = None
    user_agent: str | None = None
    ip: str | None = None
    medium: str | None = None
    medium_id: str | None = None


class Opportunity(Model):
    """An opportunity summary as carried on search results (snake_case on the wire)."""

    id: str | None = None
    pipeline_id: str | None = field(default=None, name="pipeline_id")
    pipeline_stage_id: str | None = field(default=None, name="pipeline_stage_id")
    monetary_value: float | None = field(default=None, name="monetary_value")
    status: str | None = None


class Contact(Model):
    """A contact, as returned by get, create, update, upsert, search and the listings.

    Every field but ``id`` is optional: each endpoint returns a different subset, and fields
    the server adds later are ignored rather than breaking decoding.
    """

    # The fields are in the order the API writes them (its create response, as the spec
    # records it), then the rest: msgspec finds each key of a body in that order at once
    # instead of searching the fields for it (23% less decoding per contact).
    id: str
    date_added: str | None = None
    date_updated: str | None = None
    deleted: bool | None = None
    tags: list[str] | None = None
    type: str | None = None
    custom_fields: list[CustomFieldValue] | None = None
    location_id: str | None = None
    first_name: str | None = None
    first_name_lower_case: str | None = None
    full_name_lower_case: str | None = None
    last_name: str | None = None
    last_name_lower_case: str | None = None
    email: str | None = None
    email_lower_case: str | None = None
    bounce_email: bool | None = None
    unsubscribe_email: bool | None = None
    dnd: bool | None = None
    dnd_settings: DndSettings | None = None
    phone: str | None = None
    address1: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = None
    website: str | None = None
    source: str | None = None
    company_name: str | None = None
    date_of_birth: str | None = None
    birth_month: int | float | None = None
    birth_day: int | float | None = None
    last_session_activity_at: str | None = None
    offers: list[Any] | None = None
    products: list[Any] | None = None
    business_id: str | None = None
    assigned_to: str | None = None
    name: str | None = None
    timezone: str | None = None
    attachments: JSONValue = None
    ssn: str | None = None
    keyword: str | None = None
    last_activity: str | None = None
    attribution_source: AttributionSource | None = None
    last_attribution_source: AttributionSource | None = None
    visitor_id: str | None = None
    phone_label: str | None = None
    additional_emails: list[Any] | None = None
    additional_phones: list[Any] | None = None
    valid_email: bool | None = None
    gender: str | None = None
    attributions: list[AttributionSource] | None = None
    followers: list[str] | None = None
    opportunities: list[Opportunity] | None = None
    search_after: list[JSONValue] | None = None
    address: str | None = None
    """``address1`` as some responses (search) spell it; ``address1`` is filled from it."""

    def __post_init__(self) -> None:
        if self.address1 is None and self.address is not None:
            self.address1 = self.address


class DndChannelInput(Input):
    """Do-not-disturb state to set on one channel."""

    status: DndStatus
    message: str | UnsetType | None = UNSET
    code: str | UnsetType | None = UNSET


class DndSettingsInput(Input):
    """Do-not-disturb state to set per channel."""

    call: DndChannelInput | UnsetType | None = field(default=UNSET, name="Call")
    email: DndChannelInput | UnsetType | None = field(default=UNSET, name="Email")
    sms: DndChannelInput | UnsetType | None = field(default=UNSET, name="SMS")
    whatsapp: DndChannelInput | UnsetType | None = field(default=UNSET, name="WhatsApp")
    gmb: DndChannelInput | UnsetType | None = field(default=UNSET, name="GMB")
    fb: DndChannelInput | UnsetType | None = field(default=UNSET, name="FB")


class InboundDndAll(Input):
    """Inbound do-not-disturb for all channels."""

    status: Literal["active", "inactive"]
    message: str | UnsetType | None = UNSET


class InboundDndSettings(Input):
    """Inbound do-not-disturb settings (``{"all": {...}}``)."""

    all: InboundDndAll


class CustomFieldInput(Input):
    """A custom field value to write: identify the field by ``id`` or by ``key``.

    ``field_value`` is a string, number, list of strings, or a file map, per the field's type.
    A field whose ``field_value`` is left unset (or ``None``, or NaN) is not sent at all, so it
    never empties the stored value; :data:`CLEAR` empties it, on update only.

    Raises:
        ConfigurationError: neither ``id`` nor ``key`` is given.
        TypeError: :data:`CLEAR` in ``id`` or ``key``.
    """

    _accepts_clear: ClassVar[bool] = True  # in field_value; a create body refuses it there

    id: str | UnsetType = UNSET
    key: str | UnsetType = UNSET
    field_value: FieldValueInput | UnsetType = field(default=UNSET, name="field_value")

    def __post_init__(self) -> None:
        for name in ("id", "key"):  # they name the field: only its value can be cleared
            if getattr(self, name) is CLEAR:
                raise clear_refused(f"CustomFieldInput.{name}")
        super().__post_init__()
        if self.id is UNSET and self.key is UNSET:
            raise ConfigurationError("CustomFieldInput needs an id or a key")


class _ContactFields(Input):
    """Fields shared by create, update and upsert bodies.

    ``None`` is never sent: it means the same as ``UNSET`` (the field is left out), so an
    optional value from your code cannot erase stored data. Only ``CLEAR``, on update, sends
    ``null``. Custom fields without a value are left out of ``custom_fields``.
    """

    postal_code: str | UnsetType | None = UNSET
    dnd: bool | UnsetType | None = UNSET
    dnd_settings: DndSettingsInput | UnsetType | None = UNSET
    inbound_dnd_settings: InboundDndSettings | UnsetType | None = UNSET
    tags: list[str] | UnsetType | None = UNSET
    custom_fields: list[CustomFieldInput] | UnsetType | None = UNSET
    country: str | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.custom_fields, list):
            self.custom_fields = self._custom_fields_sent(self.custom_fields)

    def _custom_fields_sent(
        self, fields: list[CustomFieldInput]
    ) -> list[CustomFieldInput] | UnsetType:
        """``fields`` without those that have no value (``UNSET`` when that leaves none)."""
        for custom in fields:
            if custom.field_value is CLEAR and not self._accepts_clear:
                raise clear_refused(f"{type(self).__name__}.custom_fields[].field_value")
        sent = [custom for custom in fields if custom.field_value is not UNSET]
        if len(sent) == len(fields):
            return fields
        return sent or UNSET


class ContactCreate(_ContactFields):
    """Body of create and upsert. ``None`` and unset fields are not sent.

    ``location_id`` defaults to the client's location. ``tags`` on upsert *replaces* every tag of
    a matched contact; use ``contacts.tags.add`` to add tags incrementally.
    """

    first_name: str | UnsetType | None = UNSET
    last_name: str | UnsetType | None = UNSET
    name: str | UnsetType | None = UNSET
    email: str | UnsetType | None = UNSET
    phone: str | UnsetType | None = UNSET
    address1: str | UnsetType | None = UNSET
    city: str | UnsetType | None = UNSET
    state: str | UnsetType | None = UNSET
    website: str | UnsetType | None = UNSET
    timezone: str | UnsetType | None = UNSET
    source: str | UnsetType | None = UNSET
    date_of_birth: str | UnsetType | None = UNSET
    assigned_to: str | UnsetType | None = UNSET
    location_id: str | UnsetType | None = UNSET
    gender: str | UnsetType | None = UNSET
    company_name: str | UnsetType | None = UNSET


class ContactUpdate(_ContactFields):
    """Body of update. ``None`` and unset fields are left as they are; ``CLEAR`` clears one.

    Example: ``ContactUpdate(city="Oslo", last_name=lc.CLEAR)`` sets the city, empties the
    last name and changes nothing else.

    There is no ``location_id`` (the API rejects it with 422), and ``tags`` *replaces* every tag
    of the contact: use ``contacts.tags.add`` / ``contacts.tags.remove`` to change tags
    incrementally.
    """

    _accepts_clear: ClassVar[bool] = True

    first_name: str | ClearType | UnsetType | None = UNSET
    last_name: str | ClearType | UnsetType | None = UNSET
    name: str | ClearType | UnsetType | None = UNSET
    email: str | ClearType | UnsetType | None = UNSET
    phone: str | ClearType | UnsetType | None = UNSET
    address1: str | ClearType | UnsetType | None = UNSET
    city: str | ClearType | UnsetType | None = UNSET
    state: str | ClearType | UnsetType | None = UNSET
    website: str | ClearType | UnsetType | None = UNSET
    timezone: str | ClearType | UnsetType | None = UNSET
    source: str | ClearType | UnsetType | None = UNSET
    date_of_birth: str | ClearType | UnsetType | None = UNSET
    assigned_to: str | ClearType | UnsetType | None = UNSET


class UpsertBody(ContactCreate):
    """Upsert's body: a create body plus the duplicate policy switch."""

    create_new_if_duplicate_allowed: bool | UnsetType = UNSET


class UpsertResult(Model):
    """The result of an upsert: the contact and whether it was newly created."""

    contact: Contact
    new: bool = False
    trace_id: str | None = None


class ContactEnvelope(Model):
    """``{"contact": {...}}`` (get, create)."""

    contact: Contact


class UpdatedContactEnvelope(Succeeded):
    """``{"succeded": true, "contact": {...}}`` (update)."""

    contact: Contact | None = None


class MaybeContactEnvelope(Model):
    """``{"contact": {...} | null}`` (duplicate lookup)."""

    contact: Contact | None = None


def with_location(body: ContactCreate, location_id: str) -> ContactCreate:
    """Return ``body`` with ``location_id`` set (a copy; the caller's struct is not changed)."""
    return msgspec.structs.replace(body, location_id=location_id)
