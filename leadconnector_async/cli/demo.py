"""``leadconnector demo``: a bulk import, a sync and an export of the bundled sample, against
the embedded fake server.

Its files (the sample's copy, the rejects, a changed copy for the sync, the export) go to a
folder that is kept, so every path it prints can be opened afterwards: ``--out DIR`` (created
if missing), else a new folder in the system's temporary directory, named at the start and end.
"""

from __future__ import annotations

import csv
import tempfile
from importlib import resources
from pathlib import Path
from typing import TextIO

from .._config import RateLimit
from ..client import LeadConnector
from ..models.search import Filter
from ..testing import FakeLeadConnector
from ..testing._seed import seed_custom_fields
from .export_cmd import ExportOptions, run_export
from .import_cmd import ImportOptions, run_import
from .sync_cmd import SyncCommand, run_sync

# Unless --rate-limit says otherwise, the demo runs at the fake's pace: the published limit
# would make it take minutes.
_DEMO_LIMIT = None
_MOVED, _TAGGED, _NEW = 20, 10, 3  # rows the sync's copy changes: city, a tag, new rows
_SYNC_TAG, _CITY = "demo-sync", "Anchorage"  # neither is in the sample


def sample_path() -> Path:
    """The bundled sample: inside the installed package, or in examples/ of a source checkout."""
    packaged = resources.files("leadconnector_async.cli").joinpath("sample_contacts.csv")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "examples" / "sample_contacts.csv"


def demo_folder(out: Path | None) -> Path:
    """Where the demo writes: ``out`` (created if missing), else a new temporary folder."""
    if out is None:
        return Path(tempfile.mkdtemp(prefix="leadconnector-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_changed_copy(sample: Path, changed: Path) -> None:
    """``sample`` with a few rows changed, as a nightly export would differ from yesterday's:
    :data:`_MOVED` rows move to :data:`_CITY`, :data:`_TAGGED` get the tag ``demo-sync``, and
    :data:`_NEW` new people are appended."""
    with sample.open(newline="", encoding="utf-8") as source:
        header, *rows = list(csv.reader(source))
    city, tags, email = header.index("city"), header.index("tags"), header.index("email")
    for row in rows[:_MOVED]:
        row[city] = _CITY
    for row in rows[_MOVED : _MOVED + _TAGGED]:
        row[tags] = ",".join(t for t in (row[tags], _SYNC_TAG) if t)
    for n in range(_NEW):
        new = [""] * len(header)
        new[header.index("first_name")], new[email] = "New", f"new.person.{n}@example.com"
        rows.append(new)
    with changed.open("w", newline="", encoding="utf-8") as target:
        csv.writer(target).writerows([header, *rows])


def _pace(limit: RateLimit | None) -> str:
    if limit is None:
        return "no client rate limit: the fake's pace (--rate-limit N/SECONDS sets one)"
    return f"rate limit {limit.max_requests} requests per {limit.period:g} s"


async def run_demo(
    out: TextIO, err: TextIO, folder: Path | None = None, rate_limit: RateLimit | None = None
) -> int:
    """Run the demo and print what each step did; returns the exit code (0).

    Args:
        folder: Where its files go (default: a new temporary folder, kept).
        rate_limit: The window the client keeps to (default: none, the fake's pace).
    """
    work = demo_folder(folder)
    sample = work / "sample_contacts.csv"
    sample.write_bytes(sample_path().read_bytes())
    print(f"demo: writing its files to {work}", file=out)
    async with (
        FakeLeadConnector() as fake,
        LeadConnector(
            fake.token,
            location_id=fake.location_id,
            base_url=fake.url,
            rate_limit=rate_limit or _DEMO_LIMIT,
        ) as client,
    ):
        seed_custom_fields(fake.custom_fields, fake.location_id)
        print(f"demo: fake LeadConnector server at {fake.url}", file=out)
        print(f"demo: {_pace(client.config.rate_limit)}", file=out)
        print(f"demo: importing {sample.name} (3,000 rows, a few of them bad)", file=out)
        imported = ImportOptions(sample, restart=True)
        await run_import(client, imported, out, err)
        with imported.rejects_path.open(newline="") as rejects:
            for line, column, reason, *_ in list(csv.reader(rejects))[1:]:
                where = f"line {line}" + (f", column {column}" if column else "")
                print(f"demo:   rejected {where}: {reason}", file=out)
        vips = [
            c async for c in client.contacts.search(filters=[Filter("tags", "contains", "vip")])
        ]
        print(f"demo: search tags contains 'vip' -> {len(vips)} contacts", file=out)
        changed = work / "sample_contacts_changed.csv"
        write_changed_copy(sample, changed)
        print(
            f"demo: syncing {changed.name}: the sample again with {_MOVED} rows moved to "
            f"{_CITY}, {_TAGGED} tagged {_SYNC_TAG!r} and {_NEW} new (a dry run first)",
            file=out,
        )
        await run_sync(client, SyncCommand(changed, dry_run=True), out, err)
        await run_sync(client, SyncCommand(changed), out, err)
        await run_export(client, ExportOptions(work / "contacts.ndjson"), out, err)
        stored = [c.get("email") for c in fake.store.contacts.values()]
    print(
        f"demo: the server held {len(stored)} contacts, {len(set(stored))} distinct emails "
        f"(none twice); it is gone now, the files are in {work}",
        file=out,
    )
    print("demo: done", file=out)
    return 0
