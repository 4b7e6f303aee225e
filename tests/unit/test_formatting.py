"""The formatter is not fought: no line opts out of it with a skip marker (ruff format decides).

Hand-aligned tables keep a ``# fmt: off`` / ``# fmt: on`` block, where alignment is the point.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("leadconnector_async", "tests", "benchmarks", "examples", "docs")


def test_no_line_opts_out_of_the_formatter() -> None:
    marker = "fmt: " + "skip"  # spelled apart so this file does not match itself
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if marker in line
    ]
    assert offenders == [], "remove the marker and run `ruff format .`: " + ", ".join(offenders)
