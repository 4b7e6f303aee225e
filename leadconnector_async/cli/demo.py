"""``leadconnector demo``: import, search and export the bundled sample on the embedded fake."""

from __future__ import annotations

import csv
import tempfile
from importlib import resources
from pathlib import Path
from typing import TextIO

from ..client import LeadConnector
from ..models.search import Filter
from ..testing import FakeLeadConnector
from ..testing._seed import seed_custom_fields
from .export_cmd import ExportOptions, run_export
from .import_cmd import ImportOptions, run_import

# The bulk import runs at the fake's pace: the published limit would make the demo take minutes.
_DEMO_LIMIT = None


def sample_path() -> Path:
    """The bundled sample: inside the installed package, or in examples/ of a source checkout."""
    packaged = resources.files("leadconnector_async.cli").joinpath("sample_contacts.csv")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "examples" / "sample_contacts.csv"


async def run_demo(out: TextIO, err: TextIO) -> int:
    """Run the demo and print what each step did; returns the exit code (0)."""
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        sample = work / "sample_contacts.csv"
        sample.write_bytes(sample_path().read_bytes())
        async with (
            FakeLeadConnector() as fake,
            LeadConnector(
                fake.token, location_id=fake.location_id, base_url=fake.url, rate_limit=_DEMO_LIMIT
            ) as client,
        ):
            seed_custom_fields(fake.custom_fields, fake.location_id)
            print(f"demo: fake LeadConnector server at {fake.url}", file=out)
            print(f"demo: importing {sample_path().name} (3,000 rows, a few of them bad)", file=out)
            await run_import(client, ImportOptions(sample), out, err)
            with ImportOptions(sample).rejects_path.open(newline="") as rejects:
                for line, column, reason, *_ in list(csv.reader(rejects))[1:]:
                    where = f"line {line}" + (f", column {column}" if column else "")
                    print(f"demo:   rejected {where}: {reason}", file=out)
            vips = [
                c async for c in client.contacts.search(filters=[Filter("tags", "contains", "vip")])
            ]
            print(f"demo: search tags contains 'vip' -> {len(vips)} contacts", file=out)
            export = work / "contacts.ndjson"
            await run_export(client, ExportOptions(export), out, err)
            stored = len(fake.store.contacts)
        print(f"demo: the server holds {stored} contacts, each imported once", file=out)
    print("demo: done", file=out)
    return 0
