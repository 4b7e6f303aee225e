"""Run the fake server and the worker script as separate processes, as a deployment would."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from leadconnector_async.testing._report import STATS_PREFIX

WORKER = Path(__file__).with_name("worker.py")
RATE, PERIOD = 20, 0.5  # the fake's limit: 20 requests in any 0.5 s (40 per second)
PIPE = asyncio.subprocess.PIPE


@dataclass
class FakeProcess:
    """``python -m leadconnector_async.testing`` in its own process; ``stats`` once stopped."""

    url: str
    token: str
    location: str
    stats: dict[str, Any] = field(default_factory=dict)

    def worker_args(self) -> list[str]:
        return [
            "--url",
            self.url,
            "--token",
            self.token,
            "--location",
            self.location,
            "--rate-limit",
            str(RATE),
            "--period",
            str(PERIOD),
        ]


@asynccontextmanager
async def fake_server_process() -> AsyncIterator[FakeProcess]:
    """Start the standalone fake with a small window; on exit stop it and read its stats."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "leadconnector_async.testing",
        "--port",
        "0",
        "--rate-limit",
        str(RATE),
        "--period",
        str(PERIOD),
        stdout=PIPE,
    )
    assert process.stdout is not None
    banner = (await process.stdout.readline()).decode()
    found = re.search(r"at (\S+) token=(\S+) location=(\S+)", banner)
    assert found, banner
    url, token, location = found.groups()
    fake = FakeProcess(url, token, location)
    try:
        yield fake
    finally:
        process.send_signal(signal.SIGTERM)
        output = (await process.stdout.read()).decode()
        await process.wait()
        line = next(ln for ln in output.splitlines() if ln.startswith(STATS_PREFIX))
        fake.stats = json.loads(line.removeprefix(STATS_PREFIX))


@dataclass
class WorkerRun:
    """What every worker reported, and what it logged."""

    results: list[dict[str, Any]]
    logs: list[str]

    @property
    def ok(self) -> int:
        return sum(result["ok"] for result in self.results)

    @property
    def failed(self) -> list[str]:
        return [error for result in self.results for error in result["failed"]]

    @property
    def rate(self) -> float:
        """Rows per second from the first worker's start to the last worker's end."""
        started: float = min(result["started"] for result in self.results)
        finished: float = max(result["finished"] for result in self.results)
        return self.ok / (finished - started)


async def run_workers(
    fake: FakeProcess,
    *,
    workers: int,
    rows: int,
    extra: list[str],
    on_row: Callable[[list[int]], None] | None = None,
) -> WorkerRun:
    """Run ``workers`` processes of ``rows`` rows each (distinct emails), started together.

    ``on_row(done)`` is called as each row finishes, with the rows each worker finished so far.
    """
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            *fake.worker_args(),
            "--first",
            str(n * rows),
            "--rows",
            str(rows),
            *extra,
            stdin=PIPE,
            stdout=PIPE,
            stderr=PIPE,
        )
        for n in range(workers)
    ]
    for process in processes:
        assert process.stdout is not None
        assert await process.stdout.readline() == b"ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(b"go\n")
        await process.stdin.drain()
    done = [0] * workers

    def count_row(worker: int) -> None:
        done[worker] += 1
        if on_row is not None:
            on_row(done)

    outcomes = await asyncio.gather(
        *(_collect(p, partial(count_row, n)) for n, p in enumerate(processes))
    )
    return WorkerRun([result for result, _ in outcomes], [log for _, log in outcomes])


async def _collect(
    process: asyncio.subprocess.Process, on_row: Callable[[], None]
) -> tuple[dict[str, Any], str]:
    assert process.stdout is not None
    assert process.stderr is not None
    logs = asyncio.ensure_future(process.stderr.read())
    result: dict[str, Any] = {}
    async for line in process.stdout:
        if line == b"row\n":
            on_row()
        elif line.startswith(b"result "):
            result = json.loads(line.removeprefix(b"result "))
    await process.wait()
    log = (await logs).decode()
    assert process.returncode == 0, log
    return result, log
