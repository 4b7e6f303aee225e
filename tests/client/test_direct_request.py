"""Requests on our own session go out without ``ClientSession.request`` (``_direct_request.py``):
the server must still see exactly each client's own headers, over the one shared pool of
connections, and no cookie; with an aiohttp whose internals differ, requests still go out."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

import leadconnector_async as lc
from leadconnector_async import _direct_request, _transport
from leadconnector_async._protocol import Call
from tests.client.test_client_lifecycle import PEER, REQUEST_BODY, _capture_server

BODY = b'{"contact": {"id": "c1"}, "new": true}'


async def test_each_client_sends_its_own_token_over_the_shared_connections() -> None:
    runner, url, seen = await _capture_server(body=BODY)
    try:
        async with lc.LeadConnector("tok-root", location_id="r", base_url=url) as root:
            clients = {
                "tok-root": root,
                "tok-a": root.for_location("a", token="tok-a"),
                "tok-b": root.for_location("b", token="tok-b"),
            }
            for _ in range(3):
                for token, client in clients.items():
                    await client.contacts.get(token)  # the path names the sender
            await clients["tok-a"].contacts.upsert(lc.ContactCreate(email="x@example.com"))
    finally:
        await runner.cleanup()
    gets, upsert = seen[:-1], seen[-1]
    assert len(gets) == 9
    for request in gets:
        sender = request.path.rsplit("/", 1)[-1]
        assert request.headers["Authorization"] == f"Bearer {sender}"
        assert request.headers["Version"] == "2021-07-28"
        assert request.headers["Accept"] == "application/json"
        assert request.headers["User-Agent"] == f"leadconnector-async/{lc.__version__}"
        assert "Content-Type" not in request.headers
    assert upsert.headers["Authorization"] == "Bearer tok-a"
    assert upsert.headers["Content-Type"] == "application/json"
    assert b'"locationId":"a"' in upsert[REQUEST_BODY]
    assert (
        len({request[PEER] for request in seen}) == 1
    )  # one after another: one connection for all


class Rotating:
    """A token source that hands out a new token for every request, as OAuth's are replaced."""

    def __init__(self) -> None:
        self.issued = 0

    async def get_token(self) -> str:
        self.issued += 1
        return f"oauth-{self.issued}"

    async def token_rejected(self, token: str) -> bool:
        return False


async def test_a_replaced_token_and_an_unauthenticated_call_carry_only_their_own() -> None:
    runner, url, seen = await _capture_server(body=BODY)
    try:
        async with lc.LeadConnector("tok-root", location_id="r", base_url=url) as root:
            oauth = root.for_location("o", token=Rotating())
            await oauth.contacts.get("c1")
            await root.contacts.get("c1")
            await oauth.contacts.get("c1")
            token_call: Call[None] = Call(
                "POST", "/oauth/token", form={"grant_type": "x"}, authenticated=False, version=None
            )
            await root.send(token_call)
            await oauth.send(token_call)  # a client with no fixed token of its own
    finally:
        await runner.cleanup()
    tokens = [request.headers.get("Authorization") for request in seen]
    assert tokens == ["Bearer oauth-1", "Bearer tok-root", "Bearer oauth-2", None, None]
    token_request = seen[-1]
    assert "Version" not in token_request.headers
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"


async def test_a_cookie_the_server_sets_goes_out_with_no_request() -> None:
    cookie = {"Set-Cookie": "session=SET-FOR-LOCATION-A; Path=/"}
    runner, url, seen = await _capture_server(body=BODY, headers=cookie)
    url = url.replace("127.0.0.1", "localhost")  # (a cookie jar keeps none an IP address sets)
    token_call: Call[None] = Call(
        "POST", "/oauth/token", form={"grant_type": "x"}, authenticated=False, version=None
    )
    try:
        async with lc.LeadConnector(None, base_url=url) as pool:
            a = pool.for_location("a", token=Rotating())
            b = pool.for_location("b", token=Rotating())
            fixed = pool.for_location("c", token="tok-c")
            for client in (a, b, fixed, fixed):
                await client.contacts.get("c1")
            await pool.send(token_call)
    finally:
        await runner.cleanup()
    assert len(seen) == 5
    assert [request.headers.get("Cookie") for request in seen] == [None] * 5


def test_this_aiohttp_takes_the_direct_path() -> None:
    # Fails on an aiohttp whose internals moved: requests then go through ClientSession.request
    # (correct, but slower), and _direct_request.py needs a look.
    assert _direct_request.direct_supported()


