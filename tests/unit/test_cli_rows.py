"""Import-file parsing: column mapping, per-row verdicts, whole-file errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import leadconnector_async as lc
from leadconnector_async.cli.output import ContactWriter
from leadconnector_async.cli.rows import ImportFileError, Row, RowError, read_rows
from leadconnector_async.cli.settings import account_from_env


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(text)
    return path


def test_csv_columns_map_in_both_spellings_with_tags_and_custom_fields(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "first_name,lastName,email,tags,custom:colour,custom_id:f1,dnd\n"
        "Ann,Lee,ann@x.com,vip; new ,blue,7,yes\n",
    )
    [row] = list(read_rows(path))
    assert isinstance(row, Row)
    assert row.line == 2
    c = row.contact
    assert (c.first_name, c.last_name, c.email, c.tags, c.dnd) == (
        "Ann", "Lee", "ann@x.com", ["vip", "new"], True,
    )  # fmt: skip
    assert c.custom_fields == [
        lc.CustomFieldInput(key="colour", field_value="blue"),
        lc.CustomFieldInput(id="f1", field_value="7"),
    ]


def test_a_bad_row_is_rejected_alone_naming_line_and_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, "email,dnd\na@x.com,no\nnot-an-email,no\nb@x.com,maybe\n,\nc@x.com,1\n")
    verdicts = list(read_rows(path))
    assert [type(v).__name__ for v in verdicts] == ["Row", "RowError", "RowError", "Row"]
    bad_email, bad_bool = verdicts[1], verdicts[2]
    assert isinstance(bad_email, RowError)
    assert (bad_email.line, bad_email.column) == (3, "email")
    assert "valid email" in str(bad_email)
    assert isinstance(bad_bool, RowError)
    assert str(bad_bool).startswith("line 4, column 'dnd'")
    assert verdicts[3].line == 6


def test_a_row_with_the_wrong_number_of_cells_is_rejected(tmp_path: Path) -> None:
    [verdict] = list(read_rows(_csv(tmp_path, "email,city\na@x.com,Oslo,extra\n")))
    assert isinstance(verdict, RowError)
    assert "3 cells" in verdict.reason


def test_unknown_columns_stop_the_import_before_any_row(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="'favourite'"):
        read_rows(_csv(tmp_path, "email,favourite\na@x.com,x\n"))


def test_missing_file_is_a_file_error_before_iteration(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="No such file"):
        read_rows(tmp_path / "nope.csv")


def test_an_unknown_ndjson_key_rejects_only_its_row(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"email": "a@x.com", "shoe": 9}\n{"email": "b@x.com"}\n')
    first, second = read_rows(path)
    assert isinstance(first, RowError)
    assert "'shoe'" in first.reason
    assert isinstance(second, Row)


def test_ndjson_rows_keep_types_and_report_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.ndjson"
    path.write_text(
        json.dumps({"email": "a@x.com", "tags": ["t1", "t2"], "dnd": False}) + "\n"
        "{not json\n"
        + json.dumps({"firstName": 5}) + "\n"
        + json.dumps([1, 2]) + "\n"
    )  # fmt: skip
    verdicts = list(read_rows(path))
    first = verdicts[0]
    assert isinstance(first, Row)
    assert first.contact.tags == ["t1", "t2"]
    assert [v.line for v in verdicts[1:]] == [2, 3, 4]
    assert all(isinstance(v, RowError) for v in verdicts[1:])
    assert "firstName" in str(verdicts[2])


def test_resuming_skips_earlier_lines(tmp_path: Path) -> None:
    path = _csv(tmp_path, "email\na@x.com\nb@x.com\nc@x.com\n")
    assert [v.line for v in read_rows(path, start_line=3)] == [3, 4]


def test_exported_csv_can_be_imported_again(tmp_path: Path) -> None:
    contact = lc.Contact(
        id="c1", first_name="Ann", email="ann@x.com", tags=["a", "b"], dnd=False,
        custom_fields=[lc.CustomFieldValue(id="f1", value="blue")], date_added="2024-01-01",
    )  # fmt: skip
    out = tmp_path / "out.csv"
    with ContactWriter(out) as writer:
        writer.write(contact)
    [row] = list(read_rows(out))
    assert isinstance(row, Row)
    assert (row.contact.first_name, row.contact.tags, row.contact.dnd) == ("Ann", ["a", "b"], False)
    assert row.contact.custom_fields == [lc.CustomFieldInput(id="f1", field_value="blue")]


def test_ndjson_export_is_the_full_contact(tmp_path: Path) -> None:
    out = tmp_path / "out.ndjson"
    with ContactWriter(out) as writer:
        writer.write(lc.Contact(id="c1", email="a@x.com", tags=["t"]))
    assert json.loads(out.read_text()) == {"id": "c1", "email": "a@x.com", "tags": ["t"]}


def test_account_comes_from_env_or_a_file_never_half_set(tmp_path: Path) -> None:
    assert account_from_env({}) is None
    token_file = tmp_path / "token"
    token_file.write_text("secret-pit\n")
    account = account_from_env(
        {"LEADCONNECTOR_TOKEN_FILE": str(token_file), "LEADCONNECTOR_LOCATION_ID": "loc"}
    )
    assert account is not None
    assert account.token == "secret-pit"
    assert "secret-pit" not in repr(account)
    with pytest.raises(lc.ConfigurationError, match="LEADCONNECTOR_LOCATION_ID"):
        account_from_env({"LEADCONNECTOR_TOKEN": "t"})


def test_a_checkpoint_remembers_rows_finished_out_of_order(tmp_path: Path) -> None:
    from leadconnector_async.cli.import_cmd import _Ledger
    from leadconnector_async.cli.journal import Checkpoint, RejectsFile

    source = _csv(tmp_path, "email\n" + "".join(f"p{n}@x.com\n" for n in range(6)))
    ledger = _Ledger()
    ledger.of_index.extend([2, 3, 4, 5, 6, 7])  # job index -> file line
    ledger.last_read = 7
    ledger.finished(0, job_checkpoint=1)
    ledger.finished(3, job_checkpoint=1)  # row 3 (line 5) done while rows 1-2 are in flight
    ledger.finished(4, job_checkpoint=1)
    checkpoint = ledger.checkpoint(source, job_checkpoint=1)
    assert (checkpoint.next_line, checkpoint.done_lines) == (3, (5, 6))
    checkpoint.save(source)
    loaded = Checkpoint.load(source)
    assert loaded == checkpoint
    assert loaded is not None
    assert [line for line in range(2, 8) if not loaded.is_done(line)] == [3, 4, 7]

    rejects = RejectsFile(tmp_path / "r.csv")
    rejects.write(2, "email", "bad", {})
    rejects.write(4, None, "in flight when interrupted", {})
    rejects.write(6, None, "API error, finished", {})
    rejects.close()
    again = RejectsFile(tmp_path / "r.csv", resumed=loaded)
    again.close()
    assert again.count == 2  # lines 2 and 6 were finished; line 4 is judged again
