"""The command line driven as a subprocess against a fake server in its own process."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PYTHON = sys.executable


@pytest.fixture
def server() -> Iterator[dict[str, str]]:
    """A standalone fake (strict window of 50 per 0.5 s); yields the CLI's environment for it."""
    fake = subprocess.Popen(
        [PYTHON, "-m", "leadconnector_async.testing", "--port", "0", "--rate-limit", "50",
         "--period", "0.5"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert fake.stdout is not None
    url = fake.stdout.readline().split()[3]
    env = {**os.environ, "LEADCONNECTOR_TOKEN": "test-token",
           "LEADCONNECTOR_LOCATION_ID": "test-location", "LEADCONNECTOR_BASE_URL": url}  # fmt: skip
    try:
        yield env
    finally:
        fake.send_signal(signal.SIGTERM)
        fake.communicate(timeout=10)


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "leadconnector_async", "--rate-limit", "50/0.5", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def write_csv(path: Path, rows: int, bad: dict[int, str] | None = None) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["first_name", "last_name", "email", "tags", "custom:plan"])
        for n in range(rows):
            email = (bad or {}).get(n, f"person{n}@example.com")
            writer.writerow([f"First{n}", f"Last{n}", email, "a;b" if n % 2 else "c", "pro"])
    return path


def exported(env: dict[str, str], out: Path) -> list[dict[str, object]]:
    done = cli(env, "export", str(out))
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_import_reports_bad_rows_and_stores_the_rest(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "people.csv", 60, bad={5: "nope", 40: "x@"})
    done = cli(server, "import", str(source))
    assert done.returncode == 1, done.stderr
    assert "ok 58 (created 58, updated 0), failed 2" in done.stdout
    with (tmp_path / "people.csv.rejects.csv").open() as handle:
        rejects = list(csv.DictReader(handle))
    assert [(r["line"], r["column"]) for r in rejects] == [("7", "email"), ("42", "email")]
    assert "not a valid email" in rejects[0]["reason"]
    emails = sorted(str(c["email"]) for c in exported(server, tmp_path / "out.ndjson"))
    assert emails == sorted(f"person{n}@example.com" for n in range(60) if n not in (5, 40))


def test_export_round_trip_equals_what_was_imported(server: dict[str, str], tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", 30)
    assert cli(server, "import", str(source)).returncode == 0
    done = cli(server, "export", str(tmp_path / "out.csv"))
    assert done.returncode == 0, done.stderr
    assert "exported: 30 contacts" in done.stdout
    with source.open() as a, (tmp_path / "out.csv").open() as b:
        imported = {r["email"]: r for r in csv.DictReader(a)}
        back = {r["email"]: r for r in csv.DictReader(b)}
    assert back.keys() == imported.keys()
    for email, row in imported.items():
        assert (back[email]["first_name"], back[email]["last_name"]) == (
            row["first_name"], row["last_name"],
        )  # fmt: skip
        assert set(back[email]["tags"].split(";")) == set(row["tags"].split(";"))


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_interrupted_import_resumes_without_losing_or_doubling_a_row(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "big.csv", 400)
    first = subprocess.Popen(
        [PYTHON, "-m", "leadconnector_async", "--rate-limit", "50/0.5", "import", str(source)],
        env=server,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A runner started with SIGINT ignored (``cmd &`` in a script) passes that on; the
        # child must get Python's usual Ctrl-C handling whatever this process inherited.
        preexec_fn=_default_sigint,
    )
    assert first.stderr is not None
    assert "rows" in first.stderr.readline()  # the first progress line: the import is under way
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=30)
    assert first.returncode == 130
    assert "--resume" in err
    checkpoint = json.loads((tmp_path / "big.csv.checkpoint.json").read_text())
    assert 2 < checkpoint["next_line"] < 402
    resumed = cli(server, "import", str(source), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"continuing from line {checkpoint['next_line']}" in resumed.stderr
    assert not (tmp_path / "big.csv.checkpoint.json").exists()
    emails = [str(c["email"]) for c in exported(server, tmp_path / "all.ndjson")]
    assert sorted(emails) == sorted(f"person{n}@example.com" for n in range(400))


def test_unknown_column_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    source = tmp_path / "odd.csv"
    source.write_text("email,shoe_size\na@x.com,9\n")
    done = cli(dict(os.environ), "import", str(source))
    assert done.returncode == 2
    assert "'shoe_size'" in done.stderr
    assert "embedded fake server" in done.stderr


def test_missing_file_and_half_configured_account_are_usage_errors(tmp_path: Path) -> None:
    missing = cli(dict(os.environ), "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2
    assert "nope.csv" in missing.stderr
    half = cli({**os.environ, "LEADCONNECTOR_TOKEN": "t"}, "export", str(tmp_path / "o.csv"))
    assert half.returncode == 2
    assert "LEADCONNECTOR_LOCATION_ID" in half.stderr


def test_demo_runs_to_completion() -> None:
    done = subprocess.run([PYTHON, "-m", "leadconnector_async", "demo"], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "imported: ok 2997" in done.stdout
    assert "rejected line 102, column email" in done.stdout
    assert "exported: 2995 contacts" in done.stdout
