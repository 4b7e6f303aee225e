"""A hostile server on 127.0.0.1: every way it misbehaves ends in a typed error, with bounded
memory and time. Bounds are asserted as counts (bytes the server managed to send, bytes
allocated), never as wall-clock thresholds; limits and timeouts are small so each test is fast.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tracemalloc
import urllib.parse
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

import leadconnector_async as lc

from ._loopback import loopback
from ._secrets import assert_secret_unreachable

TOKEN = "hostile-test-token-s3cr3t"
LIMIT = 256 * 1024
SAFETY_CAP = 256 * 1024 * 1024  # the server stops here, so a broken client fails, not hangs
CONTACT = b'{"contact":{"id":"c1","firstName":"Ann"}}'
QUICK = lc.RetryPolicy(max_retries=1, backoff_base=0.001, backoff_max=0.01)


class RawServer:
    """A bare HTTP/1.1 server that answers every request with ``respond(server, writer)``."""

    def __init__(self, respond: Callable[[RawServer, asyncio.StreamWriter], Awaitable[None]]):
        self.respond = respond
        self.requests: list[bytes] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.sent = 0
        self.url = ""

    async def write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await writer.drain()
        self.sent += len(data)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            self.requests.append(head + await reader.readexactly(length))
            await self.respond(self, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up: that is what a bounded client does
        finally:
            writer.close()


@asynccontextmanager
async def serving(
    respond: Callable[[RawServer, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[RawServer]:
    raw = RawServer(respond)
    async with loopback(raw._serve, raw.writers) as raw.url:
        yield raw


def client_for(raw: RawServer, token: str = TOKEN, **options: object) -> lc.LeadConnector:
    settings: dict[str, object] = {"max_retries": 0, "max_response_bytes": LIMIT, "timeout": 5.0}
    return lc.LeadConnector(
        token,
        location_id="loc",
        base_url=raw.url,
        **(settings | options),  # type: ignore[arg-type]
    )


def answer(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    lines = [
        f"HTTP/1.1 {status}",
        "Content-Type: application/json",
        "Connection: close",
        f"Content-Length: {len(body)}",
        *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def test_an_endless_body_stops_at_the_limit() -> None:
    async def endless(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(
            writer,
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n",
        )
        chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
        while raw.sent < SAFETY_CAP:
            await raw.write(writer, chunk)

    async with serving(endless) as raw, client_for(raw) as client:
        with pytest.raises(lc.ResponseTooLargeError) as caught:
            await client.contacts.get("c1")
    assert caught.value.limit == LIMIT
    assert str(LIMIT) in str(caught.value)
    assert raw.sent < 32 * 1024 * 1024  # the limit plus what socket buffers hold
    assert_secret_unreachable(caught.value, TOKEN)


async def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    async def huge(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {SAFETY_CAP}\r\n\r\n"
        await raw.write(writer, head.encode())
        await raw.write(writer, b" " * 0x10000)

    async with serving(huge) as raw, client_for(raw) as client:
        with pytest.raises(lc.ResponseTooLargeError, match="declares"):
            await client.contacts.get("c1")


async def test_too_large_says_it_may_have_been_applied_only_where_repeating_is_not_safe() -> None:
    async def huge(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, f"HTTP/1.1 200 OK\r\nContent-Length: {SAFETY_CAP}\r\n\r\n".encode())

    async with serving(huge) as raw, client_for(raw) as client:
        with pytest.raises(lc.ResponseTooLargeError) as read:
            await anext(client.contacts.search())
        with pytest.raises(lc.ResponseTooLargeError) as create:
            await client.contacts.create(lc.ContactCreate(first_name="Ann"))
    assert "may have been applied" not in str(read.value)
    assert str(read.value).startswith("the response to Request(POST ")
    assert "reading stopped (it may have been applied)" in str(create.value)
    assert len(raw.requests) == 2


def _gzip_bomb(inflated: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
    zeros = b"\0" * (1024 * 1024)
    return b"".join(packer.compress(zeros) for _ in range(inflated // len(zeros))) + (
        packer.flush()
    )


async def test_a_gzip_bomb_is_cut_off_after_decompression_with_bounded_memory() -> None:
    inflated = 64 * 1024 * 1024
    bomb = _gzip_bomb(inflated)
    assert len(bomb) < LIMIT  # small on the wire: only counting after inflating catches it

    async def send_bomb(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, answer(bomb, "Content-Encoding: gzip"))

    async with serving(send_bomb) as raw, client_for(raw) as client:
        tracemalloc.start()
        try:
            with pytest.raises(lc.ResponseTooLargeError) as caught:
                await client.contacts.get("c1")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert caught.value.limit == LIMIT
    assert peak < 16 * 1024 * 1024, f"peak {peak} bytes while a {inflated}-byte body inflated"


async def test_a_slow_drip_body_ends_at_the_total_timeout() -> None:
    drips = 0

    async def drip(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        nonlocal drips
        await raw.write(
            writer,
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
        )
        while drips < 100_000:
            await asyncio.sleep(0.01)
            await raw.write(writer, b" ")
            drips += 1

    async with serving(drip) as raw, client_for(raw, timeout=0.3) as client:
        with pytest.raises(lc.TransportError) as caught:
            await client.contacts.get("c1")
    assert caught.value.outcome_unknown
    assert drips < 100_000  # the body never completed: the client gave up first
    assert_secret_unreachable(caught.value, TOKEN)


async def test_deeply_nested_json_is_a_transport_error() -> None:
    deep = b'{"contact":' + b"[" * 200_000 + b"]" * 200_000 + b"}"

    async def nested(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, answer(deep))

    async with serving(nested) as raw, client_for(raw, max_response_bytes=1024 * 1024) as client:
        with pytest.raises(lc.TransportError, match="nested deeper"):
            await client.contacts.get("c1")


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nthis is not a header\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 200_000 + b"\r\nContent-Length: 2\r\n\r\n{}",
        b"NOT HTTP AT ALL\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
    ],
    ids=[
        "no-colon",
        "bad-status",
        "negative-length",
        "word-length",
        "long-line",
        "not-http",
        "bad-gzip",
    ],
)
async def test_garbage_heads_are_transport_errors_without_the_token(head: bytes) -> None:
    async def garbage(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, head)

    async with serving(garbage) as raw, client_for(raw) as client:
        with pytest.raises(lc.TransportError) as caught:
            await client.contacts.get("c1")
    assert caught.value.__context__ is None
    assert_secret_unreachable(caught.value, TOKEN)


async def test_a_garbage_head_error_does_not_quote_the_query() -> None:
    async def garbage(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n")

    async with serving(garbage) as raw, client_for(raw) as client:
        with pytest.raises(lc.TransportError) as caught:
            await client.contacts.find_duplicate(email="jane.doe@example.com")
    assert b"jane.doe%40example.com" in raw.requests[0]  # the query really was sent
    assert "Content-Length" in str(caught.value)  # what went wrong is still said
    for spelling in ("jane.doe", "example.com"):
        assert_secret_unreachable(caught.value, spelling)


async def test_rate_limit_headers_of_inf_and_nan_do_not_fail_a_stored_create() -> None:
    async def created(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(
            writer,
            answer(
                CONTACT,
                "X-RateLimit-Remaining: inf",
                "X-RateLimit-Max: nan",
                "X-RateLimit-Interval-Milliseconds: 1e999",
                "X-RateLimit-Daily-Remaining: -inf",
                "X-RateLimit-Limit-Daily: \xff\xfe",
                status="201 Created",
            ),
        )

    async with serving(created) as raw, client_for(raw, rate_limit=lc.RateLimit()) as client:
        contact = await client.contacts.create(lc.ContactCreate(first_name="Ann"))
        again = await client.contacts.create(lc.ContactCreate(first_name="Ann"))
    assert (contact.id, again.id) == ("c1", "c1")
    assert len(raw.requests) == 2


HUGE_INTERVAL = "1" + "0" * 400  # an integer, but none a float can hold


async def test_a_rate_limit_interval_no_float_holds_does_not_fail_a_stored_create() -> None:
    async def created(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        headers = ("X-RateLimit-Max: 100", f"X-RateLimit-Interval-Milliseconds: {HUGE_INTERVAL}")
        await raw.write(writer, answer(CONTACT, *headers, status="201 Created"))

    async with serving(created) as raw, client_for(raw, rate_limit=lc.RateLimit()) as client:
        contact = await client.contacts.create(lc.ContactCreate(first_name="Ann"))
    assert contact.id == "c1"
    assert len(raw.requests) == 1


async def test_a_429_with_a_rate_limit_interval_no_float_holds_is_a_rate_limit_error() -> None:
    async def limited(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        body = b'{"message":"Too many requests"}'
        header = f"X-RateLimit-Interval-Milliseconds: {HUGE_INTERVAL}"
        await raw.write(writer, answer(body, header, status="429 Too Many"))

    patient = lc.RetryPolicy(max_retries=1, max_wait=1.0)
    async with serving(limited) as raw, client_for(raw, retry=patient, rate_limit=None) as client:
        with pytest.raises(lc.RateLimitError) as caught:
            await client.contacts.get("c1")
    assert caught.value.status_code == 429
    assert caught.value.retry_after == 60.0  # six of the published 10 s windows at most
    assert len(raw.requests) == 1  # longer than max_wait: handed back, not waited out


@pytest.mark.parametrize(
    ("interval_ms", "windows"),
    [
        ("86400000000", 6),  # a day is no plausible window: six of ours at most, not a day
        ("10", 1),  # shorter than ours: the limiter still holds the slots for its own window
    ],
)
async def test_a_429s_interval_is_waited_as_the_window_the_limiter_keeps(
    interval_ms: str, windows: int, caplog: pytest.LogCaptureFixture
) -> None:
    period = 0.05
    limited = answer(
        b'{"message":"Too many requests"}',
        "X-RateLimit-Max: 100",
        "X-RateLimit-Remaining: 0",
        f"X-RateLimit-Interval-Milliseconds: {interval_ms}",
        status="429 Too Many Requests",
    )

    async def once_limited(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, limited if len(raw.requests) == 1 else answer(CONTACT))

    caplog.set_level(logging.WARNING, logger="leadconnector_async")
    limit = lc.RateLimit(max_requests=100, period=period, daily=None)
    async with (
        serving(once_limited) as raw,
        client_for(raw, rate_limit=limit, max_retries=1) as client,
    ):
        found = await client.contacts.get("c1")
    assert found.id == "c1"
    assert len(raw.requests) == 2
    [retried] = [r for r in caplog.records if r.getMessage().startswith("retrying")]
    assert retried.__dict__["retry_delay_s"] == pytest.approx(windows * period)


def refused_once(asked: str) -> Callable[[RawServer, asyncio.StreamWriter], Awaitable[None]]:
    """Answers the first request 503 with ``Retry-After: asked``, the rest with a contact."""
    refused = answer(b'{"message":"maintenance"}', f"Retry-After: {asked}", status="503 Busy")

    async def respond(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, refused if len(raw.requests) == 1 else answer(CONTACT))

    return respond


async def test_a_503s_retry_after_is_waited_rather_than_the_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="leadconnector_async")
    async with serving(refused_once("0.05")) as raw, client_for(raw, retry=QUICK) as client:
        created = await client.contacts.create(lc.ContactCreate(first_name="Ann"))
    assert created.id == "c1"
    assert len(raw.requests) == 2
    [retried] = [r for r in caplog.records if r.getMessage().startswith("retrying")]
    assert retried.__dict__["retry_delay_s"] == 0.05  # not QUICK's backoff of 0.01 at most


async def test_a_503s_retry_after_beyond_max_wait_is_handed_to_the_caller() -> None:
    async with serving(refused_once("3600")) as raw, client_for(raw, retry=QUICK) as client:
        with pytest.raises(lc.ServerError) as caught:
            await client.contacts.create(lc.ContactCreate(first_name="Ann"))
    assert caught.value.retry_after == 3600.0
    assert len(raw.requests) == 1


@pytest.mark.parametrize("status", ["301 Moved Permanently", "307 Temporary Redirect"])
async def test_a_cross_host_redirect_is_not_followed(status: str) -> None:
    async def elsewhere(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, answer(b"{}"))

    async with serving(elsewhere) as thief:
        target = thief.url.replace("127.0.0.1", "localhost") + "/steal"

        async def redirect(raw: RawServer, writer: asyncio.StreamWriter) -> None:
            await raw.write(writer, answer(b"", f"Location: {target}", status=status))

        async with serving(redirect) as raw, client_for(raw) as client:
            with pytest.raises(lc.RedirectError) as caught:
                await client.contacts.update("c1", lc.ContactUpdate(first_name="Ann"))
    assert caught.value.location == target
    assert caught.value.status_code == int(status[:3])
    assert target in str(caught.value)
    assert thief.requests == []
    assert len(raw.requests) == 1


async def test_a_redirect_echoing_the_token_quotes_it_redacted() -> None:
    async def echo(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        quoted = urllib.parse.quote(TOKEN, safe="")
        where = f"Location: https://sso.example/login?access_token={TOKEN}&again={quoted}"
        await raw.write(writer, answer(b"", where, status="302 Found"))

    async with serving(echo) as raw, client_for(raw) as client:
        with pytest.raises(lc.RedirectError) as caught:
            await client.contacts.get("c1")
    assert caught.value.location == (
        "https://sso.example/login?access_token=<redacted>&again=<redacted>"
    )
    assert "login?access_token=<redacted>" in str(caught.value)
    assert_secret_unreachable(caught.value, TOKEN)
    assert len(raw.requests) == 1


def listing(page_of: Callable[[int], dict[str, object]]) -> Callable[..., Awaitable[None]]:
    """A server answering its n-th request (from 0) with ``page_of(n)`` as JSON."""

    async def respond(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, answer(json.dumps(page_of(len(raw.requests) - 1)).encode()))

    return respond


def contacts(first: int, count: int, after: list[object] | None = None) -> list[dict[str, object]]:
    return [
        {"id": f"c{n}", "searchAfter": after or [n, f"c{n}"]} for n in range(first, first + count)
    ]


async def walk(paginator: lc.Paginator[lc.Contact], into: list[lc.Contact]) -> None:
    async for contact in paginator:
        into.append(contact)
        assert len(into) < 10_000, "the walk did not end"


async def test_a_listing_that_ignores_skip_ends_after_the_real_items() -> None:
    same = listing(lambda n: {"contacts": contacts(0, 10), "count": 10})
    seen: list[lc.Contact] = []
    async with serving(same) as raw, client_for(raw) as client:
        with pytest.raises(lc.PaginationError, match="ignored the cursor"):
            await walk(client.contacts.by_business("b1", page_size=10), seen)
    assert [c.id for c in seen] == [f"c{n}" for n in range(10)]
    assert len(raw.requests) == 2


async def test_a_search_whose_cursor_comes_back_again_ends_after_the_new_items() -> None:
    looping = listing(lambda n: {"contacts": contacts(10 * n, 10, after=[1, "x"]), "total": 99})
    seen: list[lc.Contact] = []
    async with serving(looping) as raw, client_for(raw) as client:
        with pytest.raises(lc.PaginationError, match="sent before"):
            await walk(client.contacts.search(page_size=10), seen)
    assert len(seen) == 20  # both pages held new contacts; the third request was not sent
    assert len(raw.requests) == 2


async def test_a_listing_that_serves_past_its_own_total_ends_there() -> None:
    endless = listing(lambda n: {"contacts": contacts(10 * n, 10), "count": 15})
    seen: list[lc.Contact] = []
    async with serving(endless) as raw, client_for(raw) as client:
        with pytest.raises(lc.PaginationError, match="more items than the total it reported"):
            await walk(client.contacts.by_business("b1", page_size=10), seen)
    assert len(seen) == 20  # the second page already went past 15: yielded, then the error
    assert len(raw.requests) == 2


async def test_a_count_that_may_be_per_page_does_not_end_a_real_walk() -> None:
    pages = [contacts(0, 10), contacts(10, 10), contacts(20, 3), []]
    per_page = listing(lambda n: {"contacts": pages[n], "count": len(pages[n])})
    seen: list[lc.Contact] = []
    async with serving(per_page) as raw, client_for(raw) as client:
        await walk(client.contacts.by_business("b1", page_size=10), seen)
    assert len(seen) == 23
    assert len(raw.requests) == 4


REFRESH = "refresh+token/s3cr3t=="
CLIENT_SECRET = "client-s3cr3t-value"


@pytest.mark.parametrize("content_type", ["text/html", "application/json"])
async def test_an_oauth_error_page_echoing_the_form_reveals_no_secret(
    content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="leadconnector_async")

    async def echo(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        posted = raw.requests[-1].split(b"\r\n\r\n", 1)[1]  # the urlencoded form, as sent
        text = posted.decode() + " / " + urllib.parse.unquote_plus(posted.decode())
        body = json.dumps({"error": "invalid_grant", "error_description": text}).encode()
        if content_type == "text/html":
            body = b"<html><pre>Bad request: " + text.encode() + b"</pre></html>"
        status = "503 Service Unavailable" if len(raw.requests) == 1 else "400 Bad Request"
        await raw.write(
            writer, answer(body, status=status).replace(b"application/json", content_type.encode())
        )

    async with serving(echo) as raw, client_for(raw, retry=QUICK) as client:
        authorised = client.for_location("loc", token=expired_oauth_token())
        with pytest.raises(lc.AuthenticationError) as caught:
            await authorised.contacts.get("c1")
    assert len(raw.requests) == 2  # the 503 was retried, the 400 refused the refresh
    assert b"client_secret=" in raw.requests[0]  # the server really was sent (and echoed) them
    assert "<redacted>" in str(caught.value)
    for secret in (REFRESH, CLIENT_SECRET, urllib.parse.quote_plus(REFRESH)):
        assert_secret_unreachable(caught.value, secret)
        assert not [r for r in caplog.records if secret in r.getMessage()]


def expired_oauth_token() -> lc.OAuthToken:
    """A token that must refresh (against the raw server) before its first request."""
    return lc.OAuthToken(
        access_token="expired-access-token",
        refresh_token=REFRESH,
        expires_at=1.0,
        client_id="app-id",
        client_secret=CLIENT_SECRET,
        on_refresh=None,
    )


async def test_a_token_answer_nested_too_deep_is_reported_without_its_body() -> None:
    fresh = "fresh-access-t0ken-value"
    deep = b"[" * 100_000 + b"]" * 100_000
    body = f'{{"access_token":"{fresh}","handle":"{fresh}","x":'.encode() + deep + b"}"

    async def nested(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, answer(body))

    async with (
        serving(nested) as raw,
        client_for(raw, max_response_bytes=1024 * 1024) as client,
    ):
        authorised = client.for_location("loc", token=expired_oauth_token())
        with pytest.raises(lc.TransportError, match="nested deeper") as caught:
            await authorised.contacts.get("c1")
    assert "body not shown" in str(caught.value)
    assert caught.value.outcome_unknown is False  # the get was never sent
    refresh = caught.value.__cause__
    assert isinstance(refresh, lc.TransportError)
    assert refresh.outcome_unknown
    assert len(raw.requests) == 1  # the refresh; its outcome unknown, it is not sent again
    assert_secret_unreachable(caught.value, fresh)


def token_requests(raw: RawServer) -> int:
    return sum(1 for request in raw.requests if request.startswith(b"POST /oauth/token "))


def refreshing_after(first: bytes) -> Callable[[RawServer, asyncio.StreamWriter], Awaitable[None]]:
    """Answers the first refresh with ``first``, later ones with a new pair, the rest with a
    contact."""

    async def respond(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        if not raw.requests[-1].startswith(b"POST /oauth/token "):
            await raw.write(writer, answer(CONTACT))
        elif token_requests(raw) == 1:
            await raw.write(writer, first)
        else:
            pair = {"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 9}
            await raw.write(writer, answer(json.dumps(pair).encode()))

    return respond


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        ("302 Found", ("Location: https://maintenance.example/",)),
        ("307 Temporary Redirect", ("Location: /oauth/token",)),
        ("404 Not Found", ()),
        ("408 Request Timeout", ()),
        ("409 Conflict", ()),
    ],
)
async def test_a_token_endpoint_answer_that_is_no_refusal_does_not_end_the_grant(
    status: str, headers: tuple[str, ...]
) -> None:
    odd = answer(b"<html>try again later</html>", *headers, status=status)
    token = expired_oauth_token()
    async with serving(refreshing_after(odd)) as raw, client_for(raw) as client:
        authorised = client.for_location("loc", token=token)
        with pytest.raises(lc.AuthenticationError, match="does not refuse the grant") as caught:
            await authorised.contacts.get("c1")
        assert caught.value.status_code == int(status[:3])
        assert "authorize the app again" not in str(caught.value)
        found = await authorised.contacts.get("c1")  # refreshes again, and gets a new pair
    assert found.id == "c1"
    assert token_requests(raw) == 2
    assert len(raw.requests) == 3  # the two refreshes, and the get that followed the second
    assert (token.access_token, token.refresh_token) == ("new-access", "new-refresh")


async def test_a_token_endpoint_redirect_echoing_the_form_quotes_no_secret() -> None:
    where = f"Location: https://x.example/?rt={REFRESH}&s={urllib.parse.quote_plus(CLIENT_SECRET)}"
    token = expired_oauth_token()
    refresh = answer(b"", where, status="302 Found")
    async with serving(refreshing_after(refresh)) as raw, client_for(raw) as client:
        with pytest.raises(lc.AuthenticationError) as caught:
            await client.for_location("loc", token=token).contacts.get("c1")
    assert "https://x.example/?rt=<redacted>&s=<redacted>" in str(caught.value)
    for secret in (REFRESH, CLIENT_SECRET, urllib.parse.quote_plus(CLIENT_SECRET)):
        assert_secret_unreachable(caught.value, secret)
    assert token_requests(raw) == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        ("400 Bad Request", {"statusCode": 400, "message": "Invalid grant"}),
        ("401 Unauthorized", {"error": "invalid_client", "error_description": "Bad client"}),
        ("422 Unprocessable Entity", {"statusCode": 422, "message": ["refresh_token invalid"]}),
    ],
)
async def test_a_refusal_by_the_token_endpoint_ends_the_grant(
    status: str, body: dict[str, object]
) -> None:
    refused = answer(json.dumps(body).encode(), status=status)
    async with serving(refreshing_after(refused)) as raw, client_for(raw) as client:
        authorised = client.for_location("loc", token=expired_oauth_token())
        with pytest.raises(lc.AuthenticationError, match="authorize the app again"):
            await authorised.contacts.get("c1")
        with pytest.raises(lc.AuthenticationError, match="refused earlier; nothing was sent"):
            await authorised.contacts.get("c1")
    assert len(raw.requests) == 1  # the refused refresh, never sent again


async def test_an_error_body_echoing_the_bearer_token_is_redacted() -> None:
    async def echo(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        body = json.dumps({"message": f"header was Authorization: Bearer {TOKEN}"}).encode()
        await raw.write(writer, answer(body, status="400 Bad Request"))

    async with serving(echo) as raw, client_for(raw) as client:
        with pytest.raises(lc.BadRequestError) as caught:
            await client.contacts.get("c1")
    assert str(caught.value).startswith("header was Authorization: Bearer <redacted>")
    assert_secret_unreachable(caught.value, TOKEN)


ESCAPED_TOKEN = "pit-1234/abcd-s3cr3t"
JSON_ESCAPES: dict[str, Callable[[str], str]] = {  # PHP's encoder escapes "/", others more
    "solidus": lambda text: text.replace("/", "\\/"),
    "dash": lambda text: text.replace("-", "\\u002d"),
    "every-character": lambda text: "".join(f"\\u{ord(c):04X}" for c in text),
}


def assert_no_spelling_reachable(error: BaseException, secret: str) -> None:
    """Neither ``secret`` nor any of its JSON-escaped spellings is reachable from ``error``."""
    for spelling in (secret, *(escape(secret) for escape in JSON_ESCAPES.values())):
        assert_secret_unreachable(error, spelling)


@pytest.mark.parametrize("escape", list(JSON_ESCAPES.values()), ids=list(JSON_ESCAPES))
@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("400 Bad Request", lc.BadRequestError),
        ("401 Unauthorized", lc.AuthenticationError),
        ("200 OK", lc.TransportError),  # not the contact promised: the excerpt quotes it
    ],
)
async def test_an_error_body_echoing_the_token_with_json_escapes_is_redacted(
    escape: Callable[[str], str], status: str, error: type[lc.LeadConnectorError]
) -> None:
    async def echo(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        text = f"token {escape(ESCAPED_TOKEN)} is invalid"
        body = '{"message":"' + text + '","meta":{"contactName":"' + text + '"},"x":[1'
        if not status.startswith("200"):
            body += "]}"
        await raw.write(writer, answer(body.encode(), status=status))

    async with serving(echo) as raw, client_for(raw, token=ESCAPED_TOKEN) as client:
        with pytest.raises(error) as caught:
            await client.contacts.get("c1")
    assert "<redacted>" in str(caught.value)
    assert_no_spelling_reachable(caught.value, ESCAPED_TOKEN)


async def test_an_oauth_refusal_echoing_the_form_with_json_escapes_reveals_no_secret() -> None:
    async def echo(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        posted = urllib.parse.parse_qs(raw.requests[-1].split(b"\r\n\r\n", 1)[1].decode())
        said = f"bad refresh_token {posted['refresh_token'][0]} of {posted['client_secret'][0]}"
        body = json.dumps({"error": "invalid_grant", "error_description": said, "traceId": said})
        escaped = body.replace("/", "\\/").replace("-", "\\u002d")
        await raw.write(writer, answer(escaped.encode(), status="400 Bad Request"))

    async with serving(echo) as raw, client_for(raw) as client:
        authorised = client.for_location("loc", token=expired_oauth_token())
        with pytest.raises(lc.AuthenticationError, match="refresh token rejected") as caught:
            await authorised.contacts.get("c1")
    assert b"client_secret=" in raw.requests[0]  # the server really was sent (and echoed) them
    assert caught.value.message.count("<redacted>") == 2
    assert caught.value.trace_id == "bad refresh_token <redacted> of <redacted>"
    for secret in (REFRESH, CLIENT_SECRET):
        assert_no_spelling_reachable(caught.value, secret)


@pytest.mark.parametrize(
    "value",
    [
        "inf",
        "nan",
        "-1",
        "1e400",
        "soon",
        "Mon, 99 Foo 2026",
        "Sun, 06 Nov 1994 08:49:37 +99999999999999999999",  # an offset no C int holds
    ],
)
async def test_an_odd_retry_after_on_a_429_ends_as_a_rate_limit_error(value: str) -> None:
    async def limited(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        body = b'{"message":"Too many requests"}'
        await raw.write(writer, answer(body, f"Retry-After: {value}", status="429 Too Many"))

    async with serving(limited) as raw, client_for(raw, retry=QUICK) as client:
        with pytest.raises(lc.RateLimitError) as caught:
            await client.contacts.get("c1")
    assert caught.value.status_code == 429
    assert len(raw.requests) <= 2  # never more than max_retries + 1, whatever it said


@pytest.mark.parametrize(
    "header",
    [
        "Retry-After: inf",
        "Retry-After: 1e400",
        "Retry-After: 99999999999",
        "Retry-After: Fri, 01 Jan 9999 00:00:00 GMT",
    ],
)
async def test_a_429_asking_for_longer_than_a_day_says_a_day(header: str) -> None:
    async def limited(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        body = b'{"message":"Too many requests"}'
        await raw.write(writer, answer(body, header, status="429 Too Many"))

    async with serving(limited) as raw, client_for(raw, retry=QUICK) as client:
        with pytest.raises(lc.RateLimitError) as caught:
            await client.contacts.get("c1")
        status = client.rate_limit_status()
    assert caught.value.retry_after == 86_400.0  # finite: a wait a caller can sleep on
    assert status is not None
    assert 0.0 < status.paused_for <= 86_400.0
    assert len(raw.requests) == 1  # longer than max_wait: handed back, not waited out


async def test_a_malformed_2xx_body_echoing_the_token_is_redacted() -> None:
    async def echo(raw: RawServer, writer: asyncio.StreamWriter) -> None:
        await raw.write(writer, answer(f"<html>your token {TOKEN} was fine</html>".encode()))

    async with serving(echo) as raw, client_for(raw) as client:
        with pytest.raises(lc.TransportError, match="malformed") as caught:
            await client.contacts.get("c1")
    assert "<redacted>" in str(caught.value)
    assert_secret_unreachable(caught.value, TOKEN)
