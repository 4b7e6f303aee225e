"""Appointments (calendar events) of a contact, as listed and as carried by webhook events."""

from __future__ import annotations

import msgspec

from ._base import Model

__all__ = ["Appointment"]


class Appointment(Model):
    """A calendar appointment booked for a contact."""

    id: str
    calendar_id: str | None = None
    location_id: str | None = None
    contact_id: str | None = None
    group_id: str | None = None
    title: str | None = None
    status: str | None = None
    appointment_status: str | None = None
    assigned_user_id: str | None = None
    users: list[str] = msgspec.field(default_factory=list)
    assigned_resources: list[str] = msgspec.field(default_factory=list)
    notes: str | None = None
    address: str | None = None
    source: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    date_added: str | None = None
    date_updated: str | None = None


class AppointmentList(Model):
    """``{"events": [...]}`` (``GET /contacts/{contactId}/appointments``)."""

    events: list[Appointment] = msgspec.field(default_factory=list)
