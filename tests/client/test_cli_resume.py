"""Interrupted imports resume without losing a reject or repeating a row: Ctrl-C and kill -9."""

from __future__ import annotations

import json
import random
import signal
import subprocess
from collections import Counter
from pathlib import Path

from ._cli import PYTHON, cli, exported, fake_server, rejects_of, write_csv


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(env: dict[str, str], *args: str, limit: str = "50/0.5") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PYTHON, "-m", "leadconnector_async", "--rate-limit", limit, "import", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A runner started with SIGINT ignored (``cmd &`` in a script) passes that on; the
        # child must get Python's usual Ctrl-C handling whatever this process inherited.
        preexec_fn=_default_sigint,
    )


def test_interrupted_import_resumes_without_losing_or_doubling_a_row(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "big.csv", 400)
    with fake_server() as server:
        # Tags replaced: each row is finished with its upsert (added tags finish rows in bulk
        # requests, later; the kill -9 test below covers that).
        first = _start(server, str(source), "--tags", "replace")
        assert first.stderr is not None
        assert "rows" in first.stderr.readline()  # the first progress line: under way
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=30)
        assert first.returncode == 130
        assert "--resume" in err
        assert (tmp_path / "big.csv.journal").exists()
        resumed = cli(server, "import", str(source), "--resume", "--tags", "replace")
        assert resumed.returncode == 0, resumed.stderr
        assert "finished earlier" in resumed.stdout
        assert '"complete"' in (tmp_path / "big.csv.journal").read_text()
        emails = [str(c["email"]) for c in exported(server, tmp_path / "all.ndjson")]
    assert sorted(emails) == sorted(f"person{n}@example.com" for n in range(400))


def test_kill_9_at_random_points_then_resume_creates_each_row_once_and_keeps_every_reject(
    tmp_path: Path,
) -> None:
    """``--create`` on a location that allows duplicates, so a repeated create would show."""
    rows, limit = 400, "100/0.5"
    bad = {n: f"broken{n}@" for n in range(7, rows, 31)}
    source = write_csv(tmp_path / "big.csv", rows, bad=bad)
    rng = random.Random(17)
    with fake_server("--allow-duplicates", "--rate-limit", "100") as server:
        run = _start(server, str(source), "--create", limit=limit)
        kills = 0
        for _ in range(5):
            assert run.stderr is not None
            run.stderr.readline()  # the first progress line: rows are being sent
            try:
                run.wait(timeout=rng.uniform(0.0, 0.5))  # then kill at a random moment
                break
            except subprocess.TimeoutExpired:
                run.kill()
                run.communicate(timeout=30)
                kills += 1
            run = _start(server, str(source), "--create", "--resume", limit=limit)
        out, err = run.communicate(timeout=60)
        assert run.returncode == 1, err
        emails = Counter(str(c["email"]) for c in exported(server, tmp_path / "all.ndjson"))
    assert kills >= 3, "the import finished before it could be killed a few times"
    assert max(emails.values()) == 1, [e for e, n in emails.items() if n > 1]
    assert set(emails) == {f"person{n}@example.com" for n in range(rows) if n not in bad}
    rejects = rejects_of(tmp_path / "big.csv.rejects.csv")
    assert sorted(int(r["rejected_line"]) for r in rejects) == sorted(n + 2 for n in bad)
    assert f"rejected {len(bad)}" in out


def test_kill_9_while_tags_wait_for_their_bulk_request_then_resume_adds_every_tag(
    tmp_path: Path,
) -> None:
    """Rows are upserted without their tags, which are added later for many rows at once: a
    row is finished only then, so a kill in between leaves it for ``--resume``."""
    rows = 400
    source = write_csv(tmp_path / "big.csv", rows)  # tags "c" or "a;b", alternately
    with fake_server() as server:
        run = _start(server, str(source))
        assert run.stderr is not None
        run.stderr.readline()  # the first progress line: rows are being upserted
        run.kill()
        run.communicate(timeout=30)
        assert run.returncode == -signal.SIGKILL
        before = exported(server, tmp_path / "before.ndjson")
        assert any(not c.get("tags") for c in before), "no row was waiting for its tags"
        resumed = cli(server, "import", str(source), "--resume")
        assert resumed.returncode == 0, resumed.stderr
        after = exported(server, tmp_path / "after.ndjson")
    tags = {str(c["email"]): sorted(c["tags"]) for c in after}
    assert tags == {f"person{n}@example.com": ["a", "b"] if n % 2 else ["c"] for n in range(rows)}


