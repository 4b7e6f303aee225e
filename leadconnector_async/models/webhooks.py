"""Typed webhook events: one msgspec struct per event ``type``, decoded as a tagged union.

Every event body is flat: ``type`` names the event and the other fields sit beside it, plus the
``timestamp`` and ``webhookId`` the platform adds for replay protection. Fields the server sends
but these structs do not declare are ignored, and a ``type`` this library does not know decodes to
:class:`UnknownWebhookEvent` rather than failing, so new events never break a receiver. So does a
known ``type`` whose body lacks a field its struct requires (``locationId``, ``id``): the event
keeps its whole body in ``raw`` rather than being lost.

Event struct names end in ``Event`` so they never clash with the request models
(``ContactCreate``, ``ContactUpdate``) of the contacts API; custom fields and DND settings share
the contact's structs.
"""

from __future__ import annotations

import logging
from typing import Any, TypeAlias, get_args

import msgspec

from .._lenient import convert_leniently, log_once, reason_of
from ._base import Model
from .appointments import Appointment
from .contacts import CustomFieldValue, DndSettings

__all__ = [
    "AppInstallEvent",
    "AppUninstallEvent",
    "Appointment",
    "AppointmentCreateEvent",
    "AppointmentDeleteEvent",
    "AppointmentUpdateEvent",
    "ContactCreateEvent",
    "ContactDeleteEvent",
    "ContactDndUpdateEvent",
    "ContactTagUpdateEvent",
    "ContactUpdateEvent",
    "InstallTrial",
    "KnownWebhookEvent",
    "NoteCreateEvent",
    "NoteDeleteEvent",
    "NoteUpdateEvent",
    "TaskCompleteEvent",
    "TaskCreateEvent",
    "TaskDeleteEvent",
    "UnknownWebhookEvent",
    "WebhookEvent",
    "WhitelabelDetails",
    "decode_webhook_event",
    "decode_webhook_payload",
    "event_from_payload",
]


class _EventBase(Model, tag_field="type", kw_only=True):
    """Fields every delivery carries; ``type`` is the struct's tag."""

    timestamp: str | None = None
    webhook_id: str | None = None

    @property
    def type(self) -> str:
        """The event's ``type`` on the wire, e.g. ``"ContactCreate"`` or ``"INSTALL"``."""
        return str(self.__struct_config__.tag)


class _ContactEvent(_EventBase):
    location_id: str
    id: str
    address1: str | None = None
    city: str | None = None
    state: str | None = None
    company_name: str | None = None
    country: str | None = None
    source: str | None = None
    date_added: str | None = None
    date_of_birth: str | None = None
    dnd: bool | None = None
    email: str | None = None
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    postal_code: str | None = None
    tags: list[str] = msgspec.field(default_factory=list)
    website: str | None = None
    attachments: list[Any] = msgspec.field(default_factory=list)
    assigned_to: str | None = None
    custom_fields: list[CustomFieldValue] = msgspec.field(default_factory=list)


class ContactCreateEvent(_ContactEvent, tag="ContactCreate"):
    """A contact was created."""


class ContactUpdateEvent(_ContactEvent, tag="ContactUpdate"):
    """Some fields of a contact were updated."""


class ContactDeleteEvent(_ContactEvent, tag="ContactDelete"):
    """A contact was deleted."""


class ContactTagUpdateEvent(_ContactEvent, tag="ContactTagUpdate"):
    """A contact's tags changed."""


class ContactDndUpdateEvent(_ContactEvent, tag="ContactDndUpdate"):
    """A contact's do-not-disturb settings changed."""

    dnd_settings: DndSettings | None = None


class _NoteEvent(_EventBase):
    location_id: str
    id: str
    body: str | None = None
    contact_id: str | None = None
    date_added: str | None = None


class NoteCreateEvent(_NoteEvent, tag="NoteCreate"):
    """A note was added to a contact."""


class NoteUpdateEvent(_NoteEvent, tag="NoteUpdate"):
    """A note was edited."""


class NoteDeleteEvent(_NoteEvent, tag="NoteDelete"):
    """A note was deleted."""


class _TaskEvent(_EventBase):
    location_id: str
    id: str
    assigned_to: str | None = None
    body: str | None = None
    contact_id: str | None = None
    title: str | None = None
    date_added: str | None = None
    due_date: str | None = None


class TaskCreateEvent(_TaskEvent, tag="TaskCreate"):
    """A task was created."""


class TaskCompleteEvent(_TaskEvent, tag="TaskComplete"):
    """A task was marked complete."""


class TaskDeleteEvent(_TaskEvent, tag="TaskDelete"):
    """A task was deleted."""


class _AppointmentEvent(_EventBase):
    location_id: str
    appointment: Appointment


class AppointmentCreateEvent(_AppointmentEvent, tag="AppointmentCreate"):
    """An appointment was booked."""


class AppointmentUpdateEvent(_AppointmentEvent, tag="AppointmentUpdate"):
    """An appointment changed."""


class AppointmentDeleteEvent(_AppointmentEvent, tag="AppointmentDelete"):
    """An appointment was deleted."""


class InstallTrial(Model):
    """The trial an app was installed on, if any."""

    on_trial: bool | None = None
    trial_duration: int | float | None = None
    trial_start_date: str | None = None


