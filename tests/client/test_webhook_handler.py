"""The aiohttp webhook handler and the examples, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import leadconnector_async as lc
from leadconnector_async.errors import ConfigurationError
from leadconnector_async.models.webhooks import (
    ContactCreateEvent,
    ContactDeleteEvent,
    ContactUpdateEvent,
    NoteDeleteEvent,
    UnknownWebhookEvent,
)
from leadconnector_async.testing import FakeLeadConnector
from leadconnector_async.testing.webhooks import (
    WebhookSender,
    WebhookTestKeys,
    format_timestamp,
    generate_test_keys,
    sign_ed25519,
    signed_delivery,
)
from leadconnector_async.webhook_handler import webhook_handler
from leadconnector_async.webhooks import WebhookEvent

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_750_000_000.0
CONTACT = {"locationId": "loc1", "id": "c1", "firstName": "Jane", "email": "jane@example.com"}


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Receiver:
    url: str
    events: list[WebhookEvent] = field(default_factory=list)
    fail_with: Exception | None = None

    async def on_event(self, event: WebhookEvent) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.events.append(event)


@pytest.fixture(scope="module")
def keys() -> WebhookTestKeys:
    return generate_test_keys()


@asynccontextmanager
async def serving(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[str]:
    """Serve ``handler`` at ``/hook`` on a loopback port; yields its URL."""
    app = web.Application()
    app.router.add_post("/hook", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    finally:
        await runner.cleanup()


@pytest.fixture
async def receiver(keys: WebhookTestKeys) -> AsyncIterator[Receiver]:
    received = Receiver(url="")
    handler = webhook_handler(keys.verifier(clock=Clock()), received.on_event)
    async with serving(handler) as received.url:
        yield received


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def sender_for(receiver: Receiver, session: aiohttp.ClientSession, **keys: Any) -> WebhookSender:
    return WebhookSender(receiver.url, session=session, clock=Clock(), **keys)


async def post(
    session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]
) -> tuple[int, Any]:
    async with session.post(url, data=body, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def test_a_signed_delivery_is_acknowledged_and_handed_over(
    keys: WebhookTestKeys, receiver: Receiver, session: aiohttp.ClientSession
) -> None:
    body, headers = signed_delivery(
        {"type": "ContactCreate", **CONTACT},
        ed25519_key=keys.ed25519_private_key,
        timestamp=NOW,
        webhook_id="w1",
    )

    assert await post(session, receiver.url, body, headers) == (200, {"ok": True})
    [event] = receiver.events
    assert isinstance(event, ContactCreateEvent)
    assert (event.id, event.first_name, event.webhook_id) == ("c1", "Jane", "w1")


@pytest.mark.parametrize("which", ["ed25519", "rsa", "both"])
async def test_the_sender_signs_with_the_keys_it_is_given(
    keys: WebhookTestKeys, receiver: Receiver, session: aiohttp.ClientSession, which: str
) -> None:
    signing = {
        "ed25519_key": keys.ed25519_private_key if which != "rsa" else None,
        "rsa_key": keys.rsa_private_key if which != "ed25519" else None,
    }
    sender = sender_for(receiver, session, **signing)

    assert await sender.send({"type": "NoteDelete", "locationId": "l", "id": "n1"}) == 200
    assert isinstance(receiver.events[0], NoteDeleteEvent)


async def test_deliver_is_a_fake_server_subscriber(
    keys: WebhookTestKeys, receiver: Receiver, session: aiohttp.ClientSession
) -> None:
    ids = iter(["first", "second"])
    sender = WebhookSender(
        receiver.url,
        ed25519_key=keys.ed25519_private_key,
        session=session,
        clock=Clock(),
        new_webhook_id=lambda: next(ids),
    )

    await sender.deliver("ContactCreate", CONTACT)
    await sender.deliver("ContactUpdate", CONTACT | {"type": "ignored"})

    assert sender.statuses == [200, 200]
    assert [type(e) for e in receiver.events] == [ContactCreateEvent, ContactUpdateEvent]
    assert [e.webhook_id for e in receiver.events] == ["first", "second"]


async def test_a_sender_without_a_session_makes_its_own(
    keys: WebhookTestKeys, receiver: Receiver
) -> None:
    sender = WebhookSender(receiver.url, ed25519_key=keys.ed25519_private_key, clock=Clock())
    async with sender:
        assert await sender.send({"type": "Future", "id": "x"}) == 200

    assert isinstance(receiver.events[0], UnknownWebhookEvent)


async def test_the_fake_server_delivers_its_changes_through_a_sender(
    keys: WebhookTestKeys,
    receiver: Receiver,
    session: aiohttp.ClientSession,
    fake_leadconnector: FakeLeadConnector,
    leadconnector_client: lc.LeadConnector,
) -> None:
    sender = sender_for(receiver, session, ed25519_key=keys.ed25519_private_key)
    fake_leadconnector.subscribe(sender.deliver)

    contact = await leadconnector_client.contacts.create(lc.ContactCreate(first_name="Jane"))
    await leadconnector_client.contacts.delete(contact.id)
    await fake_leadconnector.stop()  # waits for pending deliveries

    assert sender.statuses == [200, 200]
    delivered = {
        (type(event), event.id)
        for event in receiver.events
        if isinstance(event, ContactCreateEvent | ContactDeleteEvent)
    }
    assert delivered == {(ContactCreateEvent, contact.id), (ContactDeleteEvent, contact.id)}


def test_the_sender_needs_a_key() -> None:
    with pytest.raises(ConfigurationError):
        WebhookSender("http://127.0.0.1:1/hook")


async def test_a_delivery_signed_by_another_key_is_refused(
    receiver: Receiver, session: aiohttp.ClientSession
) -> None:
    impostor = generate_test_keys()
    sender = sender_for(receiver, session, ed25519_key=impostor.ed25519_private_key)

    assert await sender.send({"type": "ContactCreate", **CONTACT}) == 401
    assert receiver.events == []


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda body, headers: (body.replace(b"Jane", b"Jana"), headers), "signature mismatch"),
        (lambda body, headers: (body, {}), "missing signature header"),
        (lambda body, headers: (body, {"X-GHL-Signature": "!!"}), "bad base64"),
    ],
)
async def test_a_bad_delivery_gets_401_with_a_short_reason(
    keys: WebhookTestKeys,
    receiver: Receiver,
    session: aiohttp.ClientSession,
    tamper: Any,
    reason: str,
) -> None:
    body, headers = signed_delivery(
        {"type": "ContactCreate", **CONTACT},
        ed25519_key=keys.ed25519_private_key,
        timestamp=NOW,
        webhook_id="w1",
    )

    status, answer = await post(session, receiver.url, *tamper(body, headers))

    assert status == 401
    assert answer["ok"] is False
    assert answer["error"].startswith(reason)
    assert receiver.events == []


async def test_a_stale_delivery_gets_401(
    keys: WebhookTestKeys, receiver: Receiver, session: aiohttp.ClientSession
) -> None:
    sender = WebhookSender(
        receiver.url, ed25519_key=keys.ed25519_private_key, session=session, clock=Clock(NOW - 600)
    )

    assert await sender.send({"type": "ContactCreate", **CONTACT}) == 401


def _delivery(keys: WebhookTestKeys, webhook_id: str) -> tuple[bytes, dict[str, str]]:
    return signed_delivery(
        {"type": "ContactCreate", **CONTACT},
        ed25519_key=keys.ed25519_private_key,
        timestamp=NOW,
        webhook_id=webhook_id,
    )


async def test_a_handled_event_delivered_again_is_acknowledged_without_a_second_call(
    keys: WebhookTestKeys, receiver: Receiver, session: aiohttp.ClientSession
) -> None:
    body, headers = _delivery(keys, "once")

    assert await post(session, receiver.url, body, headers) == (200, {"ok": True})
    again = await post(session, receiver.url, body, headers)

    assert again == (200, {"ok": True, "duplicate": True})
    assert len(receiver.events) == 1


async def test_a_failing_callback_gets_429_so_the_platform_delivers_again(
    keys: WebhookTestKeys, receiver: Receiver, session: aiohttp.ClientSession
) -> None:
    body, headers = _delivery(keys, "retry-me")
    receiver.fail_with = RuntimeError("queue is down")

    assert (await post(session, receiver.url, body, headers))[0] == 429
    receiver.fail_with = None
    assert await post(session, receiver.url, body, headers) == (200, {"ok": True})
    assert (await post(session, receiver.url, body, headers))[1] == {"ok": True, "duplicate": True}

    assert [event.webhook_id for event in receiver.events] == ["retry-me"]


async def test_a_signed_event_missing_a_required_field_is_handed_over_raw(
    keys: WebhookTestKeys, receiver: Receiver, session: aiohttp.ClientSession
) -> None:
    no_location = {"type": "ContactCreate", "id": "c1", "firstName": "Jane"}
    body, headers = signed_delivery(
        no_location, ed25519_key=keys.ed25519_private_key, timestamp=NOW, webhook_id="w-odd"
    )

    # A 401 is never delivered again: the signed event would be lost.
    assert await post(session, receiver.url, body, headers) == (200, {"ok": True})
    [event] = receiver.events
    assert isinstance(event, UnknownWebhookEvent)
    assert (event.type, event.webhook_id, event.raw["id"]) == ("ContactCreate", "w-odd", "c1")
    assert await post(session, receiver.url, body, headers) == (
        200,
        {"ok": True, "duplicate": True},
    )


async def test_a_delivery_without_a_webhook_id_is_handled_once_and_again_after_a_429(
    keys: WebhookTestKeys, receiver: Receiver, session: aiohttp.ClientSession
) -> None:
    body = msgspec.json.encode(
        {"type": "ContactCreate", **CONTACT, "timestamp": format_timestamp(NOW)}
    )
    headers = {"X-GHL-Signature": sign_ed25519(body, keys.ed25519_private_key)}
    receiver.fail_with = RuntimeError("queue is down")

    assert (await post(session, receiver.url, body, headers))[0] == 429
    receiver.fail_with = None
    assert await post(session, receiver.url, body, headers) == (200, {"ok": True})
    assert await post(session, receiver.url, body, headers) == (
        200,
        {"ok": True, "duplicate": True},
    )

    [event] = receiver.events
    assert isinstance(event, ContactCreateEvent)
    assert (event.id, event.webhook_id) == ("c1", None)


async def test_a_callback_that_times_out_gets_429_and_is_handled_on_redelivery(
    keys: WebhookTestKeys, session: aiohttp.ClientSession
) -> None:
    never = asyncio.Event()
    handled: list[str | None] = []

    async def on_event(event: WebhookEvent) -> None:
        if not handled:
            handled.append(None)
            await never.wait()  # stuck: the handler's timeout ends it
        handled.append(event.webhook_id)

    verifier = keys.verifier(clock=Clock())
    body, headers = _delivery(keys, "slow")
    async with serving(webhook_handler(verifier, on_event, timeout=0.05)) as url:
        first = await post(session, url, body, headers)
        second = await post(session, url, body, headers)

    assert (first[0], second) == (429, (200, {"ok": True}))
    assert handled == [None, "slow"]


HEADER_NAMES = st.sampled_from(["X-GHL-Signature", "x-wh-signature", "Content-Type", "X-Other"])
HEADER_VALUES = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=100
) | st.binary(min_size=64, max_size=64).map(lambda signature: base64.b64encode(signature).decode())
JSON_FIELDS = st.dictionaries(
    st.sampled_from(["type", "locationId", "id", "dnd", "tags", "timestamp", "webhookId"]),
    st.none() | st.booleans() | st.integers() | st.text(max_size=10) | st.lists(st.text()),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
async def test_random_requests_only_ever_get_200_or_401(
    keys: WebhookTestKeys,
    receiver: Receiver,
    session: aiohttp.ClientSession,
    data: st.DataObject,
) -> None:
    if data.draw(st.booleans(), label="signed"):
        fields = data.draw(JSON_FIELDS, label="fields")
        body, headers = signed_delivery(
            {"type": "ContactCreate", **CONTACT} | fields,
            ed25519_key=keys.ed25519_private_key,
            timestamp=NOW,
            webhook_id=data.draw(st.text(min_size=1), label="webhook_id"),
        )
    else:
        body = data.draw(st.binary(max_size=300), label="body")
        headers = data.draw(st.dictionaries(HEADER_NAMES, HEADER_VALUES), label="headers")
    before = len(receiver.events)

    async with session.post(receiver.url, data=body, headers=headers) as response:
        status, answer = response.status, await response.json(content_type=None)

    assert status in (200, 401)
    handed_over = status == 200 and not answer.get("duplicate")
    assert len(receiver.events) == before + handed_over


# --- examples -----------------------------------------------------------------------------


async def read_line(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=20)
    return line.decode().strip()


async def test_the_aiohttp_example_runs_and_verifies(keys: WebhookTestKeys) -> None:
    env = os.environ | {
        "PORT": "0",
        "PYTHONPATH": str(ROOT),
        "WEBHOOK_SIGNATURE_PUBLIC_KEY": keys.ed25519_public_pem.decode(),
        "WEBHOOK_PUBLIC_KEY": keys.rsa_public_pem.decode(),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "examples" / "webhook_receiver.py"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        url = (await read_line(process)).removeprefix("listening on ")
        async with WebhookSender(url, ed25519_key=keys.ed25519_private_key) as sender:
            await sender.deliver("ContactCreate", CONTACT)
            assert await sender.send({"type": "ContactDelete", **CONTACT}) == 200
        assert await read_line(process) == "contact created: c1 in loc1"
        assert await read_line(process) == "contact deleted: c1"
        impostor = WebhookSender(url, ed25519_key=generate_test_keys().ed25519_private_key)
        async with impostor:
            assert await impostor.send({"type": "ContactCreate", **CONTACT}) == 401
        assert sender.statuses == [200, 200]
    finally:
        process.terminate()
        await process.wait()


def test_the_starlette_example_is_valid_python() -> None:
    source = (ROOT / "examples" / "webhook_receiver_starlette.py").read_text()

    compile(source, "webhook_receiver_starlette.py", "exec")


class FlakyStore:
    """A shared replay store (Redis, say) that is unreachable for its first ``failures`` calls."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.ids: set[str] = set()

    async def seen(self, webhook_id: str, expires_at: float) -> bool:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("replay store unreachable")
        if webhook_id in self.ids:
            return True
        self.ids.add(webhook_id)
        return False


async def test_an_unreachable_replay_store_gets_429_so_the_platform_delivers_again(
    keys: WebhookTestKeys, session: aiohttp.ClientSession
) -> None:
    handled: list[str | None] = []

    async def on_event(event: WebhookEvent) -> None:
        handled.append(event.webhook_id)

    verifier = keys.verifier(clock=Clock(), replay_store=FlakyStore(failures=1))
    body, headers = _delivery(keys, "store-down")
    async with serving(webhook_handler(verifier, on_event)) as url:
        first = await post(session, url, body, headers)
        second = await post(session, url, body, headers)

    # A 500 is never delivered again (only a 429 is): the event would be lost.
    assert first[0] == 429
    assert second == (200, {"ok": True})
    assert handled == ["store-down"]
