"""Reading import files: column mapping, sniffing, row hygiene, per-row verdicts, file errors."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

import leadconnector_async as lc
from leadconnector_async.cli.columns import ColumnMap, ImportFileError
from leadconnector_async.cli.hygiene import Hygiene
from leadconnector_async.cli.output import ContactWriter
from leadconnector_async.cli.reading import ReadOptions, Row, RowError, open_contacts
from leadconnector_async.cli.rejects import RejectsFile
from leadconnector_async.cli.settings import account_from_env
from leadconnector_async.custom_fields import CustomFieldDirectory

MESSY = (
    "\ufeffFirst Name,Last Name,E-mail,Phone Number,Company,Zip,Tags,City\r\n"
    '  Zoë ,Ångström,ZOE@Example.COM,+44 20 7946 0958,"Acme, Inc.",SW1A 1AA,'
    '"newsletter,webinar",London\r\n'
    'José,"Núñez\r\nJr.",jose@example.com,+1 (415) 555-0132,Núñez & Co,94103,vip; paying,"San '
    'Francisco"\r\n'
)


def _write(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _read(path: Path, **options: object) -> list[Row | RowError]:
    with open_contacts(path, ReadOptions(**options)) as rows:  # type: ignore[arg-type]
        return list(rows)


def test_a_messy_crm_export_lands_where_a_person_expects(tmp_path: Path) -> None:
    first, second = _read(_write(tmp_path, MESSY))
    assert isinstance(first, Row)
    assert isinstance(second, Row)
    zoe, jose = first.contact, second.contact
    assert (zoe.first_name, zoe.last_name, zoe.email, zoe.phone) == (
        "Zoë",
        "Ångström",
        "zoe@example.com",
        "+442079460958",
    )
    assert (zoe.company_name, zoe.postal_code, zoe.tags, zoe.city) == (
        "Acme, Inc.",
        "SW1A 1AA",
        ["newsletter", "webinar"],
        "London",
    )
    assert (jose.last_name, jose.phone, jose.tags) == (
        "Núñez\r\nJr.",
        "+14155550132",
        ["vip", "paying"],
    )
    assert (first.line, second.line) == (2, 3)


def test_delimiter_and_encoding_are_sniffed(tmp_path: Path) -> None:
    path = _write(tmp_path, "Email;First Name;Tags\r\nann@x.com;Renée;a,b\r\n", encoding="cp1252")
    with open_contacts(path) as rows:
        assert (rows.delimiter, rows.encoding) == (";", "cp1252")
        [row] = list(rows)
    assert isinstance(row, Row)
    assert (row.contact.first_name, row.contact.tags) == ("Renée", ["a", "b"])


def test_a_utf8_file_with_a_stray_cp1252_byte_stays_utf8_and_rejects_that_row_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "merged.csv"
    path.write_bytes(
        "email,first_name\nzoe@x.com,Zoë\n".encode()
        + "rene@x.com,Renée\n".encode("cp1252")
        + b"max@x.com,Max\n"
    )
    with open_contacts(path) as rows:
        assert rows.encoding == "utf-8"
        zoe, rene, max_ = list(rows)
    assert isinstance(zoe, Row)
    assert zoe.contact.first_name == "Zoë"  # not "ZoÃ«"
    assert isinstance(rene, RowError)
    assert (rene.line, rene.raw) == (3, ["rene@x.com", "Ren\ufffde"])
    assert "not valid utf-8 text" in rene.reason
    assert "U+FFFD" in rene.reason
    assert isinstance(max_, Row)


def test_a_small_cp1252_file_whose_only_accent_ends_it_is_read_as_cp1252(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "email,first_name\nann@x.com,Ann\nrene@y.com,Renée\n", encoding="cp1252"
    )
    with open_contacts(path) as rows:
        assert rows.encoding == "cp1252"
        ann, rene = list(rows)
    assert isinstance(ann, Row)
    assert isinstance(rene, Row)
    assert rene.contact.first_name == "Renée"
    with open_contacts(path, ReadOptions(encoding="utf-8")) as rows:  # --encoding is obeyed
        assert rows.encoding == "utf-8"
        assert isinstance(list(rows)[1], RowError)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_refused_naming_the_encoding_to_pass(
    tmp_path: Path, encoding: str
) -> None:
    path = _write(tmp_path, "email,first_name\r\nann@x.com,Zoë\r\n", encoding=encoding)
    with pytest.raises(ImportFileError, match=f"UTF-16 .*--encoding {encoding}"):
        open_contacts(path)
    [row] = _read(path, encoding=encoding)
    assert isinstance(row, Row)
    assert (row.contact.email, row.contact.first_name) == ("ann@x.com", "Zoë")


def test_a_nul_in_a_value_rejects_its_row_and_zeros_in_a_damaged_file_do_not_refuse_it(
    tmp_path: Path,
) -> None:
    csv_path = tmp_path / "in.csv"
    csv_path.write_bytes(b"email,first_name\nann@x.com,An\x00n\nbob@x.com,Bob\n" + b"\x00" * 512)
    nul, bob, zeros = _read(csv_path)
    assert isinstance(nul, RowError)
    assert (nul.line, nul.column) == (2, "first_name")
    assert "NUL character" in nul.reason
    assert isinstance(bob, Row)
    assert isinstance(zeros, RowError)
    ndjson_path = tmp_path / "in.ndjson"
    ndjson_path.write_text(
        json.dumps({"email": "a\u0000@x.com"})
        + "\n"
        + json.dumps({"email": "b@x.com", "tags": ["ok", "n\u0000"]})
        + "\n"
        + json.dumps({"email": "c@x.com", "custom:plan": {"tier": "\u0000"}})
        + "\n"
    )
    verdicts = _read(ndjson_path)
    assert [(v.line, v.column) for v in verdicts if isinstance(v, RowError)] == [
        (1, "email"),
        (2, "tags"),
        (3, "custom:plan"),
    ]


def test_explicit_delimiter_encoding_and_tag_delimiter(tmp_path: Path) -> None:
    path = _write(tmp_path, "email|tags\nann@x.com|a,b/c\n", encoding="utf-16")
    [row] = _read(path, delimiter="|", encoding="utf-16", hygiene=Hygiene(tag_delimiters="/"))
    assert isinstance(row, Row)
    assert row.contact.tags == ["a,b", "c"]


def test_map_names_the_other_columns_and_can_leave_one_out(tmp_path: Path) -> None:
    path = _write(tmp_path, "Mail Primary,Plan Name,Notes\nann@x.com,gold,call later\n")
    [row] = _read(path, mapping={"Mail Primary": "email", "Plan Name": "custom:plan", "Notes": "-"})
    assert isinstance(row, Row)
    assert row.contact.email == "ann@x.com"
    assert row.contact.custom_fields == [lc.CustomFieldInput(key="plan", field_value="gold")]


def test_custom_columns_resolve_through_the_location_definitions() -> None:
    plan = lc.CustomField(id="f1", name="Plan Tier", field_key="contact.plan")
    columns = ColumnMap(custom_fields=CustomFieldDirectory([plan]))
    targets = columns.resolve(["custom:Plan Tier", "custom_id:f9"])
    assert [t.custom_id for t in targets] == ["f1", "f9"]
    assert columns.targets(["custom:plan"]) == [targets[0]]
    with pytest.raises(ImportFileError, match="'custom:Colour': no custom field"):
        columns.resolve(["custom:Colour"])


def test_unknown_columns_stop_before_any_row_naming_the_closest_fields(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="'Frist Name': closest fields first_name") as info:
        open_contacts(_write(tmp_path, "Email,Frist Name,shoe size\na@x.com,Ann,9\n"))
    assert "'shoe size'" in str(info.value)
    assert "--map" in str(info.value)


def test_two_columns_filling_one_field_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="'Email' and 'E-mail' both fill email"):
        open_contacts(_write(tmp_path, "Email,E-mail\na@x.com,b@x.com\n"))


def test_row_hygiene_rejects_alone_naming_line_and_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "email,phone,dnd\n"
        "a@x.com,+14155550132,no\n"
        "not-an-email,,no\n"
        "b@x.com,,maybe\n"
        ",,\n"
        "A@X.com,,1\n"
        "c@x.com,+1 415 555 0132,1\n"
        "d@x.com,55-01,1\n"
        "e@x.com,,1,2\n",
    )
    verdicts = _read(path)
    assert [type(v).__name__ for v in verdicts] == ["Row"] + ["RowError"] * 6
    reasons = {v.line: (v.column, v.reason) for v in verdicts if isinstance(v, RowError)}
    assert reasons[3][0] == "email"
    assert reasons[4][0] == "dnd"
    assert reasons[6] == ("email", "same email as line 2 (a@x.com): a repeat in this file")
    assert reasons[7][0] == "phone"
    assert "same phone as line 2" in reasons[7][1]
    assert "--default-region" in reasons[8][1]
    assert reasons[9][0] is None  # 4 cells under a 3-column header
    assert "cells" in reasons[9][1]


def test_default_region_normalises_national_numbers(tmp_path: Path) -> None:
    path = _write(tmp_path, "phone\n(415) 555-0132\n")
    [row] = _read(path, hygiene=Hygiene(default_region="US"))
    assert isinstance(row, Row)
    assert row.contact.phone == "+14155550132"


def test_national_numbers_without_a_region_are_kept_as_written_and_repeats_found_by_digits(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        "email,phone\n"
        "a@x.com, (512) 555-0101 \n"
        "b@x.com,512.555.0101\n"
        "c@x.com,+1 415 555 0132\n"
        "d@x.com,512 555 0199\n"
        "e@x.com,call me\n",
    )
    with open_contacts(path) as contacts:
        verdicts = list(contacts)
        assert contacts.phones_as_written == 2
    phones = {v.line: v.contact.phone for v in verdicts if isinstance(v, Row)}
    assert phones == {2: "(512) 555-0101", 4: "+14155550132", 5: "512 555 0199"}
    reasons = {v.line: (v.column, v.reason) for v in verdicts if isinstance(v, RowError)}
    assert reasons[3] == (
        "phone",
        "same phone as line 2 (512.555.0101): a repeat in this file",
    )
    assert reasons[6][0] == "phone"


def test_a_number_invalid_in_the_default_region_is_still_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "phone\n(512) 555-0101\n(000) 000-0000\n")
    row, bad = _read(path, hygiene=Hygiene(default_region="US"))
    assert isinstance(row, Row)
    assert row.contact.phone == "+15125550101"
    assert isinstance(bad, RowError)
    assert "not a valid phone number in region US" in bad.reason


def test_undecodable_bytes_reject_their_row_only(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"email,first_name\na@x.com,Ann\n" + b"x" * 70000 + b"@x.com,B\xe9a\n")
    first, second = _read(path)
    assert isinstance(first, Row)
    assert isinstance(second, RowError)
    assert "--encoding" in second.reason


def test_undecodable_ndjson_rows_reject_alone_and_their_rejects_can_be_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "in.ndjson"
    late = b"".join(b'{"email": "p%d@x.com"}\n' % n for n in range(3000))  # past the sniffed 64 KiB
    path.write_bytes(
        late
        + b'{"email": "zed@x.com", "first_name": "Z\xe9"}\n'
        + b'{"email": "x@x.com", \xe9}\n'
        + b'{"email": "rene@x.com", "first_name": "Ren\xe9"}'  # in the sniffer's last 3 bytes
    )
    verdicts = _read(path)
    assert sum(isinstance(v, Row) for v in verdicts) == 3000
    rejected = [v for v in verdicts if isinstance(v, RowError)]
    assert [(v.line, v.raw) for v in rejected] == [
        (3001, {"email": "zed@x.com", "first_name": "Z\ufffd"}),
        (3002, {"text": '{"email": "x@x.com", \ufffd}\n'}),
        (3003, {"email": "rene@x.com", "first_name": "Ren\ufffd"}),
    ]
    assert all(v.reason.startswith("is not valid utf-8 text") for v in rejected)
    rejects = RejectsFile(tmp_path / "in.rejects.ndjson", None)
    for verdict in rejected:
        rejects.write(verdict.line, verdict.column, verdict.reason, verdict.raw)
    rejects.close()
    written = (tmp_path / "in.rejects.ndjson").read_text(encoding="utf-8").splitlines()
    assert [json.loads(t)["rejected_line"] for t in written] == [3001, 3002, 3003]


def test_missing_file_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="No such file"):
        open_contacts(tmp_path / "nope.csv")


def test_ndjson_keys_map_like_headers_and_bad_lines_reject_alone(tmp_path: Path) -> None:
    path = tmp_path / "in.ndjson"
    path.write_text(
        json.dumps({"E-mail": "A@x.com", "tags": ["t1", "t2"], "dnd": False}) + "\n"
        "{not json\n"
        + json.dumps({"firstName": 5})
        + "\n"
        + json.dumps([1, 2])
        + "\n"
        + json.dumps({"email": "b@x.com", "shoe": 9})
        + "\n"
    )
    verdicts = _read(path)
    first = verdicts[0]
    assert isinstance(first, Row)
    assert (first.contact.email, first.contact.tags) == ("a@x.com", ["t1", "t2"])
    assert [v.line for v in verdicts[1:]] == [2, 3, 4, 5]
    assert all(isinstance(v, RowError) for v in verdicts[1:])
    assert "firstName" in str(verdicts[2])
    assert "'shoe'" in str(verdicts[4])


def test_the_rejects_file_imports_again_as_is_once_fixed(tmp_path: Path) -> None:
    source = _write(tmp_path, "First Name;E-mail\nAnn;ann@x\nBob;bob@x.com\n")
    with open_contacts(source) as rows:
        rejects = RejectsFile(tmp_path / "r.csv", rows.header, rows.delimiter or ",")
        for verdict in rows:
            if isinstance(verdict, RowError):
                rejects.write(verdict.line, verdict.column, verdict.reason, verdict.raw)
        rejects.close()
    text = (tmp_path / "r.csv").read_text()
    assert text.splitlines()[0] == "rejected_line;rejected_column;rejected_reason;First Name;E-mail"
    (tmp_path / "r.csv").write_text(text.replace(";ann@x\n", ";ann@x.com\n"))
    [fixed] = _read(tmp_path / "r.csv")
    assert isinstance(fixed, Row)
    assert (fixed.contact.first_name, fixed.contact.email) == ("Ann", "ann@x.com")


def test_exported_csv_can_be_imported_again(tmp_path: Path) -> None:
    contact = lc.Contact(
        id="c1",
        first_name="Ann",
        email="ann@x.com",
        tags=["a", "b"],
        dnd=False,
        custom_fields=[lc.CustomFieldValue(id="f1", value="blue")],
        date_added="2024-01-01",
    )
    out = tmp_path / "out.csv"
    with ContactWriter(out) as writer:
        writer.write(contact)
    [row] = _read(out)
    assert isinstance(row, Row)
    assert (row.contact.first_name, row.contact.tags, row.contact.dnd) == ("Ann", ["a", "b"], False)
    assert row.contact.custom_fields == [lc.CustomFieldInput(id="f1", field_value="blue")]


def test_csv_export_has_a_column_for_every_custom_field_seen_or_defined(tmp_path: Path) -> None:
    plan = lc.CustomField(id="f2", name="Plan", field_key="contact.plan")
    out = tmp_path / "out.csv"
    with ContactWriter(out, custom_fields=[plan]) as writer:
        writer.write(lc.Contact(id="c1", email="a@x.com"))
        writer.write(
            lc.Contact(
                id="c2", email="b@x.com", custom_fields=[lc.CustomFieldValue(id="f9", value=3)]
            )
        )
    header, _, second = out.read_text().splitlines()
    assert header.endswith(",custom:plan,custom_id:f9")
    assert second.endswith(",,3")


def test_an_empty_csv_export_still_has_its_header(tmp_path: Path) -> None:
    out = tmp_path / "none.csv"
    with ContactWriter(out):
        pass
    assert out.read_text().startswith("id,first_name,last_name,email")


def test_ndjson_export_is_the_full_contact(tmp_path: Path) -> None:
    out = tmp_path / "out.ndjson"
    with ContactWriter(out) as writer:
        writer.write(lc.Contact(id="c1", email="a@x.com", tags=["t"]))
    assert json.loads(out.read_text()) == {"id": "c1", "email": "a@x.com", "tags": ["t"]}


def test_an_ndjson_export_with_undecoded_fields_imports_again(tmp_path: Path) -> None:
    out = tmp_path / "out.ndjson"
    with ContactWriter(out) as writer:
        writer.write(
            lc.Contact(
                id="c1",
                email="a@x.com",
                first_name="Ann",
                undecoded={"dateOfBirth": "1990-05-17", "firstName": ["not", "this"]},
            )
        )
        writer.write(lc.Contact(id="c2", email="b@x.com", undecoded={"shoe": 9}))
    with out.open("a") as handle:
        handle.write(json.dumps({"email": "c@x.com", "_undecoded": 5}) + "\n")
    typed, unknown, malformed = _read(out)
    assert isinstance(typed, Row)  # the undecoded value its column takes is imported
    assert (typed.contact.first_name, typed.contact.date_of_birth) == ("Ann", "1990-05-17")
    assert isinstance(unknown, RowError)  # one no column takes rejects its row, named
    assert "'shoe'" in unknown.reason
    assert isinstance(malformed, RowError)
    assert (malformed.column, malformed.reason) == ("_undecoded", "is not a JSON object")


def test_account_comes_from_env_or_a_file_and_names_what_is_missing(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("secret-pit\n")
    account = account_from_env(
        {"LEADCONNECTOR_TOKEN_FILE": str(token_file), "LEADCONNECTOR_LOCATION_ID": "loc"}
    )
    assert account.token == "secret-pit"
    assert "secret-pit" not in repr(account)
    with pytest.raises(lc.ConfigurationError, match="LEADCONNECTOR_LOCATION_ID not set"):
        account_from_env({"LEADCONNECTOR_TOKEN": "t"})
    with pytest.raises(lc.ConfigurationError, match=r"LEADCONNECTOR_TOKEN .* and LEADCON"):
        account_from_env({})


def test_ndjson_keys_that_fill_one_field_reject_their_row_instead_of_one_winning(
    tmp_path: Path,
) -> None:
    path = tmp_path / "in.ndjson"
    path.write_text(
        '{"email": "a@x.com", "E-mail": "b@x.com"}\n'
        '{"email": "c@x.com", "email": "d@x.com"}\n'
        '{"first_name": "Ann", "firstName": "", "email": "e@x.com"}\n'
    )
    first, second, third = _read(path)
    assert isinstance(first, RowError)
    assert (first.column, first.line) == ("E-mail", 1)
    assert "'email' and 'E-mail' both fill email" in first.reason
    assert isinstance(second, RowError)
    assert "'email' twice" in second.reason
    assert isinstance(third, Row)  # an empty value fills nothing
    assert (third.contact.first_name, third.contact.email) == ("Ann", "e@x.com")


def test_a_quote_never_closed_rejects_the_rows_it_swallowed_instead_of_sending_them(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, 'email,first_name\na@x.com,"Al\nb@x.com,Bob\nc@x.com,Carl\n')
    [verdict] = _read(path)
    assert isinstance(verdict, RowError)
    assert verdict.line == 2
    assert "never closed" in verdict.reason
    assert "lines 2-4" in verdict.reason


def test_a_huge_quoted_cell_is_read_whole_so_no_row_is_made_of_its_inside(tmp_path: Path) -> None:
    big = "x" * 200_000
    path = _write(tmp_path, f'email,first_name\na@x.com,"{big}\nz@x.com,Zed\n"\nb@x.com,Bob\n')
    first, second = _read(path)
    assert isinstance(first, Row)
    assert first.contact.email == "a@x.com"
    assert isinstance(second, Row)
    assert (second.line, second.contact.email) == (5, "b@x.com")


def test_unnamed_columns_from_trailing_delimiters_import_and_a_value_there_rejects_its_row(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "email,first_name,,\na@x.com,Al,,\nb@x.com,Bob,,lost?\n")
    first, second = _read(path)
    assert isinstance(first, Row)
    assert (first.contact.email, first.contact.first_name) == ("a@x.com", "Al")
    assert isinstance(second, RowError)
    assert second.line == 3
    assert "column 4" in second.reason
    assert "unnamed" in second.reason


def test_a_map_names_the_column_written_as_its_key_never_one_that_only_folds_alike(
    tmp_path: Path,
) -> None:
    twins = _write(tmp_path, "First Name,Email,E-mail\nAnn,ann@home.com,ann@work.com\n")
    [row] = _read(twins, mapping={"E-mail": "-"})
    assert isinstance(row, Row)
    assert (row.contact.first_name, row.contact.email) == ("Ann", "ann@home.com")
    [row] = _read(twins, mapping={" e-MAIL ": "-"})  # case and spaces aside, it is that column
    assert isinstance(row, Row)
    assert row.contact.email == "ann@home.com"


def test_non_latin_headers_stay_apart_under_map(tmp_path: Path) -> None:
    path = _write(tmp_path, "Имя,Фамилия,Email\nИван,Петров,ivan@x.com\n")  # noqa: RUF001
    [row] = _read(path, mapping={"Имя": "first_name", "Фамилия": "last_name"})
    assert isinstance(row, Row)
    assert (row.contact.first_name, row.contact.last_name) == ("Иван", "Петров")
    [row] = _read(path, mapping={"имя": "first_name", "Фамилия": "-"})
    assert isinstance(row, Row)
    assert (row.contact.first_name, row.contact.last_name) == ("Иван", msgspec.UNSET)
    with pytest.raises(ImportFileError, match="'Имя': no field is close; 'Фамилия'"):
        open_contacts(path)


def test_a_map_that_could_name_two_columns_or_none_is_refused(tmp_path: Path) -> None:
    cased = _write(tmp_path, "Email,EMAIL\na@x.com,b@x.com\n")
    with pytest.raises(ImportFileError, match="--map 'email' names both 'Email' and 'EMAIL'"):
        open_contacts(cased, ReadOptions(mapping={"email": "-"}))
    [row] = _read(cased, mapping={"EMAIL": "-"})  # the one written so wins
    assert isinstance(row, Row)
    assert row.contact.email == "a@x.com"
    with pytest.raises(ImportFileError, match=r"--map 'E_mail': .* no column .*closest 'Email'"):
        open_contacts(cased, ReadOptions(mapping={"E_mail": "-"}))
    alike = _write(tmp_path, "email,email\na@x.com,b@x.com\n", name="alike.csv")
    with pytest.raises(ImportFileError, match="no --map can tell apart: rename one"):
        open_contacts(alike)
    path = tmp_path / "in.ndjson"
    path.write_text('{"Email": "a@x.com", "EMAIL": "b@x.com"}\n{"Email": "c@x.com"}\n')
    both, one = _read(path, mapping={"email": "-"})
    assert isinstance(both, RowError)
    assert "--map 'email' names both 'Email' and 'EMAIL'" in both.reason
    assert isinstance(one, Row)
    assert one.contact.email is msgspec.UNSET  # the map names the one key


def test_a_cell_of_spaces_is_empty_in_every_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "email,phone,first_name,dnd,city,custom:plan\n"
        " ,+14155550132,Ann,,Oslo,\n"
        "bob@x.com, \t,Bob,,Oslo,\n"
        "cat@x.com,,Cat,  ,Oslo,\n"
        "dan@x.com,,Dan,, , \n",
    )
    verdicts = _read(path)
    assert all(isinstance(v, Row) for v in verdicts), verdicts
    contacts = [v.contact for v in verdicts if isinstance(v, Row)]
    assert [(c.email, c.phone, c.dnd) for c in contacts] == [
        (msgspec.UNSET, "+14155550132", msgspec.UNSET),
        ("bob@x.com", msgspec.UNSET, msgspec.UNSET),
        ("cat@x.com", msgspec.UNSET, msgspec.UNSET),
        ("dan@x.com", msgspec.UNSET, msgspec.UNSET),
    ]
    assert (contacts[3].city, contacts[3].custom_fields) == (msgspec.UNSET, msgspec.UNSET)
    ndjson = tmp_path / "in.ndjson"
    ndjson.write_text('{"email": "  ", "E-mail": "eve@x.com", "dnd": " "}\n')
    [row] = _read(ndjson)  # a blank key fills nothing, so it does not clash with another
    assert isinstance(row, Row)
    assert (row.contact.email, row.contact.dnd) == ("eve@x.com", msgspec.UNSET)


def test_a_multi_select_exported_to_csv_reads_back_as_its_list(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    with ContactWriter(out) as writer:
        values = [
            lc.CustomFieldValue(id="f1", value=["golf", "tennis"]),
            lc.CustomFieldValue(id="f2", value="[a, b]"),  # text: not JSON
        ]
        writer.write(lc.Contact(id="c1", email="a@x.com", custom_fields=values))
    [row] = _read(out)
    assert isinstance(row, Row)
    assert row.contact.custom_fields == [
        lc.CustomFieldInput(id="f1", field_value=["golf", "tennis"]),
        lc.CustomFieldInput(id="f2", field_value="[a, b]"),
    ]


def test_a_json_array_is_a_list_only_where_the_field_definition_allows_one(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, 'email,custom:Motto,custom:Sports\na@x.com,"[""a""]","[""b""]"\n')
    directory = CustomFieldDirectory(
        [
            lc.CustomField(id="f1", name="Motto", data_type="TEXT"),
            lc.CustomField(id="f2", name="Sports", data_type="MULTIPLE_OPTIONS"),
        ]
    )
    with open_contacts(path, custom_fields=directory) as rows:
        [row] = list(rows)
    assert isinstance(row, Row)
    assert row.contact.custom_fields == [
        lc.CustomFieldInput(id="f1", field_value='["a"]'),
        lc.CustomFieldInput(id="f2", field_value=["b"]),
    ]


def test_an_ndjson_export_imports_again_leaving_out_what_the_server_sets(tmp_path: Path) -> None:
    out = tmp_path / "out.ndjson"
    with ContactWriter(out) as writer:
        writer.write(
            lc.Contact(
                id="c1",
                location_id="elsewhere",
                date_added="2024-01-01",
                type="lead",
                first_name="Ann",
                first_name_lower_case="ann",
                email="ann@x.com",
                email_lower_case="ann@x.com",
                address="1 Main St",
                address1="1 Main St",
                tags=["vip"],
                followers=["u1"],
                dnd_settings=lc.DndSettings(email=lc.DndChannel(status="active")),
                custom_fields=[lc.CustomFieldValue(id="f1", value=["golf", "tennis"])],
                search_after=[1, "c1"],
            )
        )
    with out.open("a") as handle:
        handle.write(json.dumps({"email": "b@x.com", "shoe": 9}) + "\n")
        handle.write(json.dumps({"email": "c@x.com", "customFields": {"f1": "x"}}) + "\n")
    with open_contacts(out) as rows:
        ann, shoe, odd = list(rows)
    assert isinstance(ann, Row), ann
    assert ann.contact == lc.ContactCreate(
        first_name="Ann",
        email="ann@x.com",
        address1="1 Main St",
        tags=["vip"],
        dnd_settings=lc.DndSettingsInput(email=lc.DndChannelInput(status="active")),
        custom_fields=[lc.CustomFieldInput(id="f1", field_value=["golf", "tennis"])],
    )
    assert isinstance(shoe, RowError)  # a key no field takes still rejects its row, named
    assert "unknown key(s) 'shoe'" in shoe.reason
    assert isinstance(odd, RowError)
    assert odd.column == "customFields"
    assert "as an export writes it" in odd.reason
    assert rows.left_out == {"followers": 1, "type": 1}  # data no upsert can write


def test_a_map_to_an_unknown_custom_field_says_so() -> None:
    plan = lc.CustomField(id="f1", name="Plan", field_key="contact.plan")
    with pytest.raises(ImportFileError, match="--map Work=custom:work_email: no custom field"):
        ColumnMap({"Work": "custom:work_email"}, CustomFieldDirectory([plan]))
