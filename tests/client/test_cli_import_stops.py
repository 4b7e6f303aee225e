"""What an import that stops for the job's sake leaves to its resume."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import leadconnector_async as lc
from leadconnector_async.cli.import_cmd import ImportOptions, run_import
from leadconnector_async.testing import FakeLeadConnector, FakeRateLimit, Faults
from leadconnector_async.testing._faults import FaultDice

from ._cli import rejects_of

NO_RETRIES = lc.RetryPolicy(max_retries=0)


def _client(fake: FakeLeadConnector, base_url: str | None = None) -> lc.LeadConnector:
    return lc.LeadConnector(
        fake.token,
        location_id=fake.location_id,
        base_url=base_url or fake.url,
        rate_limit=None,
        retry=NO_RETRIES,
    )


@asynccontextmanager
async def _three_then_429() -> AsyncIterator[tuple[FakeLeadConnector, lc.LeadConnector]]:
    """A server that admits 3 of the first 4 requests, each answered after 0.3 s, and refuses
    the fourth at once (429); a client that does not retry."""
    async with (
        FakeLeadConnector(rate_limit=FakeRateLimit(3, 60.0), faults=Faults(latency=0.3)) as fake,
        _client(fake) as client,
    ):
        yield fake, client


def _limit_passed(fake: FakeLeadConnector) -> None:
    fake.window, fake.dice = None, FaultDice(Faults())


async def _import(client: lc.LeadConnector, options: ImportOptions) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await run_import(client, options, out, err)
    return code, out.getvalue() + err.getvalue()


async def test_rows_answered_after_the_stop_are_journalled_so_a_resume_does_not_look_them_up(
    tmp_path: Path,
) -> None:
    source = tmp_path / "people.csv"
    source.write_text("email\n" + "".join(f"p{n}@x.com\n" for n in range(10)))
    # The job stops on the fourth create's 429 while the first 3 are still in flight.
    async with _three_then_429() as (fake, client):
        options = ImportOptions(source, create=True, concurrency=4)
        code, said = await _import(client, options)
        assert code == 3, said
        assert "stopped: RateLimitError" in said
        assert len(fake.store.contacts) == 3
        assert "ok 3 (created 3" in said  # the 3 in flight were counted, not dropped
        _limit_passed(fake)
        resumed = ImportOptions(source, create=True, concurrency=4, resume=True)
        code, said = await _import(client, resumed)
        assert code == 0, said
        assert "found already created" not in said  # none of the 3 was looked up as unsure
        assert "ok 7 (created 7" in said
        emails = sorted(c["email"] for c in fake.store.contacts.values())
        assert emails == sorted(f"p{n}@x.com" for n in range(10))


async def test_rows_a_stop_left_unsent_are_created_on_resume_without_a_lookup(
    tmp_path: Path,
) -> None:
    source = tmp_path / "people.csv"
    # No email or phone: a row the resume had to check for could only be rejected.
    source.write_text("firstName\n" + "".join(f"P{n}\n" for n in range(10)))
    async with _three_then_429() as (fake, client):
        options = ImportOptions(source, create=True, concurrency=4)
        code, said = await _import(client, options)
        assert code == 3, said
        assert len(fake.store.contacts) == 3
        # The fourth create got a 429 (not applied); rows 5-10 were read, never sent.
        _limit_passed(fake)
        before = fake.stats.requests
        resumed = ImportOptions(source, create=True, concurrency=4, resume=True)
        code, said = await _import(client, resumed)
        assert code == 0, said
        assert "rejected 0" in said
        assert fake.stats.requests - before == 7  # one create per row left, no lookups
        names = sorted(c["firstName"] for c in fake.store.contacts.values())
        assert names == sorted(f"P{n}" for n in range(10))


async def test_a_stop_while_rows_wait_for_their_tags_leaves_no_twin_for_the_resume(
    tmp_path: Path,
) -> None:
    """Tagged rows are finished only once their tags are added, so the resume upserts again
    those the stop left waiting: a row with no email or phone would be created twice."""
    source = tmp_path / "people.csv"
    rows = [f"P{n},{f'p{n}@x.com' if n % 2 else ''},lead\n" for n in range(10)]
    source.write_text("first_name,email,tags\n" + "".join(rows))
    async with _three_then_429() as (fake, client):
        await _import(client, ImportOptions(source, concurrency=4))
        _limit_passed(fake)
        await _import(client, ImportOptions(source, concurrency=4, resume=True))
        stored = list(fake.store.contacts.values())
    assert max(Counter(c["firstName"] for c in stored).values()) == 1
    assert sorted(c["email"] for c in stored) == [f"p{n}@x.com" for n in range(1, 10, 2)]
    assert all(c["tags"] == ["lead"] for c in stored)
    reasons = {
        int(r["rejected_line"]): r["rejected_reason"]
        for r in rejects_of(tmp_path / "people.csv.rejects.csv")
    }
    assert sorted(reasons) == [n + 2 for n in range(0, 10, 2)]
    assert all("--create" in reason for reason in reasons.values())


async def test_a_404_to_a_path_naming_no_record_stops_the_job_instead_of_failing_each_row(
    tmp_path: Path,
) -> None:
    """A base URL with a wrong path answers 404 to every call: no row is at fault, so the
    import stops at the first, rejects nothing and leaves every row to the resume."""
    source = tmp_path / "people.csv"
    source.write_text("email\n" + "".join(f"p{n}@x.com\n" for n in range(50)))
    async with FakeLeadConnector() as fake:
        async with _client(fake, base_url=f"{fake.url}/v2") as misrouted:
            code, said = await _import(misrouted, ImportOptions(source, concurrency=4))
        assert code == 3, said
        assert "stopped: NotFoundError" in said
        assert "POST /contacts/upsert" in said
        assert "rejected 0" in said
        assert fake.stats.requests <= 4  # those in flight when the first answer came
        assert rejects_of(tmp_path / "people.csv.rejects.csv") == []
        async with _client(fake) as client:
            resumed = ImportOptions(source, concurrency=4, resume=True)
            code, said = await _import(client, resumed)
        assert code == 0, said
        assert "ok 50 (created 50" in said
        assert len(fake.store.contacts) == 50
