"""Typed webhook events: every documented example decodes to its struct; unknowns never fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from leadconnector_async.models.webhooks import (
    AppInstallEvent,
    AppointmentCreateEvent,
    AppointmentDeleteEvent,
    AppointmentUpdateEvent,
    AppUninstallEvent,
    ContactCreateEvent,
    ContactDeleteEvent,
    ContactDndUpdateEvent,
    ContactTagUpdateEvent,
    ContactUpdateEvent,
    NoteCreateEvent,
    NoteDeleteEvent,
    NoteUpdateEvent,
    TaskCompleteEvent,
    TaskCreateEvent,
    TaskDeleteEvent,
    UnknownWebhookEvent,
    decode_webhook_event,
    decode_webhook_payload,
    event_from_payload,
)

EXAMPLES = Path(__file__).parent / "data" / "webhook_events"

EXPECTED: dict[str, type[Any]] = {
    "AppInstall_agency": AppInstallEvent,
    "AppInstall_location": AppInstallEvent,
    "AppInstall_location_whitelabel": AppInstallEvent,
    "AppUninstall_agency": AppUninstallEvent,
    "AppUninstall_location": AppUninstallEvent,
    "AppointmentCreate": AppointmentCreateEvent,
    # The published Update and Delete examples say "AppointmentCreate" (a doc error).
    "AppointmentDelete": AppointmentCreateEvent,
    "AppointmentUpdate": AppointmentCreateEvent,
    "ContactCreate": ContactCreateEvent,
    "ContactDelete": ContactDeleteEvent,
    "ContactDndUpdate": ContactDndUpdateEvent,
    "ContactTagUpdate": ContactTagUpdateEvent,
    "ContactUpdate": ContactUpdateEvent,
    "NoteCreate": NoteCreateEvent,
    "NoteDelete": NoteDeleteEvent,
    "NoteUpdate": NoteUpdateEvent,
    "TaskComplete": TaskCompleteEvent,
    "TaskCreate": TaskCreateEvent,
    "TaskDelete": TaskDeleteEvent,
}


def example(name: str) -> bytes:
    return (EXAMPLES / f"{name}.json").read_bytes()


def test_every_vendored_example_is_covered() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("*.json")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_decodes_to_its_typed_event(name: str) -> None:
    event = decode_webhook_event(example(name))

    assert type(event) is EXPECTED[name]
    assert event.type == json.loads(example(name))["type"]


@pytest.mark.parametrize(
    ("event_type", "expected"),
    [("AppointmentUpdate", AppointmentUpdateEvent), ("AppointmentDelete", AppointmentDeleteEvent)],
)
def test_appointment_examples_decode_by_their_page_type(
    event_type: str, expected: type[Any]
) -> None:
    payload = json.loads(example(event_type)) | {"type": event_type}

    event = event_from_payload(payload)

    assert type(event) is expected
    assert isinstance(event, AppointmentUpdateEvent | AppointmentDeleteEvent)
    assert event.appointment.users == ["YlWd2wuCAZQzh2cH1fVZ", "9NkT25Vor1v4aQatFsv2"]


def test_contact_event_fields_are_snake_case() -> None:
    event = decode_webhook_event(example("ContactCreate"))

    assert isinstance(event, ContactCreateEvent)
    assert event.location_id == "ve9EPM428h8vShlRW1KT"
    assert event.first_name == "John"
    assert event.date_of_birth == "2000-01-05T00:00:00.000Z"
    assert event.postal_code == "452001"
    assert event.dnd is True
    assert event.tags == ["id magna sed Lorem", "Duis dolor commodo aliqua"]
    assert event.custom_fields[0].id == "BcdmQEsNgz6AVpgLVUJ0"
    assert event.custom_fields[0].value == "XYZ Corp"


def test_dnd_settings_use_the_wire_channel_names() -> None:
    event = decode_webhook_event(example("ContactDndUpdate"))

    assert isinstance(event, ContactDndUpdateEvent)
    settings = msgspec.structs.asdict(event.dnd_settings) if event.dnd_settings else {}
    statuses = {channel: state.status for channel, state in settings.items() if state}
    assert statuses == {
        "sms": "inactive",
        "call": "inactive",
        "email": "active",
        "gmb": "active",
        "fb": "active",
        "whatsapp": "active",
    }


@pytest.mark.parametrize("value", ["text", 42, 4.5, True, ["a", "b"], {"k": "v"}, None])
def test_custom_field_values_take_any_json_shape(value: object) -> None:
    payload = {"type": "ContactUpdate", "locationId": "l", "id": "c"}
    payload["customFields"] = [{"id": "f", "value": value}]  # type: ignore[assignment]

    event = event_from_payload(payload)

    assert isinstance(event, ContactUpdateEvent)
    assert event.custom_fields[0].value == value


def test_install_event_fields() -> None:
    event = decode_webhook_event(example("AppInstall_location_whitelabel"))

    assert isinstance(event, AppInstallEvent)
    assert event.type == "INSTALL"
    assert event.trial is not None
    assert (event.trial.on_trial, event.trial.trial_duration) == (True, 10)
    assert event.whitelabel_details is not None
    assert event.whitelabel_details.logo_url == "https://example.com/logo.png"
    assert event.is_whitelabel_company is True


def test_agency_install_has_no_location() -> None:
    event = decode_webhook_event(example("AppInstall_agency"))

    assert isinstance(event, AppInstallEvent)
    assert event.location_id is None
    assert event.company_id == "otg8dTQqGLh3Q6iQI55w"


def test_uninstall_from_agency() -> None:
    event = decode_webhook_event(example("AppUninstall_agency"))

    assert isinstance(event, AppUninstallEvent)
    assert (event.type, event.company_id, event.location_id) == (
        "UNINSTALL",
        "otg8dTQqGLh3Q6iQI55w",
        None,
    )


def test_delivery_fields_are_decoded() -> None:
    body = b'{"type":"NoteCreate","locationId":"l","id":"n","timestamp":"2025-01-28T14:35:00Z",'
    body += b'"webhookId":"abc123xyz"}'

    event = decode_webhook_event(body)

    assert isinstance(event, NoteCreateEvent)
    assert (event.timestamp, event.webhook_id) == ("2025-01-28T14:35:00Z", "abc123xyz")


def test_unknown_fields_are_ignored() -> None:
    event = decode_webhook_event(b'{"type":"TaskCreate","locationId":"l","id":"t","brandNew":[1]}')

    assert isinstance(event, TaskCreateEvent)
    assert event.id == "t"


def test_nulls_are_accepted_for_optional_fields() -> None:
    event = decode_webhook_event(b'{"type":"ContactCreate","locationId":"l","id":"c","email":null}')

    assert isinstance(event, ContactCreateEvent)
    assert event.email is None


def test_unknown_type_decodes_to_a_generic_event() -> None:
    body = b'{"type":"OpportunityCreate","id":"o1","webhookId":"w","timestamp":"t"}'

    event = decode_webhook_event(body)

    assert isinstance(event, UnknownWebhookEvent)
    assert event.type == "OpportunityCreate"
    assert event.raw["id"] == "o1"
    assert (event.webhook_id, event.timestamp) == ("w", "t")


@pytest.mark.parametrize("body", [b"{}", b'{"type": 7}', b'{"type": null}'])
def test_missing_or_odd_type_is_unknown_with_empty_type(body: bytes) -> None:
    event = decode_webhook_event(body)

    assert isinstance(event, UnknownWebhookEvent)
    assert event.type == ""
    assert event.webhook_id is None


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'"text"', b"3"])
def test_a_body_that_is_not_a_json_object_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_webhook_payload(body)


def test_a_field_of_the_wrong_shape_is_kept_raw_and_costs_nothing_else() -> None:
    event = decode_webhook_event(
        b'{"type":"ContactCreate","locationId":"l","id":"c","dnd":"yes","dateOfBirth":0}'
    )
    assert isinstance(event, ContactCreateEvent)
    assert (event.id, event.location_id, event.dnd) == ("c", "l", None)
    assert event.date_of_birth == "1970-01-01"
    assert event.undecoded == {"dnd": "yes"}


def test_known_type_without_a_required_field_is_kept_raw() -> None:
    body = b'{"type":"ContactCreate","locationId":"l","dnd":"yes","webhookId":"w"}'

    event = decode_webhook_event(body)

    assert isinstance(event, UnknownWebhookEvent)
    assert (event.type, event.webhook_id) == ("ContactCreate", "w")
    assert event.raw == msgspec.json.decode(body)


def test_events_encode_back_to_camel_case_with_their_type() -> None:
    event = decode_webhook_event(example("TaskComplete"))

    wire = msgspec.json.decode(msgspec.json.encode(event))

    assert wire["type"] == "TaskComplete"
    assert wire["dueDate"] == "2021-12-22T06:55:00.000Z"
    assert decode_webhook_event(msgspec.json.encode(event)) == event
