"""A minimal HTTP/1.1 server on raw asyncio, fast enough not to be the bottleneck of the tenant
benchmarks (the fake server, on aiohttp.web, tops out well below what the client can drive).

    python -m benchmarks._raw_server [--max 100] [--period 10] [--slow LOC=SECONDS]
                                     [--limit LOC=MAX]

It answers ``GET /contacts/{id}`` and ``POST /contacts/upsert`` with small contact bodies and the
API's five ``X-RateLimit-*`` headers, and enforces a rolling window of ``--max`` requests per
``--period`` seconds per location, answering 429 beyond it. A request's location is the body's
``locationId`` (upsert) or else its bearer token (one token per location, as sub-accounts have);
the location or token ``bare`` is never limited (bare aiohttp's ceiling, the failure benchmark),
though its answers carry the same five headers as every other.
``--slow`` delays one location's answers; ``--limit`` gives one location a lower limit. An
upsert whose email starts with ``bad`` is refused with a 422. It prints ``listening on PORT``
when ready.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import deque

_DAILY = 200_000
_UNLIMITED = b"bare"


class Windows:
    """Arrival times per location; a request over its limit is refused and not counted."""

    def __init__(self, max_requests: int, period: float, limits: dict[bytes, int]) -> None:
        self.max = max_requests
        self.period = period
        self.limits = limits
        self.arrivals: dict[bytes, deque[float]] = {}

    def admit(self, key: bytes) -> tuple[bool, bytes]:
        """Count one arrival; whether it is allowed, and the rate-limit header lines."""
        most = self.limits.get(key, self.max)
        now = time.monotonic()
        arrivals = self.arrivals.get(key)
        if arrivals is None:
            arrivals = self.arrivals[key] = deque()
        horizon = now - self.period
        while arrivals and arrivals[0] <= horizon:
            arrivals.popleft()
        allowed = len(arrivals) < most
        if allowed:
            arrivals.append(now)
        return allowed, self.headers(most, most - len(arrivals))

    def headers(self, most: int, remaining: int) -> bytes:
        """The five rate-limit header lines the API sends with every answer."""
        return (
            f"X-RateLimit-Limit-Daily: {_DAILY}\r\nX-RateLimit-Daily-Remaining: {_DAILY - 1}\r\n"
            f"X-RateLimit-Interval-Milliseconds: {int(self.period * 1000)}\r\n"
            f"X-RateLimit-Max: {most}\r\nX-RateLimit-Remaining: {remaining}\r\n"
        ).encode()


class HTTP(asyncio.Protocol):
    """One connection: parse requests as they arrive and answer each in order."""

    def __init__(self, windows: Windows, slow: dict[bytes, float]) -> None:
        self.windows = windows
        self.slow = slow
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.answered = 0.0  # when the last delayed answer on this connection goes out

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            length = int(_header(head, b"\r\ncontent-length:") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            self.answer(head, body)

    def answer(self, head: bytes, body: bytes) -> None:
        post = head.startswith(b"post")
        key = _field(body, b'"locationId":"') if post else _token(head)
        if key == _UNLIMITED:  # never refused, but answered with the same headers as any
            allowed, limits = True, self.windows.headers(self.windows.max, self.windows.max - 1)
        else:
            allowed, limits = self.windows.admit(key)
        if not allowed:
            payload = b'{"statusCode":429,"message":"Too many requests"}'
            status = b"429 Too Many Requests"
        elif post and body.find(b'"email":"bad') >= 0:
            payload = b'{"statusCode":422,"message":["email must be an email"]}'
            status = b"422 Unprocessable Entity"
        elif post:
            email = _field(body, b'"email":"')
            payload = (
                b'{"new":true,"contact":{"id":"c-'
                + email
                + b'","locationId":"'
                + key
                + b'"},"traceId":"t"}'
            )
            status = b"200 OK"
        else:
            cid = head[head.find(b"/contacts/") + 10 : head.find(b" http/")]
            payload = b'{"contact":{"id":"' + cid + b'","firstName":"Ann","locationId":"x"}}'
            status = b"200 OK"
        response = (
            b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(payload)).encode() + b"\r\n" + limits + b"\r\n" + payload
        )
        assert self.transport is not None
        delay = self.slow.get(key)
        if delay is None:
            self.transport.write(response)
        else:
            asyncio.get_running_loop().call_later(delay, self._write_if_open, response)

    def _write_if_open(self, response: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(response)


def _token(head: bytes) -> bytes:
    return _header(head, b"\r\nauthorization: bearer ").strip()


def _header(head: bytes, name: bytes) -> bytes:
    """The value after ``name`` (lower-case, with its CRLF) up to the line's end, or b""."""
    at = head.find(name)
    if at < 0:
        return b""
    end = head.find(b"\r\n", at + 2)
    return head[at + len(name) : end if end >= 0 else len(head)]


def _field(body: bytes, name: bytes) -> bytes:
    at = body.find(name)
    if at < 0:
        return b""
    start = at + len(name)
    return body[start : body.find(b'"', start)]


def _pairs(values: list[str], kind: type[float] | type[int]) -> dict[bytes, float]:
    pairs = {}
    for value in values:
        name, _, number = value.partition("=")
        pairs[name.encode()] = kind(number)
    return pairs


async def serve(args: argparse.Namespace) -> None:
    limits = {k: int(v) for k, v in _pairs(args.limit, int).items()}
    windows = Windows(args.max, args.period, limits)
    slow = _pairs(args.slow, float)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: HTTP(windows, slow), "127.0.0.1", args.port, backlog=4096
    )
    print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max", type=int, default=100, help="requests per window per location")
    parser.add_argument("--period", type=float, default=10.0, help="window length in seconds")
    parser.add_argument("--slow", action="append", default=[], help="LOC=SECONDS delay")
    parser.add_argument("--limit", action="append", default=[], help="LOC=MAX lower limit")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
