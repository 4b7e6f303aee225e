"""examples/many_workers.py runs as documented against a real redis-server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.redis.conftest import RedisServer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "many_workers.py"


def test_the_many_workers_example_stores_every_row_without_a_429(
    redis_server: RedisServer,
) -> None:
    command = [
        sys.executable,
        str(EXAMPLE),
        "--redis",
        redis_server.url,
        "--workers",
        "3",
        "--rows",
        "90",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    found = re.search(
        r"upserted (\d+) rows .* stored (\d+) and answered (\d+) with 429", done.stdout
    )
    assert found, done.stdout
    assert found.groups() == ("90", "90", "0")
