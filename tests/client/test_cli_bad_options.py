"""A bad option of ``import`` or ``sync`` is refused before any file of the last run is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._cli import NO_ACCOUNT, cli, rejects_of, write_csv

USAGE = 2


@pytest.mark.parametrize(
    ("command", "bad"),
    [
        ("import", ["--concurrency", "0"]),
        ("sync", ["--concurrency", "0"]),
        ("sync", ["--match", "custom:No such field"]),
    ],
)
def test_a_bad_option_keeps_the_last_runs_rejects_and_journal(
    tmp_path: Path, command: str, bad: list[str]
) -> None:
    source = str(write_csv(tmp_path / "people.csv", 5, bad={2: "not-an-email"}))
    first = cli(NO_ACCOUNT, "--fake", command, source)
    assert first.returncode == 1, first.stderr  # one row rejected
    rejects = tmp_path / "people.csv.rejects.csv"
    journal = tmp_path / "people.csv.journal"
    kept = _files(rejects, journal)
    refused = cli(NO_ACCOUNT, "--fake", command, source, *bad)
    assert refused.returncode == USAGE, refused.stderr
    assert _files(rejects, journal) == kept  # not even written again with the same rows
    assert [row["rejected_line"] for row in rejects_of(rejects)] == ["4"]
    again = cli(NO_ACCOUNT, "--fake", command, source, "--concurrency", "5")
    assert again.returncode == 1, again.stderr


def _files(*paths: Path) -> list[tuple[int, bytes] | None]:
    """Each file's inode and bytes (a file replaced by a copy has another inode)."""
    return [(p.stat().st_ino, p.read_bytes()) if p.exists() else None for p in paths]
