"""The endpoint table and the v3 translations, as pure functions (no server, no event loop)."""

from __future__ import annotations

import msgspec
import pytest

import leadconnector_async as lc
from leadconnector_async import _v3
from leadconnector_async import endpoints as ep
from leadconnector_async._error_mapping import body_excerpt


def test_a_call_fills_quoted_path_arguments_and_carries_the_row() -> None:
    call = ep.TASKS_DELETE.call(ep.V2, "c 1", "t/1")
    assert call.path == "/contacts/c%201/tasks/t%2F1"
    assert call.template == "/contacts/{contactId}/tasks/{taskId}"
    assert (call.method, call.version, call.idempotent, call.gone_when_absent) == (
        "DELETE",
        "2021-07-28",
        True,
        True,
    )
    assert not ep.CREATE.call(ep.V2, body={}, location_id="L").idempotent


@pytest.mark.parametrize("bad", ["", " ", ".", ".."])
def test_an_empty_or_dot_path_argument_is_refused(bad: str) -> None:
    with pytest.raises(lc.ConfigurationError, match="contact_id"):
        ep.GET.call(ep.V2, bad)


def test_a_located_row_needs_its_location() -> None:
    with pytest.raises(lc.ConfigurationError, match="location"):
        ep.UPSERT.call(ep.V2, body={})


def test_v3_column_paths_headers_and_removed_operations() -> None:
    assert ep.CAMPAIGNS_REMOVE_ALL.route(ep.V2) == (
        "/contacts/{contactId}/campaigns/removeAll",
        "2021-07-28",
    )
    assert ep.CAMPAIGNS_REMOVE_ALL.route(ep.V3) == (
        "/contacts/{contactId}/campaigns/remove-all",
        "v3",
    )
    assert ep.GET.route(ep.V3) == ("/contacts/{contactId}", "v3")
    with pytest.raises(lc.ConfigurationError, match="does not exist in API version v3"):
        ep.LIST.route(ep.V3)
    other = ep.Endpoint("locations.x", "GET", "/locations/{locationId}/x", bytes, group="other")
    assert other.route(ep.V3) == ("/locations/{locationId}/x", "2021-07-28")


def test_every_row_has_a_unique_name_and_route() -> None:
    assert len({e.name for e in ep.ENDPOINTS}) == len(ep.ENDPOINTS)
    assert len({(e.method, e.path) for e in ep.ENDPOINTS}) == len(ep.ENDPOINTS)


def test_a_path_names_a_record_when_a_placeholder_is_an_id() -> None:
    naming = {e.name for e in ep.ENDPOINTS if ep.names_a_record(e.path)}
    assert {"contacts.get", "contacts.notes.get", "contacts.workflows.add"} <= naming
    assert not naming & {"contacts.upsert", "contacts.create", "contacts.bulk_tags.add"}


def test_v3_request_bodies_rename_dnd_keys_and_field_value() -> None:
    body = lc.ContactCreate(
        first_name="A",
        dnd_settings=lc.DndSettingsInput(whatsapp=lc.DndChannelInput(status="active")),
        custom_fields=[lc.CustomFieldInput(id="f", field_value=["a"])],
    )
    assert _v3.request_body(body) == {
        "firstName": "A",
        "dndSettings": {"whatsApp": {"status": "active"}},
        "customFields": [{"id": "f", "fieldValue": ["a"]}],
    }
    assert _v3.request_body({"tags": ["x"]}) == {"tags": ["x"]}
    assert _v3.request_body(None) is None


def test_v3_answers_are_read_into_the_v2_structs() -> None:
    answer = b'{"contact": {"id": "c", "dndSettings": {"gmb": {"status": "active"}, "fb": {}}}}'
    contact = ep.GET.call(ep.V3, "c").decode(answer)  # type: ignore[misc]
    assert contact.dnd_settings is not None
    assert contact.dnd_settings.gmb is not None
    assert contact.dnd_settings.gmb.status == "active"
    assert contact.dnd_settings.fb is not None
    plain = b'{"contact": {"id": "c"}}'
    assert _v3.answer_as_v2(plain) is plain  # nothing to translate: no extra pass
    updated = ep.UPDATE.call(ep.V3, "c").decode(b'{"succeeded": true, "contact": {"id": "c"}}')  # type: ignore[misc]
    assert updated.id == "c"
    assert ep.DELETE.call(ep.V3, "c").decode(b'{"succeeded": true}') is True  # type: ignore[misc]


def test_a_v3_answer_with_a_lone_surrogate_keeps_its_dnd_settings() -> None:
    answer = rb'{"contact": {"id": "c","name": "\ud83d", "dndSettings": {"gmb": {"status": "on"}}}}'
    contact = ep.GET.call(ep.V3, "c").decode(answer)  # type: ignore[misc]
    assert contact.name == "\ufffd"
    assert contact.dnd_settings is not None
    assert contact.dnd_settings.gmb is not None
    assert contact.dnd_settings.gmb.status == "on"


def test_a_v3_body_that_cannot_be_encoded_is_refused_before_sending() -> None:
    with pytest.raises(lc.ConfigurationError, match="nothing was sent"):
        ep.UPDATE.call(ep.V3, "c", body={"when": object()})


def test_body_excerpts_are_short_and_mask_secrets() -> None:
    secrets = {"access_token": "abc.def", "refresh_token": "r1", "jwt": "eyJa.eyJb.sig"}
    body = msgspec.json.encode({**secrets, "message": "Bearer tok123 failed"})
    excerpt = body_excerpt(body)
    for secret in ("abc.def", "r1", "tok123", "eyJa"):
        assert secret not in excerpt
    assert "failed" in excerpt
    assert len(body_excerpt(b"x" * 10_000)) == 203
