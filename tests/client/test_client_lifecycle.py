"""Client lifecycle, headers, pool sharing and transport errors, over real loopback HTTP."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web

import leadconnector_async as lc
from leadconnector_async.testing import FakeLeadConnector

from ._secrets import assert_secret_unreachable

# What _capture_server keeps on each request for tests to read after the answer.
REQUEST_BODY = web.RequestKey("body", bytes)
PEER = web.RequestKey("peer", object)  # the connection it came over


async def _capture_server(
    status: int = 200,
    body: bytes = b'{"contact": {"id": "c1"}}',
    headers: dict[str, str] | None = None,
) -> tuple[web.AppRunner, str, list[web.Request]]:
    """A server answering every request alike: its runner, its URL and the requests it saw."""
    seen: list[web.Request] = []

    async def handler(request: web.Request) -> web.Response:
        request[REQUEST_BODY] = await request.read()
        transport = request.transport
        request[PEER] = transport.get_extra_info("peername") if transport else None
        seen.append(request)
        return web.Response(
            status=status, body=body, headers=headers, content_type="application/json"
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}", seen


async def test_every_request_carries_the_required_headers() -> None:
    runner, url, seen = await _capture_server()
    try:
        async with lc.LeadConnector("tok", base_url=url, rate_limit=None) as client:
            await client.contacts.get("c1")
    finally:
        await runner.cleanup()
    headers = seen[0].headers
    assert headers["Authorization"] == "Bearer tok"
    assert headers["Version"] == "2021-07-28"
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"] == f"leadconnector-async/{lc.__version__}"


async def test_version_is_per_call_not_global() -> None:
    runner, url, seen = await _capture_server(body=b"{}")
    try:
        async with lc.LeadConnector("tok", base_url=url, rate_limit=None) as client:
            await client.send(lc.Call("GET", "/other", version="2021-04-15"))
            await client.send(lc.Call("GET", "/none", version=None))
    finally:
        await runner.cleanup()
    assert seen[0].headers["Version"] == "2021-04-15"
    assert "Version" not in seen[1].headers


async def test_closed_client_refuses_to_send(fake_leadconnector: FakeLeadConnector) -> None:
    client = lc.LeadConnector("t", base_url=fake_leadconnector.url)
    await client.aclose()
    assert client.closed
    with pytest.raises(lc.ClientClosedError):
        await client.contacts.get("x")
    assert fake_leadconnector.stats.requests == 0


async def test_closing_the_root_closes_derived_clients(
    fake_leadconnector: FakeLeadConnector,
) -> None:
    root = lc.LeadConnector(fake_leadconnector.token, base_url=fake_leadconnector.url)
    child = root.for_location("loc-2")
    await root.aclose()
    with pytest.raises(lc.ClientClosedError):
        await child.contacts.get("x")


async def test_a_borrowed_session_is_never_closed(fake_leadconnector: FakeLeadConnector) -> None:
    async with aiohttp.ClientSession() as session:
        async with lc.LeadConnector(
            fake_leadconnector.token, base_url=fake_leadconnector.url, session=session
        ) as client:
            with pytest.raises(lc.NotFoundError):
                await client.contacts.get("x")
        assert not session.closed
        assert fake_leadconnector.stats.requests == 1


async def test_derived_clients_share_one_session(fake_leadconnector: FakeLeadConnector) -> None:
    async with lc.LeadConnector(
        fake_leadconnector.token, location_id="a", base_url=fake_leadconnector.url
    ) as root:
        other = root.for_location("b")
        one = await root.contacts.create(lc.ContactCreate(first_name="A"))
        two = await other.contacts.create(lc.ContactCreate(first_name="B"))
        assert root._pool.transport is other._pool.transport
    assert fake_leadconnector.store.contacts[one.id]["locationId"] == "a"
    assert fake_leadconnector.store.contacts[two.id]["locationId"] == "b"


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(lc.ConfigurationError, match="plain http"):
        lc.LeadConnector("t", base_url="http://services.example.com")


@pytest.mark.parametrize(
    "base_url",
    [
        "https://user:base-s3cr3t-pw@services.example.com",
        "http://user:base-s3cr3t-pw@127.0.0.1:9",
        "ftp://user:base-s3cr3t-pw@services.example.com",
    ],
    ids=["https", "loopback", "not-http"],
)
def test_a_base_url_with_credentials_is_refused_without_showing_them(base_url: str) -> None:
    # Accepted, they were in repr(client), repr(client.config) and every TransportError's
    # request; aiohttp then refused every authenticated call (Basic beside the bearer token).
    with pytest.raises(lc.ConfigurationError) as caught:
        lc.LeadConnector("t", base_url=base_url)
    assert_secret_unreachable(caught.value, "base-s3cr3t-pw")


def test_bad_arguments_are_configuration_errors() -> None:
    with pytest.raises(lc.ConfigurationError):
        lc.LeadConnector("")
    with pytest.raises(lc.ConfigurationError):
        lc.LeadConnector("t", location_id="")
    with pytest.raises(lc.ConfigurationError):
        lc.LeadConnector(123)  # type: ignore[arg-type]


async def test_connection_refused_is_a_transport_error() -> None:
    runner, url, _ = await _capture_server()
    await runner.cleanup()  # nothing listens on that port any more
    async with lc.LeadConnector("t", base_url=url, max_retries=0) as client:
        with pytest.raises(lc.TransportError) as caught:
            await client.contacts.get("x")
    assert caught.value.outcome_unknown is False


async def test_malformed_success_body_is_a_transport_error_with_excerpt() -> None:
    runner, url, _ = await _capture_server(body=b"<html>oops</html>")
    try:
        async with lc.LeadConnector("t", base_url=url, max_retries=0) as client:
            with pytest.raises(lc.TransportError, match="oops") as caught:
                await client.contacts.get("x")
    finally:
        await runner.cleanup()
    assert caught.value.status_code == 200


async def test_per_call_options_share_the_pool(fake_leadconnector: FakeLeadConnector) -> None:
    async with lc.LeadConnector(fake_leadconnector.token, base_url=fake_leadconnector.url) as c:
        quick = c.with_options(timeout=2.0, max_retries=0)
        assert quick.config.timeouts.total == 2.0
        assert quick.config.retry.max_retries == 0
        assert quick._pool is c._pool


@pytest.mark.parametrize("close", ["root", "derived"])
async def test_closing_ends_a_call_waiting_for_a_send_slot_at_once(close: str) -> None:
    runner, url, seen = await _capture_server(404, b'{"message": "x"}')
    try:
        root = lc.LeadConnector(
            "t", location_id="L", base_url=url, rate_limit=lc.RateLimit(max_requests=1, period=600)
        )
        client = root.with_options() if close == "derived" else root
        with pytest.raises(lc.NotFoundError):
            await client.contacts.get("a")  # its slot cools for ten minutes
        waiting = asyncio.create_task(client.contacts.get("b"))
        await asyncio.sleep(0)  # it runs into the slot's queue: nothing else to wait for
        assert root.would_wait()
        assert not waiting.done()
        await client.aclose()
        async with asyncio.timeout(5):
            with pytest.raises(lc.ClientClosedError):
                await waiting
        assert [r.path for r in seen] == ["/contacts/a"]
        status = root.rate_limit_status()
        assert status is not None
        assert status.in_use == 1  # the first call's slot, cooling; the waiter took none
        assert not root._pool._waiting
        await root.aclose()
    finally:
        await runner.cleanup()


async def test_closing_ends_a_call_sleeping_before_its_retry_at_once() -> None:
    runner, url, seen = await _capture_server(429, b'{"message": "x"}', {"Retry-After": "600"})
    answered = asyncio.Event()

    async def on_attempt(info: lc.AttemptInfo) -> None:
        answered.set()  # the call sleeps out its back-off as soon as this returns

    try:
        client = lc.LeadConnector(
            "t",
            location_id="L",
            base_url=url,
            retry=lc.RetryPolicy(max_wait=900),
            on_attempt=on_attempt,
        )
        sleeping = asyncio.create_task(client.contacts.get("b"))
        await answered.wait()
        assert not sleeping.done()
        await client.aclose()
        async with asyncio.timeout(5):
            with pytest.raises(lc.ClientClosedError):
                await sleeping
        assert [r.path for r in seen] == ["/contacts/b"]
    finally:
        await runner.cleanup()
