"""``leadconnector sync``: a subprocess against a fake server in its own process."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import leadconnector_async as lc
from leadconnector_async.cli.export_cmd import ExportOptions, run_export
from leadconnector_async.cli.import_cmd import ImportOptions, run_import
from leadconnector_async.cli.sync_cmd import SyncCommand, run_sync
from leadconnector_async.testing import FakeLeadConnector, Faults, TokenInfo
from leadconnector_async.testing._faults import FaultDice

from ._cli import cli, exported, fake_server, rejects_of, write_csv
from ._fake_events import after_updates


@pytest.fixture
def server() -> Iterator[dict[str, str]]:
    with fake_server() as env:
        yield env


def _restated(path: Path, rows: int) -> Path:
    """The imported people again: custom field by name, some changed, two new, one bad."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First Name", "last_name", "email", "tags", "custom:Plan"])
        for n in range(rows):
            last = "Renamed" if n in (3, 4, 5) else f"Last{n}"
            plan = "team" if n in (6, 7) else "pro"
            tags = "a;b" if n % 2 else ("c;vip" if n == 8 else "c")
            writer.writerow([f"First{n}", last, f"PERSON{n}@example.com", tags, plan])
        writer.writerow(["New", "One", "new1@example.com", "fresh", "basic"])
        writer.writerow(["New", "Two", "new2@example.com", "", ""])
        writer.writerow(["Bad", "Row", "not-an-email", "", ""])
        writer.writerow(["No", "Mail", "", "", ""])  # nothing to match on: the sync fails it
    return path


def test_sync_dry_run_then_real_run_writes_only_the_difference(
    server: dict[str, str], tmp_path: Path
) -> None:
    assert cli(server, "import", str(write_csv(tmp_path / "people.csv", 40))).returncode == 0
    source = _restated(tmp_path / "again.csv", 40)
    dry = cli(server, "sync", str(source), "--dry-run")
    assert dry.returncode == 1, dry.stderr  # rows rejected
    assert "dry run: would create 2, update 6, leave 34 unchanged; 2 rows rejected" in dry.stdout
    assert "nothing was written" in dry.stdout
    bad, unmatched = rejects_of(tmp_path / "again.csv.rejects.csv")
    assert (bad["rejected_line"], bad["rejected_column"]) == ("44", "email")
    assert unmatched["rejected_line"] == "45"
    assert "no email to match on" in unmatched["rejected_reason"]
    assert unmatched["First Name"] == "No"  # the row as the file had it
    before = {c["email"]: c for c in exported(server, tmp_path / "before.ndjson")}
    assert len(before) == 40

    done = cli(server, "sync", str(source))
    assert done.returncode == 1, done.stderr
    assert "synced: created 2, updated 6, unchanged 34, rejected 2" in done.stdout
    after = {c["email"]: c for c in exported(server, tmp_path / "after.ndjson")}
    assert len(after) == 42
    assert after["person3@example.com"]["lastName"] == "Renamed"
    plans = {e: {f["id"]: f["value"] for f in c["customFields"]} for e, c in after.items()}
    assert plans["person6@example.com"]["cf_plan"] == "team"
    assert plans["new1@example.com"]["cf_plan"] == "basic"
    assert sorted(after["person8@example.com"]["tags"]) == ["c", "vip"]
    assert after["person1@example.com"]["tags"] == before["person1@example.com"]["tags"]

    again = cli(server, "sync", str(source), "--match", "email", "--tags", "add")
    assert "synced: created 0, updated 0, unchanged 42, rejected 2" in again.stdout


def test_a_new_row_whose_phone_is_another_contacts_is_rejected_not_merged_into_it(
    server: dict[str, str], tmp_path: Path
) -> None:
    alice = tmp_path / "alice.csv"
    alice.write_text("email,phone,first_name\nalice@x.com,+14155550132,Alice\n")
    assert cli(server, "import", str(alice)).returncode == 0
    (stored,) = exported(server, tmp_path / "before.ndjson")
    source = tmp_path / "bob.csv"
    source.write_text("email,phone,first_name\nbob@x.com,+14155550132,Bob\n")
    dry = cli(server, "sync", str(source), "--dry-run")
    assert "dry run: would create 1, update 0" in dry.stdout
    done = cli(server, "sync", str(source))
    assert done.returncode == 1, done.stderr
    assert "synced: created 0, updated 0, unchanged 0, rejected 1" in done.stdout
    (reject,) = rejects_of(tmp_path / "bob.csv.rejects.csv")
    assert (
        f"contact {stored['id']}, which already has this row's phone" in reject["rejected_reason"]
    )
    assert exported(server, tmp_path / "after.ndjson") == [stored]  # Alice as she was


