"""Running the command line as a subprocess against a fake server in its own process."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PYTHON = sys.executable
NO_ACCOUNT = {k: v for k, v in os.environ.items() if not k.startswith("LEADCONNECTOR_")}


@contextmanager
def fake_server(*options: str) -> Iterator[dict[str, str]]:
    """A standalone fake (strict window of 50 per 0.5 s); yields the CLI's environment for it."""
    fake = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "leadconnector_async.testing",
            "--port",
            "0",
            "--rate-limit",
            "50",
            "--period",
            "0.5",
            *options,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdout is not None
    url = fake.stdout.readline().split()[3]
    env = {
        **NO_ACCOUNT,
        "LEADCONNECTOR_TOKEN": "test-token",
        "LEADCONNECTOR_LOCATION_ID": "test-location",
        "LEADCONNECTOR_BASE_URL": url,
    }
    try:
        yield env
    finally:
        fake.send_signal(signal.SIGTERM)
        fake.communicate(timeout=10)


def cli(
    env: dict[str, str], *args: str, preexec_fn: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command line with ``args`` (``preexec_fn``: run in the child before it starts)."""
    return subprocess.run(
        [PYTHON, "-m", "leadconnector_async", *args, "--rate-limit", "50/0.5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=preexec_fn,
    )


def write_csv(path: Path, rows: int, bad: dict[int, str] | None = None) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["first_name", "last_name", "email", "tags", "custom:plan"])
        for n in range(rows):
            email = (bad or {}).get(n, f"person{n}@example.com")
            writer.writerow([f"First{n}", f"Last{n}", email, "a;b" if n % 2 else "c", "pro"])
    return path


def exported(env: dict[str, str], out: Path) -> list[dict[str, Any]]:
    done = cli(env, "export", str(out))
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in out.read_text().splitlines()]


def rejects_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def requests_beyond_429s(summary: str) -> int:
    """The summary's requests less its 429s: what the job needed, whatever the window held.

    Each CLI run is a new process with a new limiter, while the fake's window still holds the
    previous run's requests, so a run soon after another may meet a 429 and send that request
    again: right behaviour, but one more request in the count.
    """
    found = re.search(r"requests (\d+), 429s (\d+)", summary)
    assert found is not None, summary
    return int(found[1]) - int(found[2])
