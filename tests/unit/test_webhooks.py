"""WebhookVerifier: signatures, freshness, replays, configuration, and a property test."""

from __future__ import annotations

import base64
import subprocess
import sys
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from leadconnector_async.errors import ConfigurationError, WebhookVerificationError
from leadconnector_async.models.webhooks import (
    NoteCreateEvent,
    UnknownWebhookEvent,
)
from leadconnector_async.testing.webhooks import (
    WebhookTestKeys,
    format_timestamp,
    generate_test_keys,
    sign_ed25519,
    sign_rsa,
    signed_delivery,
)
from leadconnector_async.webhooks import (
    DEFAULT_ED25519_PUBLIC_KEY,
    DEFAULT_RSA_PUBLIC_KEY,
    MemoryReplayStore,
    WebhookVerifier,
)

NOW = 1_750_000_000.0
NOTE = {"type": "NoteCreate", "locationId": "loc1", "id": "note1", "body": "hello"}


class Clock:
    """A settable clock, so no test sleeps."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def keys() -> WebhookTestKeys:
    return generate_test_keys()


@pytest.fixture(scope="module")
def other_keys() -> WebhookTestKeys:
    return generate_test_keys()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(keys: WebhookTestKeys, clock: Clock) -> WebhookVerifier:
    return keys.verifier(clock=clock)


def ed25519_delivery(
    keys: WebhookTestKeys, payload: dict[str, Any] = NOTE, *, at: float = NOW, wid: str = "w1"
) -> tuple[bytes, dict[str, str]]:
    return signed_delivery(
        payload, ed25519_key=keys.ed25519_private_key, timestamp=at, webhook_id=wid
    )


def rsa_delivery(
    keys: WebhookTestKeys, payload: dict[str, Any] = NOTE, *, wid: str = "w1"
) -> tuple[bytes, dict[str, str]]:
    return signed_delivery(payload, rsa_key=keys.rsa_private_key, timestamp=NOW, webhook_id=wid)


def signed_body(keys: WebhookTestKeys, body: bytes) -> dict[str, str]:
    return {"X-GHL-Signature": sign_ed25519(body, keys.ed25519_private_key)}


# --- signatures ---------------------------------------------------------------------------


def test_ed25519_round_trip(keys: WebhookTestKeys, verifier: WebhookVerifier) -> None:
    event = verifier.verify(*ed25519_delivery(keys))

    assert isinstance(event, NoteCreateEvent)
    assert (event.id, event.body, event.webhook_id) == ("note1", "hello", "w1")
    assert event.timestamp == format_timestamp(NOW)


def test_rsa_round_trip(keys: WebhookTestKeys, verifier: WebhookVerifier) -> None:
    body, headers = rsa_delivery(keys)
    assert "X-GHL-Signature" not in headers

    event = verifier.verify(body, headers)

    assert isinstance(event, NoteCreateEvent)


@pytest.mark.parametrize("make", [ed25519_delivery, rsa_delivery])
def test_one_flipped_body_byte_is_a_mismatch(
    keys: WebhookTestKeys, verifier: WebhookVerifier, make: Any
) -> None:
    body, headers = make(keys)
    tampered = body[:10] + bytes([body[10] ^ 0x01]) + body[11:]

    with pytest.raises(WebhookVerificationError, match="signature mismatch"):
        verifier.verify(tampered, headers)


@pytest.mark.parametrize("make", [ed25519_delivery, rsa_delivery])
def test_a_signature_from_another_key_is_a_mismatch(
    other_keys: WebhookTestKeys, verifier: WebhookVerifier, make: Any
) -> None:
    with pytest.raises(WebhookVerificationError, match="signature mismatch"):
        verifier.verify(*make(other_keys))


def test_a_missing_signature_header_is_rejected(
    keys: WebhookTestKeys, verifier: WebhookVerifier
) -> None:
    body, _ = ed25519_delivery(keys)

    with pytest.raises(WebhookVerificationError, match="missing signature header"):
        verifier.verify(body, {"Content-Type": "application/json"})


def test_ed25519_header_wins_and_never_falls_back_to_rsa(
    keys: WebhookTestKeys, verifier: WebhookVerifier
) -> None:
    body, headers = rsa_delivery(keys)
    headers["X-GHL-Signature"] = base64.b64encode(bytes(64)).decode()

    with pytest.raises(WebhookVerificationError, match="X-GHL-Signature does not match"):
        verifier.verify(body, headers)


def test_with_both_headers_only_ed25519_is_checked(
    keys: WebhookTestKeys, verifier: WebhookVerifier
) -> None:
    body, headers = ed25519_delivery(keys)
    headers["X-WH-Signature"] = "not even base64!"

    assert isinstance(verifier.verify(body, headers), NoteCreateEvent)


@pytest.mark.parametrize(
    ("header", "value"),
    [("X-GHL-Signature", "@@@"), ("X-GHL-Signature", "abc"), ("X-WH-Signature", "é==")],
)
def test_bad_base64_is_rejected(
    keys: WebhookTestKeys, verifier: WebhookVerifier, header: str, value: str
) -> None:
    body, _ = ed25519_delivery(keys)

    with pytest.raises(WebhookVerificationError, match=f"bad base64 in {header}"):
        verifier.verify(body, {header: value})


@pytest.mark.parametrize(("header", "size"), [("X-GHL-Signature", 63), ("X-WH-Signature", 64)])
def test_a_signature_of_the_wrong_length_is_rejected(
    keys: WebhookTestKeys, verifier: WebhookVerifier, header: str, size: int
) -> None:
    body, _ = ed25519_delivery(keys)
    signature = base64.b64encode(bytes(size)).decode()

    with pytest.raises(WebhookVerificationError, match="wrong signature length"):
        verifier.verify(body, {header: signature})


@pytest.mark.parametrize(
    "headers",
    [
        lambda h: {k.lower(): v for k, v in h.items()},
        lambda h: {k.upper(): v for k, v in h.items()},
        lambda h: CIMultiDict({"x-GhL-sIgNaTuRe": h["X-GHL-Signature"]}),
    ],
)
def test_header_names_are_case_insensitive(
    keys: WebhookTestKeys, verifier: WebhookVerifier, headers: Any
) -> None:
    body, original = ed25519_delivery(keys)

    assert isinstance(verifier.verify(body, headers(original)), NoteCreateEvent)


# --- body, freshness, replay --------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'"text"',
        b"",
        b'{"x": 1e400}',
        b'{"a":' * 5000,
        # Deeper than any Python's limit: Python 3.13 decodes 5,000 levels that 3.11 refuses.
        b'{"a":' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    ],
)
def test_a_signed_body_that_is_not_a_json_object_is_rejected(
    keys: WebhookTestKeys, verifier: WebhookVerifier, body: bytes
) -> None:
    with pytest.raises(WebhookVerificationError, match="body is not a JSON object"):
        verifier.verify(body, signed_body(keys, body))


@pytest.mark.parametrize("offset", [-301.0, 301.0])
def test_a_timestamp_outside_the_tolerance_is_stale(
    keys: WebhookTestKeys, verifier: WebhookVerifier, offset: float
) -> None:
    with pytest.raises(WebhookVerificationError, match="stale timestamp"):
        verifier.verify(*ed25519_delivery(keys, at=NOW + offset))


@pytest.mark.parametrize("offset", [-300.0, 300.0])
def test_a_timestamp_at_the_tolerance_edge_is_fresh(
    keys: WebhookTestKeys, verifier: WebhookVerifier, offset: float
) -> None:
    assert verifier.verify(*ed25519_delivery(keys, at=NOW + offset))


def test_tolerance_is_configurable(keys: WebhookTestKeys, clock: Clock) -> None:
    verifier = keys.verifier(tolerance=10.0, clock=clock)

    with pytest.raises(WebhookVerificationError, match="11s old, tolerance is 10s"):
        verifier.verify(*ed25519_delivery(keys, at=NOW - 11))


def test_a_naive_timestamp_is_read_as_utc(keys: WebhookTestKeys, verifier: WebhookVerifier) -> None:
    naive = format_timestamp(NOW).removesuffix("Z")
    body = msgspec.json.encode({**NOTE, "timestamp": naive, "webhookId": "w"})

    assert verifier.verify(body, signed_body(keys, body))


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"webhookId": "w"}, "missing timestamp"),
        ({"webhookId": "w", "timestamp": 1750000000}, "timestamp is not an ISO 8601 string"),
        ({"webhookId": "w", "timestamp": "yesterday"}, "timestamp is not an ISO 8601 string"),
    ],
)
def test_missing_or_malformed_delivery_fields_are_rejected(
    keys: WebhookTestKeys, verifier: WebhookVerifier, extra: dict[str, Any], reason: str
) -> None:
    body = msgspec.json.encode({**NOTE, **extra})

    with pytest.raises(WebhookVerificationError, match=reason):
        verifier.verify(body, signed_body(keys, body))


def test_a_replayed_webhook_id_is_rejected(
    keys: WebhookTestKeys, verifier: WebhookVerifier
) -> None:
    verifier.verify(*ed25519_delivery(keys, wid="same"))

    with pytest.raises(WebhookVerificationError, match="replayed webhookId 'same'"):
        verifier.verify(*ed25519_delivery(keys, at=NOW + 1, wid="same"))


def test_a_replay_is_rejected_whichever_header_signs_it(
    keys: WebhookTestKeys, verifier: WebhookVerifier
) -> None:
    verifier.verify(*ed25519_delivery(keys, wid="same"))

    with pytest.raises(WebhookVerificationError, match="replayed"):
        verifier.verify(*rsa_delivery(keys, wid="same"))


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "ContactCreate", "locationId": "l", "dnd": "yes"},  # no id
        {"type": "NoteCreate", "id": "n"},  # no locationId
        {"type": "AppointmentCreate", "locationId": "l", "appointment": {"title": "x"}},
        {"type": "INSTALL", "locationId": "l"},  # no appId
    ],
    ids=["contact-id", "note-location", "appointment-id", "install-app"],
)
def test_a_known_type_missing_a_required_field_is_kept_raw_not_refused(
    keys: WebhookTestKeys, clock: Clock, payload: dict[str, Any]
) -> None:
    store = MemoryReplayStore(clock=clock)
    verifier = keys.verifier(clock=clock, replay_store=store)
    body, headers = ed25519_delivery(keys, payload, wid="w")

    event = verifier.verify(body, headers)

    # Signed and fresh: refusing it (401) would lose it for good, as the platform redelivers
    # only after a 429. It comes as the raw body, like an event of a type not modelled here.
    assert isinstance(event, UnknownWebhookEvent)
    assert (event.type, event.webhook_id) == (payload["type"], "w")
    assert event.raw == msgspec.json.decode(body)
    assert len(store) == 1
    with pytest.raises(WebhookVerificationError, match="replayed webhookId 'w'"):
        verifier.verify(body, headers)


@pytest.mark.parametrize("webhook_id", [None, "", 7], ids=["absent", "empty", "number"])
def test_a_delivery_without_a_webhook_id_is_kept_and_its_replay_still_refused(
    keys: WebhookTestKeys, verifier: WebhookVerifier, webhook_id: object
) -> None:
    payload: dict[str, object] = {**NOTE, "timestamp": format_timestamp(NOW)}
    if webhook_id is not None:
        payload["webhookId"] = webhook_id
    body = msgspec.json.encode(payload)
    other = msgspec.json.encode({**payload, "body": "another note"})

    event = verifier.verify(body, signed_body(keys, body))

    assert isinstance(event, NoteCreateEvent)
    assert event.id == "note1"
    # Keyed by the digest of the signed bytes: the same bytes again are a replay, while a
    # different signed body is a different delivery.
    with pytest.raises(WebhookVerificationError, match="replayed delivery without a webhookId"):
        verifier.verify(body, signed_body(keys, body))
    assert isinstance(verifier.verify(other, signed_body(keys, other)), NoteCreateEvent)


async def test_a_delivery_without_a_webhook_id_can_be_forgotten_by_its_body(
    keys: WebhookTestKeys, verifier: WebhookVerifier
) -> None:
    body = msgspec.json.encode({**NOTE, "timestamp": format_timestamp(NOW)})
    headers = signed_body(keys, body)
    event, first = await verifier.averify_first(body, headers)
    assert first

    assert await verifier.aforget(event, body) is True

    assert (await verifier.averify_first(body, headers))[1] is True
    assert (await verifier.averify_first(body, headers))[1] is False


def test_an_unknown_type_is_verified_into_a_generic_event(
    keys: WebhookTestKeys, verifier: WebhookVerifier
) -> None:
    event = verifier.verify(*ed25519_delivery(keys, {"type": "OpportunityCreate", "id": "o"}))

    assert isinstance(event, UnknownWebhookEvent)
    assert (event.type, event.raw["id"], event.webhook_id) == ("OpportunityCreate", "o", "w1")


# --- replay stores ------------------------------------------------------------------------


def test_memory_store_forgets_ids_once_they_expire(clock: Clock) -> None:
    store = MemoryReplayStore(clock=clock)

    assert store.seen("a", NOW + 10) is False
    assert store.seen("a", NOW + 10) is True
    clock.now = NOW + 10  # the very instant it expires, a replay is still caught
    assert store.seen("a", NOW + 10) is True
    clock.now = NOW + 10.001
    assert store.seen("b", NOW + 20) is False
    assert len(store) == 1
    assert store.seen("a", NOW + 20) is False


def test_memory_store_is_capped_and_drops_the_soonest_expiring_first(clock: Clock) -> None:
    store = MemoryReplayStore(max_entries=2, clock=clock)
    store.seen("late", NOW + 30)
    store.seen("soon", NOW + 10)
    store.seen("middle", NOW + 20)

    assert len(store) == 2
    assert store.seen("late", NOW + 30) is True
    assert store.seen("middle", NOW + 20) is True


def test_memory_store_needs_room_for_one_id() -> None:
    with pytest.raises(ConfigurationError):
        MemoryReplayStore(max_entries=0)


class AsyncStore:
    def __init__(self) -> None:
        self.ids: dict[str, float] = {}

    async def seen(self, webhook_id: str, expires_at: float) -> bool:
        known = webhook_id in self.ids
        self.ids.setdefault(webhook_id, expires_at)
        return known


async def test_an_async_store_works_through_averify(keys: WebhookTestKeys, clock: Clock) -> None:
    store = AsyncStore()
    verifier = keys.verifier(clock=clock, replay_store=store)

    assert isinstance(await verifier.averify(*ed25519_delivery(keys)), NoteCreateEvent)
    assert store.ids == {"w1": NOW + 300}
    with pytest.raises(WebhookVerificationError, match="replayed"):
        await verifier.averify(*ed25519_delivery(keys))


def test_an_async_store_refuses_the_sync_verify(keys: WebhookTestKeys, clock: Clock) -> None:
    verifier = keys.verifier(clock=clock, replay_store=AsyncStore())

    with pytest.raises(ConfigurationError, match="averify"):
        verifier.verify(*ed25519_delivery(keys))


async def test_averify_also_takes_a_sync_store(
    keys: WebhookTestKeys, verifier: WebhookVerifier
) -> None:
    await verifier.averify(*ed25519_delivery(keys))

    with pytest.raises(WebhookVerificationError, match="replayed"):
        await verifier.averify(*ed25519_delivery(keys))


# --- configuration ------------------------------------------------------------------------


def test_the_published_keys_are_the_defaults() -> None:
    verifier = WebhookVerifier(clock=lambda: NOW)
    body = msgspec.json.encode({**NOTE, "timestamp": format_timestamp(NOW), "webhookId": "w"})

    for header, size in [("X-GHL-Signature", 64), ("X-WH-Signature", 4096 // 8)]:
        signature = base64.b64encode(bytes(size)).decode()
        with pytest.raises(WebhookVerificationError, match="signature mismatch"):
            verifier.verify(body, {header: signature})


def test_keys_may_be_bytes_or_pasted_on_one_line() -> None:
    one_line = " ".join(DEFAULT_ED25519_PUBLIC_KEY.split("\n"))

    WebhookVerifier(one_line.encode(), DEFAULT_RSA_PUBLIC_KEY.encode())


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"ed25519_public_key": "not a key"}, "ed25519_public_key is not a PEM block"),
        ({"ed25519_public_key": DEFAULT_RSA_PUBLIC_KEY}, "not an Ed25519 public key"),
        ({"rsa_public_key": DEFAULT_ED25519_PUBLIC_KEY}, "not an RSA public key"),
        (
            {"rsa_public_key": "-----BEGIN PUBLIC KEY-----AAAA-----END PUBLIC KEY-----"},
            "rsa_public_key is not a valid PEM public key",
        ),
        ({"tolerance": 0.0}, "tolerance must be a positive"),
    ],
)
def test_bad_configuration_is_rejected_up_front(kwargs: dict[str, Any], reason: str) -> None:
    with pytest.raises(ConfigurationError, match=reason):
        WebhookVerifier(**kwargs)


@pytest.fixture
def without_cryptography(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name == "cryptography" or name.startswith("cryptography."):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "cryptography", None)


@pytest.mark.usefixtures("without_cryptography")
def test_a_missing_cryptography_names_the_extra() -> None:
    with pytest.raises(ConfigurationError, match=r"pip install 'leadconnector-async\[webhooks\]'"):
        WebhookVerifier()
    with pytest.raises(ConfigurationError, match="webhooks"):
        generate_test_keys()


def test_the_modules_import_and_decode_without_cryptography() -> None:
    script = (
        "import sys; sys.modules['cryptography'] = None\n"
        "import leadconnector_async.webhooks, leadconnector_async.webhook_handler\n"
        "from leadconnector_async.models.webhooks import decode_webhook_event\n"
        'print(type(decode_webhook_event(b\'{"type":"TaskCreate","locationId":"l",'
        '"id":"t"}\')).__name__)\n'
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "TaskCreateEvent"


# --- properties ---------------------------------------------------------------------------

HEADER_NAMES = st.sampled_from(["X-GHL-Signature", "x-wh-signature", "X-WH-SIGNATURE", "Other"])
HEADER_VALUES = st.one_of(
    st.text(max_size=120),
    st.binary(min_size=60, max_size=70).map(lambda b: base64.b64encode(b).decode()),
    st.binary(min_size=250, max_size=260).map(lambda b: base64.b64encode(b).decode()),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
EVENT_TYPES = st.sampled_from(
    [
        "ContactCreate",
        "ContactDndUpdate",
        "NoteCreate",
        "TaskComplete",
        "AppointmentUpdate",
        "INSTALL",
        "UNINSTALL",
        "Other",
    ]
)
FIELDS = st.sampled_from(
    [
        "locationId",
        "id",
        "appointment",
        "dnd",
        "tags",
        "customFields",
        "dndSettings",
        "appId",
        "trial",
        "timestamp",
        "webhookId",
    ]
)
VALID_FIELDS = {
    "locationId": "loc",
    "id": "id1",
    "appId": "app",
    "appointment": {"id": "ap1"},
    "timestamp": format_timestamp(NOW),
    "webhookId": "w1",
}
PAYLOADS = st.builds(
    lambda event_type, noise, dropped: {
        key: value
        for key, value in (VALID_FIELDS | noise | {"type": event_type}).items()
        if key not in dropped
    },
    EVENT_TYPES,
    st.dictionaries(FIELDS, JSON, max_size=3),
    st.sets(st.sampled_from(sorted(VALID_FIELDS)), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200), headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES))
def test_random_unsigned_input_only_ever_fails_verification(
    keys: WebhookTestKeys, body: bytes, headers: dict[str, str]
) -> None:
    verifier = keys.verifier(clock=Clock())

    with pytest.raises(WebhookVerificationError):
        verifier.verify(body, headers)


@settings(max_examples=300, deadline=None)
@given(payload=PAYLOADS, header=st.sampled_from(["X-GHL-Signature", "X-WH-Signature"]))
def test_random_signed_payloads_give_an_event_or_a_timestamp_error(
    keys: WebhookTestKeys, payload: dict[str, Any], header: str
) -> None:
    verifier = keys.verifier(clock=Clock())
    body = msgspec.json.encode(payload)
    if header == "X-GHL-Signature":
        signature = sign_ed25519(body, keys.ed25519_private_key)
    else:
        signature = sign_rsa(body, keys.rsa_private_key)

    if payload.get("timestamp") != format_timestamp(NOW):  # signed: only freshness refuses it
        with pytest.raises(WebhookVerificationError, match="timestamp"):
            verifier.verify(body, {header: signature})
        return
    event = verifier.verify(body, {header: signature})
    assert event.type == payload["type"]
    if isinstance(payload.get("webhookId"), str):
        assert event.webhook_id == payload["webhookId"]


def test_a_replay_exactly_at_the_tolerance_limit_is_rejected(
    keys: WebhookTestKeys, verifier: WebhookVerifier, clock: Clock
) -> None:
    body, headers = ed25519_delivery(keys, at=NOW)
    clock.now = NOW + 300.0  # the default tolerance: still fresh, for the last time
    verifier.verify(body, headers)
    with pytest.raises(WebhookVerificationError, match="replay"):
        verifier.verify(body, headers)