async def test_our_session_sends_directly_and_a_borrowed_one_through_its_request() -> None:
    runner, url, seen = await _capture_server(body=BODY)
    try:
        async with lc.LeadConnector("tok-own", location_id="r", base_url=url) as own:
            await own.contacts.get("c1")
            assert own._pool.transport._direct is not None  # type: ignore[attr-defined]
        session = aiohttp.ClientSession(headers={"X-Owner": "theirs"})
        async with (
            session,
            lc.LeadConnector(
                "tok-borrowed", location_id="r", base_url=url, session=session
            ) as borrowing,
        ):
            await borrowing.contacts.get("c1")
            assert borrowing._pool.transport._direct is None  # type: ignore[attr-defined]
    finally:
        await runner.cleanup()
    own_request, borrowed_request = seen
    assert own_request.headers["Authorization"] == "Bearer tok-own"
    assert "X-Owner" not in own_request.headers
    assert borrowed_request.headers["Authorization"] == "Bearer tok-borrowed"
    assert borrowed_request.headers["X-Owner"] == "theirs"  # the owner's defaults, and ours
    assert borrowed_request.headers["Accept"] == "application/json"


async def test_with_internals_it_does_not_know_the_client_warns_and_still_sends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_transport, "direct_supported", lambda: False)
    runner, url, seen = await _capture_server(body=BODY)
    try:
        async with lc.LeadConnector("tok-a", location_id="r", base_url=url) as client:
            with pytest.warns(RuntimeWarning, match="ClientSession.request instead"):
                await client.contacts.get("c1")
            await client.contacts.upsert(lc.ContactCreate(email="x@example.com"))
            assert client._pool.transport._direct is None  # type: ignore[attr-defined]
    finally:
        await runner.cleanup()
    get, upsert = seen
    for request in seen:
        assert request.headers["Authorization"] == "Bearer tok-a"
        assert request.headers["Version"] == "2021-07-28"
        assert request.headers["User-Agent"] == f"leadconnector-async/{lc.__version__}"
    assert "Content-Type" not in get.headers
    assert upsert.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("borrowed", [False, True])
async def test_a_connect_timeout_sent_nothing_and_its_message_quotes_no_query(
    borrowed: bool,
) -> None:
    # A listener that never accepts, its queue filled: a further connect hangs in the kernel.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = [socket.socket() for _ in range(4)]
    for filler in fillers:
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
    session = aiohttp.ClientSession() if borrowed else None
    try:
        async with lc.LeadConnector(
            "tok-secret",
            base_url=f"http://127.0.0.1:{port}",
            timeout=lc.Timeouts(total=5, connect=0.2),
            max_retries=0,
            rate_limit=None,
            session=session,
        ) as client:
            with pytest.raises(lc.TransportError) as caught:
                await client.contacts.find_duplicate(email="someone@example.com", location_id="L")
    finally:
        if session is not None:
            await session.close()
        for sock in (listener, *fillers):
            sock.close()
    assert caught.value.outcome_unknown is False
    assert "ConnectionTimeoutError" in str(caught.value)
    for secret in ("someone", "example.com", "tok-secret", "locationId"):
        assert secret not in repr(caught.value)
        assert secret not in str(caught.value)


async def test_a_head_call_spelled_in_lower_case_reads_no_body() -> None:
    # The answer to a HEAD declares a length but carries no body: reading one would wait for
    # the timeout and report the request as possibly applied.
    runner, url, seen = await _capture_server(body=BODY)
    try:
        async with lc.LeadConnector(
            "tok", base_url=url, timeout=5, max_retries=0, rate_limit=None
        ) as client:
            for method in ("head", "HEAD"):
                call: Call[None] = Call(method, "/contacts/c1")
                await asyncio.wait_for(client.send(call), 4)  # (not the 5 s timeout)
    finally:
        await runner.cleanup()
    assert [request.method for request in seen] == ["HEAD", "HEAD"]


async def test_a_path_not_beginning_with_a_slash_is_refused_before_sending() -> None:
    runner, url, seen = await _capture_server(body=BODY)
    try:
        async with lc.LeadConnector("tok", base_url=url, rate_limit=None) as client:
            for path in ("@evil.example/x", "contacts/c1", ""):
                call: Call[None] = Call("GET", path)
                with pytest.raises(lc.ConfigurationError, match="must begin with '/'"):
                    await client.send(call)
    finally:
        await runner.cleanup()
    assert seen == []
