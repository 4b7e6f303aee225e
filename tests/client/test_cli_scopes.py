"""A token that may write contacts but not read custom field definitions still imports and
exports: custom field columns then go by key or id, and the command says so."""

from __future__ import annotations

import io
from pathlib import Path

import leadconnector_async as lc
from leadconnector_async.cli.export_cmd import ExportOptions, run_export
from leadconnector_async.cli.import_cmd import ImportOptions, run_import
from leadconnector_async.testing import FakeLeadConnector
from leadconnector_async.testing._server import TokenInfo

CONTACTS_ONLY = TokenInfo(scopes=frozenset({"contacts.readonly", "contacts.write"}))


async def test_no_custom_field_scope_falls_back_to_keys_and_ids(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("email,custom:plan\nann@x.com,gold\n")
    out, err = io.StringIO(), io.StringIO()
    async with (
        FakeLeadConnector(tokens={"limited": CONTACTS_ONLY}) as fake,
        lc.LeadConnector(
            "limited", location_id=fake.location_id, base_url=fake.url, rate_limit=None
        ) as client,
    ):
        assert await run_import(client, ImportOptions(source), out, err) == 0
        assert await run_export(client, ExportOptions(tmp_path / "out.csv"), out, err) == 0
        [stored] = fake.store.contacts.values()
    assert stored["customFields"] == [{"id": "plan", "value": "gold"}]  # sent by key
    assert err.getvalue().count("custom field definitions unavailable") == 2
    header, row = (tmp_path / "out.csv").read_text().splitlines()
    assert header.endswith(",custom_id:plan")
    assert row.endswith(",gold")