class WhitelabelDetails(Model):
    """Branding of a whitelabelled agency."""

    domain: str | None = None
    logo_url: str | None = None


class AppInstallEvent(_EventBase, tag="INSTALL"):
    """The app was installed. An agency-level install has no ``location_id``; installs for
    future locations may lack ``user_id`` and ``company_id``."""

    app_id: str
    company_id: str | None = None
    location_id: str | None = None
    user_id: str | None = None
    plan_id: str | None = None
    version_id: str | None = None
    install_type: str | None = None
    trial: InstallTrial | None = None
    is_whitelabel_company: bool | None = None
    whitelabel_details: WhitelabelDetails | None = None
    company_name: str | None = None


class AppUninstallEvent(_EventBase, tag="UNINSTALL"):
    """The app was uninstalled from a location (``location_id``) or an agency (``company_id``)."""

    app_id: str
    company_id: str | None = None
    location_id: str | None = None


class UnknownWebhookEvent(msgspec.Struct, kw_only=True):
    """An event whose ``type`` this library does not model, or whose body does not fit the
    struct of its ``type`` even leniently (a required field such as ``locationId`` is missing).

    Attributes:
        type: The ``type`` field as sent (``""`` when absent or not a string).
        raw: The whole decoded body.
    """

    type: str
    raw: dict[str, Any]

    @property
    def webhook_id(self) -> str | None:
        """The delivery's ``webhookId``, when it is a string."""
        return self._str_field("webhookId")

    @property
    def timestamp(self) -> str | None:
        """The delivery's ``timestamp``, when it is a string."""
        return self._str_field("timestamp")

    def _str_field(self, name: str) -> str | None:
        value = self.raw.get(name)
        return value if isinstance(value, str) else None


KnownWebhookEvent: TypeAlias = (
    ContactCreateEvent
    | ContactUpdateEvent
    | ContactDeleteEvent
    | ContactTagUpdateEvent
    | ContactDndUpdateEvent
    | NoteCreateEvent
    | NoteUpdateEvent
    | NoteDeleteEvent
    | TaskCreateEvent
    | TaskCompleteEvent
    | TaskDeleteEvent
    | AppointmentCreateEvent
    | AppointmentUpdateEvent
    | AppointmentDeleteEvent
    | AppInstallEvent
    | AppUninstallEvent
)
WebhookEvent: TypeAlias = KnownWebhookEvent | UnknownWebhookEvent

_BY_TYPE: dict[str, type[KnownWebhookEvent]] = {
    str(cls.__struct_config__.tag): cls for cls in get_args(KnownWebhookEvent)
}
_KNOWN_TYPES: frozenset[str] = frozenset(_BY_TYPE)
_payload_decoder = msgspec.json.Decoder(dict[str, Any])


def decode_webhook_payload(body: bytes) -> dict[str, Any]:
    """Decode a webhook body into a plain dict, without looking at its fields.

    Args:
        body: The raw request body.

    Returns:
        The decoded JSON object.

    Raises:
        msgspec.DecodeError: The body is not JSON, not a JSON object, or nested too deeply.
    """
    try:
        return _payload_decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise msgspec.DecodeError(str(exc)) from exc
    except RecursionError as exc:
        raise msgspec.DecodeError("JSON is nested too deeply") from exc


def event_from_payload(payload: dict[str, Any]) -> WebhookEvent:
    """Turn a decoded body into its typed event.

    Args:
        payload: A decoded webhook body (see :func:`decode_webhook_payload`).

    Returns:
        The typed event for a known ``type``, else an :class:`UnknownWebhookEvent`; also an
        :class:`UnknownWebhookEvent` (logged once per type and reason) when a known ``type``
        cannot be its event even leniently, because a required field is missing.

    A field of an unexpected shape is read leniently (see the README's "Decoding real
    responses"): the event keeps every other field and the raw value in ``undecoded``.
    """
    event_type = payload.get("type")
    if isinstance(event_type, str) and event_type in _KNOWN_TYPES:
        try:
            event: KnownWebhookEvent = msgspec.convert(payload, KnownWebhookEvent)
        except msgspec.ValidationError:  # one odd field must not cost the event
            try:
                event = convert_leniently(payload, _BY_TYPE[event_type])
            except msgspec.ValidationError as exc:  # nor must a missing one
                reason = reason_of(exc)
                log_once(
                    (event_type, reason),
                    logging.WARNING,
                    "%s webhook event does not fit its struct (%s); handed over as "
                    "UnknownWebhookEvent with the whole body in .raw (logged once)",
                    event_type,
                    reason,
                )
                return UnknownWebhookEvent(type=event_type, raw=payload)
        return event
    return UnknownWebhookEvent(type=event_type if isinstance(event_type, str) else "", raw=payload)


def decode_webhook_event(body: bytes) -> WebhookEvent:
    """Decode a webhook body into its typed event. This does not verify anything.

    Args:
        body: The raw request body.

    Returns:
        The typed event for a known ``type``, else an :class:`UnknownWebhookEvent` (see
        :func:`event_from_payload`).

    Raises:
        msgspec.DecodeError: The body is not a JSON object.
    """
    return event_from_payload(decode_webhook_payload(body))
