"""Outputs that cannot be written: refused before anything is sent, or, when a write fails
under way (the disk filled up), a clean stop with exit code 4 that an import resumes from."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

from ._cli import NO_ACCOUNT, cli, exported, fake_server, rejects_of

# Nothing listens here: a request sent before the refusal would stop the command (exit 3).
NOWHERE = {
    **NO_ACCOUNT,
    "LEADCONNECTOR_TOKEN": "test-token",
    "LEADCONNECTOR_LOCATION_ID": "test-location",
    "LEADCONNECTOR_BASE_URL": "http://127.0.0.1:9",
}
# A folder no one can create a file in, root included (sysfs).
UNWRITABLE = Path("/sys")
# A file name that leaves no room for the journal's beside it (255 bytes at most on Linux).
LONG_NAME = "p" * 243 + ".csv"


def _file_size_limit(limit: int) -> Callable[[], None]:
    """For ``preexec_fn``: writing a file past ``limit`` bytes fails (EFBIG), as a full disk
    fails a write (ENOSPC), instead of killing the process (SIGXFSZ)."""

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limited


def _cli_filling_up(
    env: dict[str, str], limit: int, *args: str
) -> subprocess.CompletedProcess[str]:
    """:func:`cli` with every file the command writes limited to ``limit`` bytes."""
    return cli(env, *args, preexec_fn=_file_size_limit(limit))


def test_an_output_that_cannot_be_created_is_refused_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    source = tmp_path / LONG_NAME
    source.write_text("email\nann@x.com\n")
    journal = ("--journal", str(tmp_path / "journal"))
    for args, option in (
        (("export", str(UNWRITABLE / "out.csv")), str(UNWRITABLE / "out.csv")),
        (("export", str(UNWRITABLE / "out.ndjson")), str(UNWRITABLE / "out.ndjson")),
        (("import", str(source), *journal, "--rejects", str(UNWRITABLE / "r.csv")), "--rejects"),
        (("import", str(source), "--journal", str(UNWRITABLE / "j")), "--journal"),
        (("import", str(source)), "--journal"),  # beside the input: too long a name
        (("import", str(source), *journal), "--rejects"),  # (the same)
        (("sync", str(source)), "--rejects"),
    ):
        refused = cli(NOWHERE, *args)
        assert refused.returncode == 2, refused.stderr
        assert f"cannot write {option}" in refused.stderr
        assert "(nothing was sent)" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert [p.name for p in tmp_path.iterdir()] == [LONG_NAME]


def test_the_journal_kept_elsewhere_when_the_input_folder_has_no_room_for_it(
    tmp_path: Path,
) -> None:
    source = tmp_path / LONG_NAME
    source.write_text("email\n" + "".join(f"p{n}@x.com\n" if n % 3 else "bad\n" for n in range(30)))
    keep = ("--rejects", str(tmp_path / "rejects.csv"), "--journal", str(tmp_path / "journal"))
    with fake_server() as server:
        refused = cli({**server, "LEADCONNECTOR_TOKEN": "wrong"}, "import", str(source), *keep)
        assert refused.returncode == 3, refused.stderr
        assert f"progress is saved in {tmp_path / 'journal'}" in refused.stderr
        unnamed = cli(server, "import", str(source), "--resume", *keep[:2])
        assert unnamed.returncode == 2, unnamed.stderr
        assert f"cannot write --journal {source}.journal" in unnamed.stderr
        resumed = cli(server, "import", str(source), "--resume", *keep)
        assert resumed.returncode == 1, resumed.stderr
        assert "ok 20 (created 20, updated 0), rejected 10," in resumed.stdout
        emails = sorted(str(c["email"]) for c in exported(server, tmp_path / "out.ndjson"))
    assert emails == sorted(f"p{n}@x.com" for n in range(30) if n % 3)
    assert len(rejects_of(tmp_path / "rejects.csv")) == 10
    assert '"complete"' in (tmp_path / "journal").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [LONG_NAME, "rejects.csv", "journal", "out.ndjson"]
    )


def test_an_export_whose_file_fills_up_stops_with_exit_4_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    with fake_server("--seed", "1200") as server:  # three pages: one is read ahead
        for name in ("out.csv", "out.ndjson"):
            full = _cli_filling_up(server, 64 * 1024, "export", str(tmp_path / name))
            assert full.returncode == 4, full.stderr
            assert full.stderr.strip().splitlines()[-1] == (
                "leadconnector: file error: File too large"
            )
            assert "Traceback" not in full.stderr
            assert "never retrieved" not in full.stderr  # the page read ahead was cancelled
            assert list(tmp_path.iterdir()) == []


def test_an_import_whose_rejects_fill_up_stops_with_exit_4_and_resumes_to_every_row(
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.csv"
    rows = 300
    source.write_text(
        "email\n" + "".join(f"p{n}@x.com\n" if n % 2 else f"bad{n}\n" for n in range(rows))
    )
    with fake_server() as server:
        full = _cli_filling_up(server, 4096, "import", str(source))
        assert full.returncode == 4, full.stderr
        assert "leadconnector: file error: File too large; progress is saved: rerun " in (
            full.stderr
        )
        assert "Traceback" not in full.stderr
        assert "never retrieved" not in full.stderr
        resumed = cli(server, "import", str(source), "--resume")
        assert resumed.returncode == 1, resumed.stderr
        emails = sorted(str(c["email"]) for c in exported(server, tmp_path / "out.ndjson"))
    assert emails == sorted(f"p{n}@x.com" for n in range(1, rows, 2))
    rejected = sorted(int(r["rejected_line"]) for r in rejects_of(tmp_path / "in.csv.rejects.csv"))
    assert rejected == list(range(2, rows + 2, 2))
    assert json.loads((tmp_path / "in.csv.journal").read_text().splitlines()[1]) == {
        "complete": True,
        "rejects": rows // 2,
    }
