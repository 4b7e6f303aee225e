"""A request sent at the edge of its call's budget (after a wait left it less than twice the
reserve) runs in a task of its own: when its answer is late the call ends at its deadline, but
the exchange goes on and keeps its connection, and its place in the pool is given back only
when the exchange ends. Against a keep-alive server on 127.0.0.1 that counts its connections.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

import leadconnector_async as lc

from ._loopback import loopback

CONTACT = b'{"contact":{"id":"c1","firstName":"Ann"}}'


class KeepAliveServer:
    """Answers each request on its connection after ``delays[n]`` seconds (the n-th request;
    ``None``: never), keeping the connection open; notes what happened in ``events``."""

    def __init__(self, delays: list[float | None]) -> None:
        self.delays = delays
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
                path = head.split(b" ", 2)[1].decode().rsplit("/", 1)[-1]
                delay = self.delays[sum(e.startswith("in ") for e in self.events)]
                self._note(f"in {path}")
                if delay is None:
                    await reader.read()  # never answered: until the client hangs up
                    raise ConnectionResetError
                await asyncio.sleep(delay)  # the scenario's server time, not synchronisation
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(CONTACT)}\r\n\r\n".encode()
                    + CONTACT
                )
                await writer.drain()
                self._note(f"out {path}")
        except (ConnectionError, asyncio.IncompleteReadError):
            self._note("closed")
        finally:
            writer.close()


@asynccontextmanager
async def keep_alive(delays: list[float | None]) -> AsyncIterator[KeepAliveServer]:
    server = KeepAliveServer(delays)
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
    """c1 is sent at once; c2 and c3 wait for the one connection. c2's answer (0.15 s after
    its place) sets the reserve to 0.45 s, so c3, handed its place with 0.45 s of its 0.75 s
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
    async with keep_alive([0.15, 0.15, 0.6, 0.0]) as server:
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


async def test_closing_the_client_ends_an_exchange_that_outlived_its_call() -> None:
    async with keep_alive([0.15, 0.15, None]) as server:
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


async def test_a_call_cancelled_at_the_edge_gives_its_place_back_when_the_exchange_ends() -> None:
    async with keep_alive([0.15, 0.15, 0.3, 0.0]) as server:
        async with one_connection(server, timeout=0.75) as client:
            calls = [asyncio.ensure_future(client.contacts.get(f"c{n}")) for n in range(1, 4)]
            await asyncio.gather(*calls[:2])
            await server.seen("in c3")  # sent at the edge (as in the test above)
            calls[2].cancel()
            with pytest.raises(asyncio.CancelledError):
                await calls[2]
            fourth = await client.contacts.get("c4")
        assert isinstance(fourth, lc.Contact)
        assert server.events[4:8] == ["in c3", "out c3", "in c4", "out c4"]
        assert server.connections == 1


async def test_an_exchange_outliving_its_call_is_bounded_without_a_request_timeout() -> None:
    # No request timeout, only the call's: c3 (sent at the edge as above, its reserve 0.3 s
    # of a 0.5 s budget) is never answered. Its exchange ends twice the reserve after the
    # call, and its place serves the next call.
    async with keep_alive([0.1, 0.1, None, 0.0]) as server:
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
