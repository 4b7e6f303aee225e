"""A request sent at the edge of its call's budget (after a wait left it less than the
reserve) runs in a task of its own: when its answer is late the call ends at its deadline, but
the exchange goes on and keeps its connection, and its place in the pool is given back only
when the exchange ends. Against a keep-alive server on 127.0.0.1 that counts its connections.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

import leadconnector_async as lc
from leadconnector_async._transport import AiohttpTransport

from ._loopback import loopback

CONTACT = b'{"contact":{"id":"c1","firstName":"Ann"}}'
HANG_UP = -1.0  # a delay: the server reads the request and closes the connection


class KeepAliveServer:
    """Answers each request on its connection after ``delays[n]`` seconds (the n-th request;
    ``None``: never; ``HANG_UP``: closes the connection instead), keeping the connection
    open; notes what happened in ``events``. The answer is a contact, or ``answers[path]``
    (the last segment of the request's path)."""

    def __init__(self, delays: list[float | None], answers: dict[str, bytes] | None = None) -> None:
        self.delays = delays
        self.answers = answers or {}
        self.connections = 0
        self.events: list[str] = []  # "in c1", "out c1", "closed"
        self.url = ""
        self.writers: list[asyncio.StreamWriter] = []
        self._seen: dict[str, asyncio.Event] = {}

    async def seen(self, event: str) -> None:
        """Return once ``event`` (as in :attr:`events`) has happened."""
        await self._seen.setdefault(event, asyncio.Event()).wait()

    def _note(self, event: str) -> None:
        self.events.append(event)
        self._seen.setdefault(event, asyncio.Event()).set()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
                await reader.readexactly(int(length[1]) if length else 0)
                path = head.split(b" ", 2)[1].decode().rsplit("/", 1)[-1]
                delay = self.delays[sum(e.startswith("in ") for e in self.events)]
                self._note(f"in {path}")
                if delay is None:
                    await reader.read()  # never answered: until the client hangs up
                    raise ConnectionResetError
                if delay == HANG_UP:
                    raise ConnectionResetError
                await asyncio.sleep(delay)  # the scenario's server time, not synchronisation
                writer.write(self.answers.get(path) or answer(CONTACT))
                await writer.drain()
                self._note(f"out {path}")
        except (ConnectionError, asyncio.IncompleteReadError):
            self._note("closed")
        finally:
            writer.close()


def answer(body: bytes, status: str = "200 OK", *headers: str) -> bytes:
    """An HTTP/1.1 answer that keeps its connection."""
    head = [f"HTTP/1.1 {status}", "Content-Type: application/json", *headers]
    return ("\r\n".join([*head, f"Content-Length: {len(body)}"]) + "\r\n\r\n").encode() + body


@asynccontextmanager
async def keep_alive(
    delays: list[float | None], answers: dict[str, bytes] | None = None
) -> AsyncIterator[KeepAliveServer]:
    server = KeepAliveServer(delays, answers)
    async with loopback(server.serve, server.writers) as server.url:
        yield server


def one_connection(server: KeepAliveServer, timeout: float) -> lc.LeadConnector:
    return lc.LeadConnector(
        "tok",
        location_id="loc",
        base_url=server.url,
        connection_limit=1,
        timeout=timeout,
        max_retries=0,
    )


async def _late_third_call(client: lc.LeadConnector) -> BaseException:
    """c1 is sent at once; c2 and c3 wait for the one connection. c2's answer (0.2 s after
    its place) sets the reserve to 0.6 s, so c3, handed its place with 0.35 s of its 0.75 s
    left, is sent at the edge; the server answers it after 0.6 s: late."""
    first, second, third = await asyncio.gather(
        client.contacts.get("c1"),
        client.contacts.get("c2"),
        client.contacts.get("c3"),
        return_exceptions=True,
    )
    assert isinstance(first, lc.Contact), first
    assert isinstance(second, lc.Contact), second
    assert isinstance(third, BaseException)
    return third


async def test_a_late_answer_ends_the_call_but_not_its_connection() -> None:
    async with keep_alive([0.2, 0.2, 0.6, 0.0]) as server:
        async with one_connection(server, timeout=0.75) as client:
            late = await _late_third_call(client)
            assert isinstance(late, lc.TransportError), late
            assert "what waiting to send left of its time budget" in str(late)
            assert late.outcome_unknown
            assert server.events[-1] == "in c3"  # the call ended before its answer came
            # The next call waits for the place the exchange still holds, then goes over
            # the connection the late answer came back on.
            fourth = await client.contacts.get("c4")
        assert isinstance(fourth, lc.Contact)
        assert server.events[:8] == [
            *("in c1", "out c1", "in c2", "out c2"),
            *("in c3", "out c3", "in c4", "out c4"),
        ]
        assert server.connections == 1
        assert client.request_counts.sent == 4


@pytest.mark.parametrize("third", [0.1, HANG_UP])
async def test_an_outcome_in_time_at_the_edge_is_the_calls(third: float) -> None:
    # c3 is sent at the edge as above, and answered (or its connection closed) in time: the
    # call gets the answer or the error, and gives back its place itself.
    async with keep_alive([0.2, 0.2, third, 0.0]) as server:
        async with one_connection(server, timeout=0.75) as client:
            calls = [client.contacts.get(f"c{n}") for n in range(1, 4)]
            outcomes = await asyncio.gather(*calls, return_exceptions=True)
            fourth = await client.contacts.get("c4")
        assert isinstance(fourth, lc.Contact)
        if third == HANG_UP:
            assert isinstance(outcomes[2], lc.TransportError), outcomes[2]
            assert "time budget" not in str(outcomes[2])  # the server's doing, not a cut-off
            assert server.connections == 2
        else:
            assert all(isinstance(outcome, lc.Contact) for outcome in outcomes), outcomes
            assert server.connections == 1
        assert "out c4" in server.events
        assert client.request_counts.sent == 4


async def test_closing_the_client_ends_an_exchange_that_outlived_its_call() -> None:
    async with keep_alive([0.2, 0.2, None]) as server:
        async with one_connection(server, timeout=0.75) as client:
            late = await _late_third_call(client)
            assert isinstance(late, lc.TransportError), late
            assert server.events[-1] == "in c3"
        pending = [
            task
            for task in asyncio.all_tasks()
            if "AiohttpTransport.send" in getattr(task.get_coro(), "__qualname__", "")
            and not task.done()
        ]
        assert pending == []
    assert server.connections == 1


async def test_a_call_cancelled_at_the_edge_ends_its_exchange_as_a_call_in_its_own_task() -> None:
    # Cancelled while its request is out, c3 ends its exchange too (as a request sent in the
    # call's own task is ended, closing its connection) and gives back its place at once.
    async with keep_alive([0.2, 0.2, 0.3, 0.0]) as server:
        async with one_connection(server, timeout=0.75) as client:
            calls = [asyncio.ensure_future(client.contacts.get(f"c{n}")) for n in range(1, 4)]
            await asyncio.gather(*calls[:2])
            await server.seen("in c3")  # sent at the edge (as in the test above)
            calls[2].cancel()
            with pytest.raises(asyncio.CancelledError):
                await calls[2]
            fourth = await client.contacts.get("c4")
            assert client._pool.exchanges == set()
        assert isinstance(fourth, lc.Contact)
        assert "out c3" not in server.events
        assert server.connections == 2


async def test_a_call_cancelled_before_its_exchange_begins_sends_nothing() -> None:
    # c3 is handed its place as c2 ends and starts its exchange at the edge; c2's done
    # callback, run in the same loop turn, cancels c3 before the exchange's first step.
    async with keep_alive([0.2, 0.2, 0.0, 0.0]) as server:
        async with one_connection(server, timeout=0.75) as client:
            calls = [asyncio.ensure_future(client.contacts.get(f"c{n}")) for n in range(1, 4)]
            calls[1].add_done_callback(lambda _: calls[2].cancel())
            with pytest.raises(asyncio.CancelledError):
                await calls[2]
            fourth = await client.contacts.get("c4")
            gate = client._pool.admission
            assert gate is not None
            assert gate.free == 1
        assert isinstance(fourth, lc.Contact)
        assert "in c3" not in server.events
        assert client.request_counts.sent == 4  # (c3 counted when handed to its exchange)


async def test_an_exchange_outliving_its_call_is_bounded_without_a_request_timeout() -> None:
    # No request timeout, only the call's: c3 (sent at the edge as above, with 0.2 s of its
    # 0.5 s budget left and a reserve of 0.45 s) is never answered. Its exchange ends twice
    # the reserve after the call, and its place serves the next call.
    async with keep_alive([0.15, 0.15, None, 0.0]) as server:
        async with lc.LeadConnector(
            "tok",
            location_id="loc",
            base_url=server.url,
            connection_limit=1,
            timeout=lc.Timeouts(total=None),
            retry=lc.RetryPolicy(max_retries=0, deadline=0.5),
        ) as client:
            late = await _late_third_call(client)
            assert isinstance(late, lc.TransportError), late
            await asyncio.wait_for(server.seen("closed"), 5)  # (not forever: the bound)
            fourth = await client.contacts.get("c4")
        assert isinstance(fourth, lc.Contact)
        assert server.connections == 2


async def test_a_request_cut_off_is_not_taken_for_an_answer_time() -> None:
    # c2's answer (0.025 s) makes the reserve 0.075 s. c4 waits a moment, is sent with its
    # whole 0.5 s and never answered: cut off, it says nothing of how long answers take. x2
    # then waits 0.3 s for x1: taken for a 0.5 s answer, the cut-off would have ended x2's
    # wait at half its budget (0.25 s), refused.
    async with keep_alive([0.025, 0.025, 0.0, None, 0.3, 0.0]) as server:
        async with one_connection(server, timeout=0.5) as client:
            await asyncio.gather(client.contacts.get("c1"), client.contacts.get("c2"))
            cut = await asyncio.gather(
                client.contacts.get("c3"), client.contacts.get("c4"), return_exceptions=True
            )
            assert isinstance(cut[1], lc.TransportError), cut
            after = await asyncio.gather(client.contacts.get("x1"), client.contacts.get("x2"))
        assert all(isinstance(contact, lc.Contact) for contact in after)
        start = server.events.index("in x1")
        assert server.events[start : start + 4] == ["in x1", "out x1", "in x2", "out x2"]


async def test_a_late_429_counts_and_pauses_its_location() -> None:
    # c3's answer, late as in the first test, is a 429 asking for 30 s. c4 already holds its
    # send slot when the exchange ends and gives back the place; c5, asked after, is refused
    # without being sent, as after a 429 in time.
    refused = answer(b'{"message":"Too many requests"}', "429 Too Many Requests", "Retry-After: 30")
    async with keep_alive([0.2, 0.2, 0.6, 0.0, 0.0], {"c3": refused}) as server:
        async with one_connection(server, timeout=0.75) as client:
            late = await _late_third_call(client)
            assert isinstance(late, lc.TransportError), late
            await client.contacts.get("c4")  # its place came back with the late answer
            with pytest.raises(lc.RateLimitError) as paused:
                await client.contacts.get("c5")
            assert client.request_counts.rate_limited == 1
        assert paused.value.status_code is None  # (refused here: nothing was sent)
        assert "in c5" not in server.events


async def test_a_429_in_time_counts_even_when_the_call_is_cancelled_before_reading_it() -> None:
    # c3, sent at the edge, is answered in time with a 429 asking for 30 s. A trace callback of
    # the borrowed session cancels the call as the answer's head is in: the exchange reads the
    # body and hands the answer over, and the cancellation reaches the call before it reads
    # it. The 429 counts and pauses the location all the same: c4 is refused, not sent.
    refused = answer(b'{"message":"Too many requests"}', "429 Too Many Requests", "Retry-After: 30")
    third: list[asyncio.Future[lc.Contact]] = []

    async def cancel_third(session: object, context: object, params: object) -> None:
        if third and "c3" in str(getattr(params, "url", "")):
            asyncio.get_running_loop().call_soon(third[0].cancel)

    tracing = aiohttp.TraceConfig()
    tracing.on_request_end.append(cancel_third)
    async with (
        keep_alive([0.2, 0.2, 0.1, 0.0], {"c3": refused}) as server,
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1), trace_configs=[tracing]
        ) as session,
        lc.LeadConnector(
            "tok",
            location_id="loc",
            base_url=server.url,
            session=session,
            timeout=0.75,
            max_retries=0,
        ) as client,
    ):
        calls = [asyncio.ensure_future(client.contacts.get(f"c{n}")) for n in range(1, 4)]
        third.append(calls[2])
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        assert isinstance(outcomes[2], asyncio.CancelledError), outcomes
        assert "out c3" in server.events  # (answered: the cancellation came after)
        assert client.request_counts.rate_limited == 1
        with pytest.raises(lc.RateLimitError) as paused:
            await client.contacts.get("c4")
        assert paused.value.status_code is None  # (refused here: nothing was sent)
        assert "in c4" not in server.events