def test_an_unknown_custom_field_column_stops_before_anything_is_written(
    server: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "odd.csv"
    source.write_text("email,custom:Favourite colour\nann@x.com,blue\n")
    done = cli(server, "sync", str(source))
    assert done.returncode == 2
    assert "Favourite colour" in done.stderr
    assert exported(server, tmp_path / "none.ndjson") == []


# -- job-level stops: in process, so the server can turn on the job mid-run -------------------

FAST_RETRY = lc.RetryPolicy(max_retries=3, backoff_base=0.001, backoff_max=0.001)
CONCURRENCY = 4


def _stored_and_restated(fake: FakeLeadConnector, path: Path, rows: int) -> Path:
    """``rows`` stored contacts, and a file giving each a new city and a new tag."""
    for n in range(rows):
        fake.store.create(fake.location_id, {"email": f"p{n}@x.com", "tags": ["old"]})
    path.write_text("email,city,tags\n" + "".join(f"p{n}@x.com,Paris,new\n" for n in range(rows)))
    return path


def _synced(fake: FakeLeadConnector) -> int:
    return sum(
        c.get("city") == "Paris" and sorted(c["tags"]) == ["new", "old"]
        for c in fake.store.contacts.values()
    )


class Terminal(io.StringIO):
    """Stands in for a terminal: the progress line is redrawn on every figure, not every 5 s."""

    def isatty(self) -> bool:
        return True


async def _sync(client: lc.LeadConnector, source: Path) -> tuple[int, str]:
    out, err = io.StringIO(), Terminal()
    code = await run_sync(client, SyncCommand(source, concurrency=CONCURRENCY), out, err)
    return code, out.getvalue() + err.getvalue()


async def _export_then_sync(
    client: lc.LeadConnector, fake: FakeLeadConnector, out: Path
) -> tuple[int, str]:
    """Export the location to ``out`` and sync that file back, the server's routes counted from
    the sync on: the sync's exit code and what it said."""
    assert await run_export(client, ExportOptions(out), io.StringIO(), io.StringIO()) == 0
    fake.stats.routes.clear()
    return await _sync(client, out)


def _rejected_on_progress(said: str) -> list[int]:
    """The rejected figure of each progress line drawn."""
    return [int(n) for n in re.findall(r"rows, (\d+) rejected", said)]


async def test_a_token_refused_mid_sync_stops_it_and_rejects_no_row(tmp_path: Path) -> None:
    async with FakeLeadConnector() as fake:
        source = _stored_and_restated(fake, tmp_path / "people.csv", 40)
        after_updates(fake, 5, fake.tokens.clear)
        async with lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client:
            code, said = await _sync(client, source)
            assert code == 3, said
            assert "stopped: AuthenticationError: Invalid JWT" in said
            assert rejects_of(tmp_path / "people.csv.rejects.csv") == []
            # the rows the refused token failed are not rejects on the progress line either
            assert _rejected_on_progress(said)
            assert set(_rejected_on_progress(said)) == {0}
            assert fake.stats.statuses[401] <= CONCURRENCY  # the rows in flight, then it stopped
            fake.tokens[fake.token] = TokenInfo()
            code, said = await _sync(client, source)
        assert code == 0, said
        assert rejects_of(tmp_path / "people.csv.rejects.csv") == []
        assert _synced(fake) == 40


async def test_an_outage_mid_sync_stops_it_and_rejects_no_row(tmp_path: Path) -> None:
    async with FakeLeadConnector() as fake:
        source = _stored_and_restated(fake, tmp_path / "people.csv", 40)
        after_updates(fake, 5, lambda: fake.force_fault("unavailable", 1_000_000))
        async with lc.LeadConnector(
            fake.token,
            location_id=fake.location_id,
            base_url=fake.url,
            rate_limit=None,
            retry=FAST_RETRY,
        ) as client:
            code, said = await _sync(client, source)
            assert code == 3, said
            assert "stopped: ServerError" in said
            assert rejects_of(tmp_path / "people.csv.rejects.csv") == []
            assert set(_rejected_on_progress(said)) == {0}
            # the rows in flight, each with its retries, and nothing after them
            assert fake.stats.statuses[503] <= CONCURRENCY * (FAST_RETRY.max_retries + 1)
            fake.dice = FaultDice(Faults())  # the server is back
            code, said = await _sync(client, source)
        assert code == 0, said
        assert _synced(fake) == 40


async def test_a_csv_export_with_a_multi_select_syncs_back_unchanged(tmp_path: Path) -> None:
    async with FakeLeadConnector() as fake:
        add = fake.custom_fields.add
        add(fake.location_id, "Interests", field_id="cf_int", data_type="MULTIPLE_OPTIONS")
        add(fake.location_id, "Motto", field_id="cf_motto")  # text that reads as a JSON array
        values = {"cf_int": ["golf", "tennis"], "cf_motto": '["not", "a list"]'}
        fields = [{"id": k, "field_value": v} for k, v in values.items()]
        fake.store.create(fake.location_id, {"email": "ann@x.com", "customFields": fields})
        out = tmp_path / "contacts.csv"
        async with lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client:
            code, said = await _export_then_sync(client, fake, out)
            assert '"[""golf"", ""tennis""]"' in out.read_text()
        assert code == 0, said
        assert "synced: created 0, updated 0, unchanged 1, rejected 0" in said
        assert set(fake.stats.routes) == {
            "GET /locations/{locationId}/customFields",
            "POST /contacts/search",
        }  # read only: nothing written
        [ann] = fake.store.contacts.values()
        assert {f["id"]: f["value"] for f in ann["customFields"]} == values


async def test_an_ndjson_export_imports_and_syncs_back_as_it_was(tmp_path: Path) -> None:
    async with FakeLeadConnector() as fake:
        fake.store.create(
            fake.location_id,
            {
                "email": "ann@x.com",
                "firstName": "Ann",
                "tags": ["vip"],
                "customFields": [{"id": "cf_plan", "field_value": "pro"}],
                "dndSettings": {"SMS": {"status": "active"}},
            },
        )
        out = tmp_path / "contacts.ndjson"
        async with lc.LeadConnector(
            fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client:
            code, said = await _export_then_sync(client, fake, out)
            assert '"searchAfter"' in out.read_text()
            assert code == 0, said
            assert "synced: created 0, updated 0, unchanged 1, rejected 0" in said
            assert set(fake.stats.routes) == {"POST /contacts/search"}  # nothing written
            said_out = io.StringIO()
            code = await run_import(client, ImportOptions(out), said_out, io.StringIO())
        assert code == 0, said_out.getvalue()
        assert "ok 1 (created 0, updated 1), rejected 0" in said_out.getvalue()
        assert "note: left out what the create and upsert requests cannot write: type (1 row)" in (
            said_out.getvalue()
        )
        [ann] = fake.store.contacts.values()
        assert ann["customFields"] == [{"id": "cf_plan", "value": "pro"}]
        assert ann["dndSettings"]["SMS"]["status"] == "active"


async def test_a_dry_run_plans_every_row_and_says_where_the_budget_would_stop_a_real_run(
    tmp_path: Path,
) -> None:
    async with FakeLeadConnector() as fake:
        source = _stored_and_restated(fake, tmp_path / "people.csv", 10)
        async with lc.LeadConnector(
            fake.token,
            location_id=fake.location_id,
            base_url=fake.url,
            rate_limit=lc.RateLimit(1_000, 1.0, daily=6),
        ) as client:
            out, err = io.StringIO(), io.StringIO()
            command = SyncCommand(source, dry_run=True)
            code = await run_sync(client, command, out, err)
    said = out.getvalue()
    assert code == 0, said + err.getvalue()
    assert "dry run: would create 0, update 10, leave 0 unchanged" in said
    # 5 requests left after the read: four updates and their one tag request fit
    assert "a real run stops for today's request budget at line 6" in said
    assert "wrote" not in said + err.getvalue()
    assert fake.stats.requests == 1