def test_resume_after_a_kill_that_tore_the_last_ndjson_reject_keeps_the_saved_ones(
    tmp_path: Path,
) -> None:
    """Rejects are buffered between syncs, so a kill -9 can leave half a line at the end of
    the rejects file; the journal never named it, so a resume drops it and carries on."""
    source = tmp_path / "in.ndjson"
    source.write_text(
        "".join(
            json.dumps({"email": f"p{n}@x.com" if n % 3 else f"bad{n}@"}) + "\n" for n in range(30)
        )
    )
    rejects = tmp_path / "in.ndjson.rejects.ndjson"
    with fake_server() as server:
        refused = cli({**server, "LEADCONNECTOR_TOKEN": "wrong"}, "import", str(source))
        assert refused.returncode == 3, refused.stderr
        with rejects.open("a") as handle:
            handle.write('{"email": "bad99@", "rejected_li')  # torn mid-write by the kill
        resumed = cli(server, "import", str(source), "--resume")
        assert resumed.returncode == 1, resumed.stderr
        assert "Traceback" not in resumed.stderr
        emails = sorted(str(c["email"]) for c in exported(server, tmp_path / "out.ndjson"))
    assert emails == sorted(f"p{n}@x.com" for n in range(30) if n % 3)
    kept = [json.loads(t) for t in rejects.read_text().splitlines()]
    assert sorted(r["rejected_line"] for r in kept) == [n + 1 for n in range(0, 30, 3)]


def test_a_resume_counts_each_earlier_reject_once(tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    source.write_text(
        "".join(
            json.dumps({"email": f"p{n}@x.com" if n % 3 else f"bad{n}@"}) + "\n" for n in range(30)
        )
    )
    with fake_server() as server:
        refused = cli({**server, "LEADCONNECTOR_TOKEN": "wrong"}, "import", str(source))
        assert refused.returncode == 3, refused.stderr
        assert "ok 0 (created 0, updated 0), rejected 10," in refused.stdout
        resumed = cli(server, "import", str(source), "--resume")
    assert resumed.returncode == 1, resumed.stderr
    # 20 stored and the 10 rejects kept: 30 rows, none of them finished earlier as stored
    assert "ok 20 (created 20, updated 0), rejected 10, requests" in resumed.stdout
    assert "30/30 rows, 10 rejected" in resumed.stderr


def test_a_resume_adds_to_the_rejects_file_the_interrupted_run_was_given(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("email\n" + "".join(f"p{n}@x.com\n" if n % 3 else "bad\n" for n in range(30)))
    given = tmp_path / "given.csv"
    journal = tmp_path / "in.csv.journal"
    with fake_server() as server:
        refused = cli(
            {**server, "LEADCONNECTOR_TOKEN": "wrong"},
            "import",
            str(source),
            "--rejects",
            str(given),
        )
        assert refused.returncode == 3, refused.stderr
        saved = journal.read_bytes()
        elsewhere = tmp_path / "elsewhere.csv"
        other = cli(server, "import", str(source), "--resume", "--rejects", str(elsewhere))
        assert other.returncode == 2, other.stderr
        assert f"wrote its rejects to {given}" in other.stderr
        given.rename(tmp_path / "moved.csv")
        gone = cli(server, "import", str(source), "--resume")
        assert gone.returncode == 2, gone.stderr
        assert "held 10 rejected rows" in gone.stderr
        assert "Traceback" not in other.stderr + gone.stderr
        assert journal.read_bytes() == saved
        assert not elsewhere.exists()
        (tmp_path / "moved.csv").rename(given)
        resumed = cli(server, "import", str(source), "--resume")
    assert resumed.returncode == 1, resumed.stderr
    assert "ok 20 (created 20, updated 0), rejected 10," in resumed.stdout
    assert str(given) in resumed.stdout
    assert sorted(int(r["rejected_line"]) for r in rejects_of(given)) == list(range(2, 32, 3))
    assert not (tmp_path / "in.csv.rejects.csv").exists()
