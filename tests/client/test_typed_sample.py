"""The typed sample of user code (checked by pyright and mypy in CI) also runs as written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "typing" / "user_code.py"


def test_the_typed_sample_runs_against_the_fake() -> None:
    done = subprocess.run(
        [sys.executable, str(SAMPLE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "imported 5" in done.stdout
