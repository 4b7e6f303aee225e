"""The fixtures ``fake_leadconnector`` and ``leadconnector_client`` come from the package's own
pytest plugin (entry point ``pytest11``), exactly as users get them.

A test that hangs ends the run: pytest prints every thread's stack once a test has run for
``faulthandler_timeout`` seconds (``pyproject.toml``), and ten seconds later the process exits.
So a hang shows where it waits and fails CI in minutes instead of holding it until its time
cap (no test takes more than a few seconds; the suite has no other per-test timeout).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

HUNG = 70  # exit status of a run a hung test ended


@pytest.fixture(autouse=True)
def _a_hang_ends_the_run(request: pytest.FixtureRequest) -> Iterator[None]:
    seconds = float(request.config.getini("faulthandler_timeout") or 0)
    if not seconds:
        yield
        return
    timer = threading.Timer(seconds + 10, os._exit, args=(HUNG,))
    timer.daemon = True
    timer.start()
    yield
    timer.cancel()
