"""The import journal's record of rows leased but never sent, across stops and resumes."""

from __future__ import annotations

import json
from pathlib import Path

from leadconnector_async.cli.journal import Journal, ResumeState, load_journal
from leadconnector_async.cli.rejects import RejectsFile


def _journal(source: Path, resumed: ResumeState | None = None) -> Journal:
    rejects = RejectsFile(source.with_name("rejects.csv"), ["email"])
    return Journal(source, rejects, resumed)


def test_a_stop_records_the_leased_rows_it_never_handed_over(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email\n" + "a@x.com\n" * 6)
    journal = _journal(source)
    journal.lease([2, 3, 4, 5, 6, 7])
    for line in (2, 3, 4, 5):
        journal.sending(line)
    journal.done(2)
    journal.unapplied(4)  # refused before it acted (a 401, a 429)
    journal.close(finished=False)

    state = load_journal(source)
    assert state.is_finished(2)
    assert [line for line in range(2, 8) if state.maybe_sent(line)] == [3, 5]
    assert state.unsent == {4, 6, 7}


def test_a_row_leased_again_after_a_stop_is_unsure_again_after_a_crash(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email\n" + "a@x.com\n" * 6)
    first = _journal(source)
    first.lease([2, 3, 4, 5, 6, 7])
    first.sending(2)
    first.close(finished=False)  # 3-7 never handed over

    second = _journal(source, load_journal(source))
    second.lease([2, 3, 4])  # below the first run's lease: recorded all the same
    second.sending(3)
    # killed here: no close, nothing more written

    state = load_journal(source)
    assert [line for line in range(2, 8) if state.maybe_sent(line)] == [2, 3, 4]
    assert state.unsent == {5, 6, 7}


def test_a_resumed_run_that_stops_keeps_the_earlier_runs_unsure_rows(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email\n" + "a@x.com\n" * 4)
    first = _journal(source)
    first.lease([2, 3, 4, 5])
    first.sending(2)  # in flight when it was killed
    first.sending(3)

    second = _journal(source, load_journal(source))
    second.lease([2, 3, 4, 5])
    second.sending(2)
    second.unapplied(2)  # this run's attempt was refused; the first run's may have landed
    second.close(finished=False)

    state = load_journal(source)
    assert [line for line in range(2, 6) if state.maybe_sent(line)] == [2, 3, 4, 5]
    assert state.unsent == set()


def test_the_journal_names_the_rejects_file_and_one_from_before_that_still_loads(
    tmp_path: Path,
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email\na@x.com\n")
    _journal(source).close(finished=False)
    assert load_journal(source).rejects == tmp_path / "rejects.csv"
    journal = tmp_path / "people.csv.journal"
    header, rest = journal.read_text().split("\n", 1)
    older = json.loads(header)
    del older["rejects"]
    journal.write_text(json.dumps(older) + "\n" + rest)
    assert load_journal(source).rejects is None
