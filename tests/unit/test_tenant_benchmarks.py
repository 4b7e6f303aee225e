"""The tenant benchmarks' pure parts: the raw server's parsing and windows, the head-of-line
rows and ideal. Nothing here is timed."""

from __future__ import annotations

import asyncio
from collections import Counter
from itertools import islice

from benchmarks import _head_of_line as hol
from benchmarks._raw_server import Windows, _field, _header, _token
from benchmarks._tenant_load import FifoGate


def test_the_raw_server_reads_headers_wherever_they_are_in_the_head() -> None:
    head = b"post /contacts/upsert http/1.1\r\nauthorization: bearer tok-1\r\ncontent-length: 37"
    assert _header(head, b"\r\ncontent-length:") == b" 37"
    assert _token(head) == b"tok-1"
    assert _token(b"get /contacts/c1 http/1.1\r\nhost: x") == b""
    assert _field(b'{"email":"a@x.com","locationId":"L1"}', b'"locationId":"') == b"L1"


def test_the_raw_server_window_refuses_past_the_limit_and_says_what_remains() -> None:
    windows = Windows(3, 60.0, {b"low": 1})
    answers = [windows.admit(b"a") for _ in range(4)]
    assert [allowed for allowed, _ in answers] == [True, True, True, False]
    assert b"X-RateLimit-Remaining: 0\r\n" in answers[2][1]
    assert [windows.admit(b"low")[0] for _ in range(2)] == [True, False]


def test_head_of_line_rows_and_ideal() -> None:
    busy = Counter(r.location_id for r in islice(hol.rows("busy"), 400))
    assert busy["busy"] == 200
    assert len(busy) == hol.NORMAL + 1
    slow = Counter(r.location_id for r in islice(hol.rows("slow"), 21 * 10))
    assert set(slow.values()) == {10}
    assert hol.ideal("low", 2.0) == (20 * 10 + 2) * 2


async def test_the_fifo_gate_admits_in_arrival_order_and_skips_a_waiter_that_gave_up() -> None:
    gate = FifoGate(2)
    order: list[int] = []

    async def enter(n: int) -> None:
        await gate.enter()
        order.append(n)

    entered = [asyncio.create_task(enter(n)) for n in range(5)]
    await asyncio.sleep(0)  # (a turn of the loop: every task runs to its first wait)
    assert order == [0, 1]
    entered[2].cancel()  # gives up while waiting: its turn goes to the next
    await asyncio.sleep(0)
    gate.leave()
    gate.leave()
    await asyncio.gather(*entered[3:])
    assert order == [0, 1, 3, 4]
    gate.leave()
    gate.leave()
    await gate.enter()
    await gate.enter()  # both places free again: no wait