async def test_closing_cancelled_while_it_ends_exchanges_still_closes_the_transport() -> None:
    async with keep_alive([0.2, 0.2, None]) as server, one_connection(server, 0.75) as client:
        assert isinstance(await _late_third_call(client), lc.TransportError)
        closing = asyncio.ensure_future(client.aclose())
        await asyncio.sleep(0)  # (one step: closing reaches the wait for the exchange)
        closing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await closing
        transport = client._pool.transport
        assert isinstance(transport, AiohttpTransport)
        assert transport.session is None  # (closed, not left open)


async def test_a_token_request_that_waited_gets_its_own_timeout() -> None:
    # The access token expires while c3 holds the one connection; c4's refresh waits for it
    # and then has ~0.45 s of c4's budget left, but the server answers after 0.6 s: the answer
    # (a single-use refresh token's only successor) is read and saved all the same.
    grant = {"access_token": "access2", "refresh_token": "refresh2", "expires_in": 86399}
    grant |= {"token_type": "Bearer", "scope": "contacts.readonly", "userType": "Location"}
    saved: list[str] = []
    refreshed = asyncio.Event()

    def on_refresh(new: lc.OAuthToken) -> None:
        saved.append(new.refresh_token)
        refreshed.set()

    token = lc.OAuthToken(
        access_token="access1",
        refresh_token="refresh1",
        expires_at=time.time() + 0.25,
        client_id="id",
        client_secret="secret",
        on_refresh=on_refresh,
        refresh_skew=0,
    )
    answers = {"token": answer(json.dumps(grant).encode())}
    async with (
        keep_alive([0.2, 0.2, 0.3, 0.6, 0.0], answers) as server,
        lc.LeadConnector(
            token, location_id="loc", base_url=server.url, connection_limit=1, timeout=0.75
        ) as client,
    ):

        async def fourth() -> lc.Contact:
            await server.seen("in c3")  # (by then the access token has expired)
            return await client.contacts.get("c4")

        await asyncio.gather(
            *(client.contacts.get(c) for c in ("c1", "c2", "c3")),
            fourth(),
            return_exceptions=True,
        )
        await asyncio.wait_for(refreshed.wait(), 5)
    assert saved == ["refresh2"]
    assert token.refresh_token == "refresh2"
