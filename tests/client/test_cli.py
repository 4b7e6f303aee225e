"""The command line driven as a subprocess against a fake server in its own process."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ._cli import (
    NO_ACCOUNT,
    PYTHON,
    cli,
    exported,
    fake_server,
    rejects_of,
    requests_beyond_429s,
    write_csv,
)


@pytest.fixture
def server() -> Iterator[dict[str, str]]:
    with fake_server() as env:
        yield env


def test_import_reports_bad_rows_and_stores_the_rest(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "people.csv", 60, bad={5: "nope", 40: "x@"})
    done = cli(server, "import", str(source))
    assert done.returncode == 1, done.stderr
    assert "ok 58 (created 58, updated 0), rejected 2" in done.stdout
    rejects = rejects_of(tmp_path / "people.csv.rejects.csv")
    assert [(r["rejected_line"], r["rejected_column"]) for r in rejects] == [
        ("7", "email"),
        ("42", "email"),
    ]
    assert "not a valid email" in rejects[0]["rejected_reason"]
    emails = sorted(str(c["email"]) for c in exported(server, tmp_path / "out.ndjson"))
    assert emails == sorted(f"person{n}@example.com" for n in range(60) if n not in (5, 40))


def test_a_messy_crm_export_imports_without_flags(server: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "crm.csv"
    export = (
        "\ufeffFirst Name,Last Name,E-mail,Phone Number,Company,Zip,Tags\r\n"
        ' Zoë ,Ångström,ZOE@Example.COM,+44 20 7946 0958,"Acme, Inc.",SW1A 1AA,"news,webinar"\r\n'
        'José,"Núñez\r\nJr.",jose@example.com,+1 (415) 555-0132,Núñez & Co,94103,vip; paying\r\n'
    )
    source.write_bytes(export.encode())
    done = cli(server, "import", str(source))
    assert done.returncode == 0, done.stderr
    by_email = {c["email"]: c for c in exported(server, tmp_path / "out.ndjson")}
    zoe, jose = by_email["zoe@example.com"], by_email["jose@example.com"]
    assert (zoe["firstName"], zoe["lastName"], zoe["phone"], zoe["companyName"]) == (
        "Zoë",
        "Ångström",
        "+442079460958",
        "Acme, Inc.",
    )
    assert (zoe["postalCode"], sorted(zoe["tags"])) == ("SW1A 1AA", ["news", "webinar"])
    assert (jose["lastName"], jose["phone"], sorted(jose["tags"])) == (
        "Núñez\r\nJr.",
        "+14155550132",
        ["paying", "vip"],
    )


def test_import_adds_tags_and_replaces_them_only_when_asked(
    server: dict[str, str], tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text('email,tags\nann@x.com,"vip,paying-customer"\n')
    assert cli(server, "import", str(first)).returncode == 0
    webinar = tmp_path / "webinar.csv"
    webinar.write_text("email,tags\nann@x.com,webinar-2026\n")
    done = cli(server, "import", str(webinar))
    assert done.returncode == 0, done.stderr
    assert "updated 1" in done.stdout
    assert "requests 2" in done.stdout  # the upsert without tags, then the tags added
    [ann] = exported(server, tmp_path / "a.ndjson")
    assert sorted(ann["tags"]) == ["paying-customer", "vip", "webinar-2026"]
    assert cli(server, "import", str(webinar), "--tags", "replace").returncode == 0
    [ann] = exported(server, tmp_path / "b.ndjson")
    assert ann["tags"] == ["webinar-2026"]


def test_added_tags_cost_one_bulk_request_per_group_not_one_per_row(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "people.csv", 100)  # tags "c" or "a;b", alternately
    done = cli(server, "import", str(source))
    assert done.returncode == 0, done.stderr
    assert requests_beyond_429s(done.stdout) == 102  # 100 upserts, a bulk request per tag set
    again = tmp_path / "again.csv"
    again.write_text("email,tags\n" + "".join(f"person{n}@example.com,d\n" for n in range(100)))
    done = cli(server, "import", str(again))
    assert done.returncode == 0, done.stderr
    assert "updated 100" in done.stdout
    assert requests_beyond_429s(done.stdout) == 102  # one tag set: 2 bulk requests of 50
    tags = {str(c["email"]): sorted(c["tags"]) for c in exported(server, tmp_path / "o.ndjson")}
    assert tags == {
        f"person{n}@example.com": ["a", "b", "d"] if n % 2 else ["c", "d"] for n in range(100)
    }


def test_national_phone_numbers_import_without_flags_and_the_summary_says_so_once(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "us.csv"
    source.write_text("Email,Phone Number\nann@x.com, (512) 555-0101 \nbob@x.com,512.555.0102\n")
    done = cli(server, "import", str(source))
    assert done.returncode == 0, done.stderr
    assert "ok 2 (created 2" in done.stdout
    assert done.stdout.count("2 phone numbers have no country code") == 1
    assert "--default-region (e.g. US) normalises them" in done.stdout
    phones = {c["email"]: c["phone"] for c in exported(server, tmp_path / "a.ndjson")}
    assert phones == {"ann@x.com": "(512) 555-0101", "bob@x.com": "512.555.0102"}
    done = cli(server, "import", str(source), "--default-region", "US")
    assert done.returncode == 0, done.stderr
    assert "no country code" not in done.stdout
    phones = {c["email"]: c["phone"] for c in exported(server, tmp_path / "b.ndjson")}
    assert phones == {"ann@x.com": "+15125550101", "bob@x.com": "+15125550102"}


def test_map_names_columns_and_an_unknown_one_is_reported_before_sending(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "odd.csv"
    source.write_text("Mail Primary,Frist Name,Notes\nann@x.com,Ann,call\n")
    refused = cli(server, "import", str(source))
    assert refused.returncode == 2
    assert "'Frist Name': closest fields first_name" in refused.stderr
    assert "'Mail Primary'" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert exported(server, tmp_path / "none.ndjson") == []
    repeated = cli(
        server,
        "import",
        str(source),
        "--map",
        "Mail Primary=email",
        "--map",
        "Frist Name=email",
        "--map",
        "Notes=-",
    )
    assert repeated.returncode == 2
    assert "'Mail Primary' and 'Frist Name' both fill email" in repeated.stderr
    mapped = cli(
        server,
        "import",
        str(source),
        "--map",
        "Mail Primary=email",
        "--map",
        "Frist Name=first_name",
        "--map",
        "Notes=-",
    )
    assert mapped.returncode == 0, mapped.stderr
    [ann] = exported(server, tmp_path / "out.ndjson")
    assert (ann["email"], ann["firstName"]) == ("ann@x.com", "Ann")


def test_repeats_in_the_file_are_reported_not_merged(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "dup.csv"
    source.write_text("email,first_name\nann@x.com,Ann\nANN@x.com,Annie\n")
    done = cli(server, "import", str(source))
    assert done.returncode == 1
    [reject] = rejects_of(tmp_path / "dup.csv.rejects.csv")
    assert reject["rejected_line"] == "3"
    assert "same email as line 2" in reject["rejected_reason"]
    [ann] = exported(server, tmp_path / "out.ndjson")
    assert ann["firstName"] == "Ann"


def test_rows_without_email_or_phone_are_refused_by_upsert_and_created_with_create(
    server: dict[str, str], tmp_path: Path
) -> None:
    """An upsert of such a row matches nothing, so each run would create it again."""
    source = tmp_path / "people.csv"
    source.write_text("first_name,last_name,email\nAnn,Lee,\nBob,Ray,bob@x.com\nCy,Po,\n")
    for _ in range(2):  # a rerun of the same file creates nothing more
        done = cli(server, "import", str(source))
        assert done.returncode == 1, done.stderr
        assert "rejected 2, requests 1," in done.stdout
        assert len(exported(server, tmp_path / "out.ndjson")) == 1
    rejects = rejects_of(tmp_path / "people.csv.rejects.csv")
    assert [r["rejected_line"] for r in rejects] == ["2", "4"]
    assert all("no email or phone" in r["rejected_reason"] for r in rejects)
    assert all("--create" in r["rejected_reason"] for r in rejects)
    created = cli(server, "import", str(tmp_path / "people.csv.rejects.csv"), "--create")
    assert created.returncode == 0, created.stderr
    names = sorted(str(c["firstName"]) for c in exported(server, tmp_path / "out.ndjson"))
    assert names == ["Ann", "Bob", "Cy"]


def test_the_rejects_file_imports_again_once_fixed(server: dict[str, str], tmp_path: Path) -> None:
    source = write_csv(tmp_path / "people.csv", 5, bad={2: "p2@example"})
    assert cli(server, "import", str(source)).returncode == 1
    rejects = tmp_path / "people.csv.rejects.csv"
    rejects.write_text(rejects.read_text().replace("p2@example,", "p2@example.com,"))
    fixed = cli(server, "import", str(rejects))
    assert fixed.returncode == 0, fixed.stderr
    emails = {c["email"] for c in exported(server, tmp_path / "out.ndjson")}
    assert "p2@example.com" in emails
    assert len(emails) == 5


def test_export_round_trip_with_custom_fields_only_on_later_contacts(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("email,first_name,custom_id:f1\na@x.com,A,\nb@x.com,B,gold\n")
    assert cli(server, "import", str(source)).returncode == 0
    done = cli(server, "export", str(tmp_path / "out.csv"))
    assert done.returncode == 0, done.stderr
    assert "exported: 2 contacts" in done.stdout
    assert requests_beyond_429s(done.stdout) == 2  # the custom fields, one search page
    with (tmp_path / "out.csv").open(newline="") as handle:
        back = {r["email"]: r for r in csv.DictReader(handle)}
    assert (back["a@x.com"]["custom_id:f1"], back["b@x.com"]["custom_id:f1"]) == ("", "gold")
    again = cli(server, "import", str(tmp_path / "out.csv"))
    assert again.returncode == 0, again.stderr
    assert "updated 2" in again.stdout


def test_export_to_stdout_an_empty_csv_and_a_missing_folder(
    server: dict[str, str], tmp_path: Path
) -> None:
    write_csv(tmp_path / "in.csv", 3)
    assert cli(server, "import", str(tmp_path / "in.csv")).returncode == 0
    to_stdout = cli(server, "export", "-")
    assert to_stdout.returncode == 0, to_stdout.stderr
    assert to_stdout.stdout.splitlines()[0].startswith("id,first_name,last_name,email")
    assert len(to_stdout.stdout.splitlines()) == 4
    assert not (Path.cwd() / "-").exists()
    empty = cli(server, "export", str(tmp_path / "none.csv"), "--tag", "no-such-tag")
    assert empty.returncode == 0, empty.stderr
    assert (tmp_path / "none.csv").read_text().startswith("id,first_name")
    missing = cli(server, "export", str(tmp_path / "no" / "such" / "out.csv"))
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_export_to_a_folder_is_a_usage_error_before_anything_is_sent(
    server: dict[str, str], tmp_path: Path
) -> None:
    write_csv(tmp_path / "in.csv", 3)
    assert cli(server, "import", str(tmp_path / "in.csv")).returncode == 0
    for name in ("out.csv", "out.ndjson"):
        (tmp_path / name).mkdir()
        done = cli(server, "export", str(tmp_path / name))
        assert done.returncode == 2, done.stderr
        assert "is a folder" in done.stderr
        assert "Traceback" not in done.stderr
        assert not (tmp_path / f"{name}.partial").exists()


def test_export_to_a_reader_that_leaves_early_ends_quietly(
    server: dict[str, str], tmp_path: Path
) -> None:
    write_csv(tmp_path / "in.csv", 3)
    assert cli(server, "import", str(tmp_path / "in.csv")).returncode == 0
    # As in `export - | head -0`: the reader is gone before the export writes a byte.
    command = [PYTHON, "-m", "leadconnector_async", "export", "-"]
    with subprocess.Popen(
        command, env=server, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.close()
        said = process.stderr.read()
    assert process.returncode == 141, said
    assert said == ""


def test_an_export_query_too_long_is_refused_before_anything_is_sent() -> None:
    # Nothing listens at the URL: a request sent first would stop the export (exit 3) instead.
    nowhere = {
        **NO_ACCOUNT,
        "LEADCONNECTOR_TOKEN": "test-token",
        "LEADCONNECTOR_LOCATION_ID": "test-location",
        "LEADCONNECTOR_BASE_URL": "http://127.0.0.1:9",
    }
    done = cli(nowhere, "export", "-", "--query", "x" * 76)
    assert done.returncode == 2, done.stderr
    assert "75 characters" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_tab_delimiter_as_typed_reads_and_bad_reading_options_are_usage_errors(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email\tfirst_name\nann@x.com\tAnn\n")
    folder = tmp_path / "rejects"
    folder.mkdir()
    for args in (
        ("import", str(source), "--delimiter", ";;"),
        ("sync", str(source), "--delimiter", ""),
        ("import", str(source), "--encoding", "utf-16"),  # no BOM to tell its byte order
        ("sync", str(source), "--encoding", "rot13"),  # not a text encoding
        ("import", str(source), "--rejects", str(folder)),
        ("sync", str(source), "--rejects", str(folder)),
        ("sync", str(source), "--rejects", str(tmp_path / "no" / "r.csv")),
    ):
        refused = cli(server, *args)
        assert refused.returncode == 2, refused.stderr
        assert args[2] in refused.stderr
        assert "Traceback" not in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.csv", "rejects"]
    assert list(folder.iterdir()) == []
    for typed in ("\\t", "tab"):  # how a tab is typed in a shell: backslash-t, or its name
        done = cli(server, "import", str(source), "--delimiter", typed)
        assert done.returncode == 0, done.stderr
    [ann] = exported(server, tmp_path / "out.ndjson")
    assert (ann["email"], ann["firstName"]) == ("ann@x.com", "Ann")


def test_an_output_naming_the_input_file_is_refused_before_anything_is_read_or_sent(
    tmp_path: Path,
) -> None:
    # Nothing listens at the URL: a request sent first would stop the command (exit 3) instead.
    nowhere = {
        **NO_ACCOUNT,
        "LEADCONNECTOR_TOKEN": "test-token",
        "LEADCONNECTOR_LOCATION_ID": "test-location",
        "LEADCONNECTOR_BASE_URL": "http://127.0.0.1:9",
    }
    source = write_csv(tmp_path / "people.csv", 3, bad={1: "nope"})
    content = source.read_bytes()
    (tmp_path / "link.csv").symlink_to(source)
    (tmp_path / "hard.csv").hardlink_to(source)
    for args in (
        ("import", str(source), "--rejects", str(source)),
        ("import", str(source), "--rejects", str(tmp_path / "link.csv")),
        ("import", str(source), "--rejects", str(tmp_path / "hard.csv")),
        ("import", str(source), "--rejects", str(tmp_path / "." / "people.csv")),
        ("sync", str(source), "--rejects", str(source)),
        ("sync", str(source), "--dry-run", "--rejects", str(tmp_path / "hard.csv")),
    ):
        refused = cli(nowhere, *args)
        assert refused.returncode == 2, refused.stderr
        assert "would overwrite the input file" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert source.read_bytes() == content
    journal = cli(nowhere, "import", str(source), "--rejects", str(tmp_path / "people.csv.journal"))
    assert journal.returncode == 2, journal.stderr
    assert "would write the same file" in journal.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.csv", "link.csv", "people.csv"]


def test_no_credentials_is_a_usage_error_naming_the_setting(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", 2)
    for args in (("import", str(source)), ("export", str(tmp_path / "o.csv"))):
        done = cli(NO_ACCOUNT, *args)
        assert done.returncode == 2, done.stderr
        assert "LEADCONNECTOR_TOKEN" in done.stderr
        assert "LEADCONNECTOR_LOCATION_ID" in done.stderr
    assert not (tmp_path / "o.csv").exists()
    half = cli({**NO_ACCOUNT, "LEADCONNECTOR_TOKEN": "t"}, "export", str(tmp_path / "o.csv"))
    assert half.returncode == 2
    assert "LEADCONNECTOR_LOCATION_ID not set" in half.stderr
    fake = cli(NO_ACCOUNT, "--fake", "import", str(source))
    assert fake.returncode == 0, fake.stderr
    assert "embedded fake server" in fake.stderr


def test_a_token_file_that_is_not_utf8_is_a_usage_error_without_its_content(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "token"
    secret.write_bytes(b"pit-s3cr3t-\xff\xfe-token\n")
    env = {
        **NO_ACCOUNT,
        "LEADCONNECTOR_TOKEN_FILE": str(secret),
        "LEADCONNECTOR_LOCATION_ID": "loc",
    }
    source = write_csv(tmp_path / "in.csv", 2)
    for args in (("import", str(source)), ("sync", str(source)), ("export", "-")):
        done = cli(env, *args)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert f"LEADCONNECTOR_TOKEN_FILE={secret}" in done.stderr
        assert "not UTF-8" in done.stderr
        assert "s3cr3t" not in done.stderr + done.stdout


def test_an_unreachable_server_stops_the_job_with_its_progress(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("email\n" + "".join(f"p{n}@x.com\n" for n in range(100)))
    env = {
        **NO_ACCOUNT,
        "LEADCONNECTOR_TOKEN": "t",
        "LEADCONNECTOR_LOCATION_ID": "loc",
        "LEADCONNECTOR_BASE_URL": "http://127.0.0.1:9",
    }
    done = cli(env, "import", str(source))
    assert done.returncode == 3, done.stderr
    assert "TransportError" in done.stderr
    assert "--resume" in done.stderr
    assert rejects_of(tmp_path / "in.csv.rejects.csv") == []
    assert (tmp_path / "in.csv.journal").exists()
    export = cli(env, "export", str(tmp_path / "out.ndjson"))
    assert export.returncode == 3, export.stderr
    assert "TransportError" in export.stderr
    assert not list(tmp_path.glob("out.ndjson*"))


def test_a_refused_token_stops_the_job_and_resume_finishes_it(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("email\n" + "".join(f"p{n}@x.com\n" for n in range(30)))
    refused = cli({**server, "LEADCONNECTOR_TOKEN": "wrong"}, "import", str(source))
    assert refused.returncode == 3, refused.stderr
    assert "AuthenticationError" in refused.stderr
    assert "rejected 0" in refused.stdout
    resumed = cli(server, "import", str(source), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert len(exported(server, tmp_path / "out.ndjson")) == 30


def test_saved_progress_is_never_discarded_by_a_rerun_without_resume(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "in.csv", 5)
    journal = tmp_path / "in.csv.journal"
    journal.write_text("not json}\n")
    for args in (
        ("import", str(source)),
        ("import", str(source), "--concurrency", "x"),
        ("import", str(source), "--map", "nope"),
        ("import", str(source), "--encoding", "no-such-codec"),
        ("import", str(source), "--rejects", str(tmp_path / "no" / "r.csv")),
    ):
        refused = cli(server, *args)
        assert refused.returncode == 2
        assert "Traceback" not in refused.stderr
        assert journal.read_text() == "not json}\n"
    again = cli(server, "import", str(source))
    assert "--resume" in again.stderr
    assert "--restart" in again.stderr
    damaged = cli(server, "import", str(source), "--resume")
    assert damaged.returncode == 2
    assert "damaged" in damaged.stderr
    assert "Traceback" not in damaged.stderr
    restarted = cli(server, "import", str(source), "--restart")
    assert restarted.returncode == 0, restarted.stderr
    assert '"complete"' in journal.read_text()
    assert cli(server, "import", str(source)).returncode == 0  # a finished journal never blocks


def test_version_global_options_after_the_command_and_exit_codes_in_help() -> None:
    version = subprocess.run(
        [PYTHON, "-m", "leadconnector_async", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert version.returncode == 0
    assert version.stdout.startswith("leadconnector 0.")
    helped = subprocess.run(
        [PYTHON, "-m", "leadconnector_async", "import", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "130" in helped.stdout
    assert "--rate-limit" in helped.stdout


def _help(*command: str) -> str:
    done = subprocess.run(
        [PYTHON, "-m", "leadconnector_async", *command, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_each_command_help_states_its_own_exit_codes() -> None:
    assert "rerun with --resume" in _help("import")
    for command in ("sync", "export"):
        helped = _help(command)
        assert "130" in helped
        assert "--resume" not in helped  # neither command has one
    exported = _help("export")
    assert "rejects file" not in exported  # an export rejects nothing
    assert "OUT is not written" in exported


def test_ndjson_rejects_are_ndjson(server: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    source.write_text(json.dumps({"email": "a@x.com"}) + "\n" + json.dumps({"email": "b@"}) + "\n")
    assert cli(server, "import", str(source)).returncode == 1
    [reject] = [
        json.loads(t) for t in (tmp_path / "in.ndjson.rejects.ndjson").read_text().splitlines()
    ]
    assert (reject["email"], reject["rejected_line"]) == ("b@", 2)


def test_an_ndjson_row_that_is_not_utf8_is_rejected_by_import_and_sync(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "in.ndjson"
    source.write_bytes(
        '{"email": "a@x.com", "first_name": "Zoë"}\n'.encode()
        + b'{"email": "b@x.com", "first_name": "Ren\xe9"}'  # in the sniffer's last 3 bytes
    )
    rejects = tmp_path / "in.ndjson.rejects.ndjson"
    for command in ("import", "sync"):
        done = cli(server, command, str(source))
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        [reject] = [json.loads(t) for t in rejects.read_text(encoding="utf-8").splitlines()]
        assert (reject["email"], reject["first_name"], reject["rejected_line"]) == (
            "b@x.com",
            "Ren\ufffd",
            2,
        )
        assert "not valid utf-8 text" in reject["rejected_reason"]
    [stored] = exported(server, tmp_path / "out.ndjson")
    assert (stored["email"], stored["firstName"]) == ("a@x.com", "Zoë")


def test_utf16_without_a_bom_and_nul_cells_are_never_sent(
    server: dict[str, str], tmp_path: Path
) -> None:
    utf16 = tmp_path / "unicode.csv"
    utf16.write_bytes("email,first_name\r\nann@x.com,Ann\r\nbob@x.com,Bob\r\n".encode("utf-16-le"))
    refused = cli(server, "import", str(utf16))
    assert refused.returncode == 2, refused.stderr
    assert "--encoding utf-16-le" in refused.stderr
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"email,first_name\nann@x.com,An\x00n\nbob@x.com,Bob\n")
    done = cli(server, "import", str(nul))
    assert done.returncode == 1, done.stderr
    [reject] = rejects_of(tmp_path / "nul.csv.rejects.csv")
    assert (reject["rejected_line"], reject["rejected_column"], reject["first_name"]) == (
        "2",
        "first_name",
        "An\x00n",
    )
    [stored] = exported(server, tmp_path / "out.ndjson")
    assert (stored["email"], stored["firstName"]) == ("bob@x.com", "Bob")


def _demo(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [PYTHON, "-m", "leadconnector_async", "demo", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=NO_ACCOUNT,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_demo_imports_syncs_and_exports_and_every_path_it_prints_exists() -> None:
    done = _demo()
    folder = Path(done.stdout.split("writing its files to ", 1)[1].split()[0])
    try:
        assert "imported: ok 2995" in done.stdout
        assert "no client rate limit" in done.stdout
        assert "rejected line 102, column email" in done.stdout
        assert "same phone as line 1451" in done.stdout
        assert "dry run: would create 3, update 30, leave 2965 unchanged" in done.stdout
        # 6 reads, 20 updates, 3 upserts and one bulk tag request for the 10 tagged rows
        assert "synced: created 3, updated 30, unchanged 2965, rejected 5; 30 requests" in (
            done.stdout
        )
        assert "exported: 2998 contacts" in done.stdout
        assert "2998 contacts, 2998 distinct emails" in done.stdout
        paths = [Path(p) for p in re.findall(r"(/\S+\.(?:csv|ndjson))\b", done.stdout)]
        assert len(paths) >= 3
        assert all(p.is_relative_to(folder) for p in paths), paths
        assert [p for p in paths if not p.is_file()] == []
        exported = [json.loads(t) for t in (folder / "contacts.ndjson").read_text().splitlines()]
        assert sum("demo-sync" in c.get("tags", []) for c in exported) == 10
    finally:
        shutil.rmtree(folder)


def test_demo_out_writes_its_files_where_asked(tmp_path: Path) -> None:
    done = _demo("--out", str(tmp_path / "demo"), "--rate-limit", "100000/10")
    assert "demo: rate limit 100000 requests per 10 s" in done.stdout  # the global option holds
    assert f"writing its files to {tmp_path / 'demo'}" in done.stdout
    assert {p.name for p in (tmp_path / "demo").iterdir()} >= {
        "sample_contacts.csv.rejects.csv",
        "sample_contacts_changed.csv",
        "contacts.ndjson",
    }
