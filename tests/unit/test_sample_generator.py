"""examples/make_sample_contacts.py: any size from 3 rows, the bundled sample reproduced."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPT = EXAMPLES / "make_sample_contacts.py"


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
    )


def test_ten_rows_hold_the_three_bad_examples(tmp_path: Path) -> None:
    out = tmp_path / "ten.csv"
    done = _make("10", "--out", str(out))
    assert done.returncode == 0, done.stderr
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 10
    assert sum(r["email"] == "not-an-email" for r in rows) == 1
    assert sum(r["dnd"] == "sometimes" for r in rows) == 1
    assert sum(r["city"] is None for r in rows) == 1  # the short row


def test_the_default_reproduces_the_bundled_sample(tmp_path: Path) -> None:
    out = tmp_path / "sample.csv"
    assert _make("--out", str(out)).returncode == 0
    assert out.read_bytes() == (EXAMPLES / "sample_contacts.csv").read_bytes()


def test_too_few_rows_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "two.csv"
    done = _make("2", "--out", str(out))
    assert done.returncode == 2
    assert "at least 3 rows" in done.stderr
    assert not out.exists()
