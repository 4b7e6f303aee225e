"""A bulk job's bookkeeping, without a server or an event loop."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import leadconnector_async as lc
from leadconnector_async._bulk_tally import Tally, job_failure, stops_job
from leadconnector_async.bulk import BulkJob, each


@given(st.integers(0, 5), st.permutations(range(40)))
def test_checkpoint_is_the_first_unfinished_row_whatever_the_finishing_order(
    start_at: int, order: list[int]
) -> None:
    tally: Tally[int, str] = Tally(start_at)
    finished: set[int] = set()
    for offset in order:
        index = start_at + offset
        outcome = tally.record(index, offset, "ok")
        finished.add(index)
        expected = start_at
        while expected in finished:
            expected += 1
        assert outcome.checkpoint == tally.checkpoint == expected
    assert tally.checkpoint == start_at + 40


def test_counts_failures_created_and_updated() -> None:
    tally: Tally[str, bool] = Tally(0, is_new=lambda new: new)
    tally.record(0, "a", True)
    tally.record(1, "b", False)
    missing = lc.NotFoundError("gone", status_code=404)
    failed = tally.record(2, "c", missing)
    assert (failed.ok, failed.result, failed.error) == (False, None, missing)
    result = tally.result(elapsed=2.0, requests=5, rate_limited=1)
    assert (result.ok, result.created, result.updated, result.read) == (2, 1, 1, 3)
    assert [(f.index, f.item, f.error) for f in result.failed] == [(2, "c", missing)]
    assert (result.requests, result.rate_limited, result.checkpoint) == (5, 1, 3)
    assert result.stopped_by is None


def test_progress_tells_the_rows_failed_by_the_job_from_the_rows_own_failures() -> None:
    tally: Tally[str, str] = Tally(0, stop_on_error=job_failure)
    tally.record(0, "a", lc.NotFoundError("gone", status_code=404))
    tally.record(1, "b", lc.ServerError("down", status_code=503))  # the job's: it stops
    tally.record(2, "c", lc.AuthenticationError("Invalid JWT", status_code=401))
    tally.record(3, "d", lc.BadRequestError("bad", status_code=400))  # in flight, its own
    tally.record(4, "e", "ok")
    progress = tally.progress(elapsed=1.0, total=5, rate_limited=0)
    assert (progress.done, progress.failed, progress.failed_by_job) == (5, 4, 2)
    assert progress.failed - progress.failed_by_job == sum(
        not job_failure(f.error) for f in tally.failures
    )


def test_stop_on_error_remembers_the_first_failure() -> None:
    tally: Tally[str, str] = Tally(0, stop_on_error=True)
    first, second = lc.ServerError("boom", status_code=500), lc.ServerError("again")
    tally.record(0, "a", first)
    tally.record(1, "b", second)
    assert tally.stopped_by is first


@pytest.mark.parametrize(
    ("error", "stops"),
    [
        (lc.AuthenticationError("Invalid JWT", status_code=401), True),
        (lc.ScopeError("not authorized for this scope", status_code=401), True),
        (lc.ClientClosedError("closed"), True),
        (lc.RateLimitError("daily budget spent", status_code=None), True),
        (lc.RateLimitError("Too Many Requests"), False),
        (lc.NotFoundError("gone"), False),
        (lc.TransportError("reset", outcome_unknown=True), False),
        (lc.ConfigurationError("a bulk row must be a ContactCreate"), False),
    ],
)
def test_errors_that_would_fail_every_row_stop_the_job(
    error: lc.LeadConnectorError, stops: bool
) -> None:
    assert stops_job(error) is stops
    tally: Tally[str, str] = Tally(0)
    tally.record(0, "a", error)
    assert (tally.stopped_by is error) is stops


@pytest.mark.parametrize(
    ("error", "job_level"),
    [
        (lc.AuthenticationError("Invalid JWT", status_code=401), True),
        (lc.PermissionDeniedError("forbidden", status_code=403), True),
        (lc.RateLimitError("Too Many Requests"), True),
        (lc.ServerError("Service Unavailable", status_code=503), True),
        (lc.TransportError("refused"), True),
        (lc.BadRequestError("bad", status_code=400), False),
        (lc.NotFoundError("gone", status_code=404), False),
        (lc.UnprocessableEntityError("email invalid", messages=["email invalid"]), False),
    ],
)
def test_job_failures_are_told_from_a_rows_own(
    error: lc.LeadConnectorError, job_level: bool
) -> None:
    assert job_failure(error) is job_level


def _sent_to(error: lc.LeadConnectorError, template: str) -> lc.LeadConnectorError:
    error.method, error.path_template = "POST", template  # as the client's loop sets them
    return error


@pytest.mark.parametrize(
    ("template", "status", "job_level"),
    [
        ("/contacts/upsert", 404, True),  # no such route: a wrong base URL, say
        ("/contacts/", 404, True),
        ("/contacts/bulk/tags/update/{type}", 404, True),  # the placeholder is no id
        ("/contacts/{contactId}", 404, False),  # that contact is gone: the row's own
        ("/contacts/{contactId}/notes/{id}", 404, False),
        ("/contacts/upsert", 400, False),  # a 400 "not found" names something the row sent
    ],
)
def test_a_404_fails_the_job_only_when_its_path_names_no_record(
    template: str, status: int, job_level: bool
) -> None:
    error = _sent_to(lc.NotFoundError("Not Found", status_code=status), template)
    assert job_failure(error) is job_level


def test_a_redirect_fails_the_job_not_the_row() -> None:
    moved = lc.RedirectError("Moved Permanently", location="https://elsewhere/", status_code=301)
    assert job_failure(_sent_to(moved, "/contacts/upsert"))  # every row would be redirected


def test_the_jobs_failure_stops_it_and_leaves_its_rows_for_a_resume() -> None:
    tally: Tally[str, str] = Tally(0, stop_on_error=job_failure)
    tally.record(0, "a", "ok")
    tally.record(1, "b", lc.UnprocessableEntityError("bad email", messages=["bad email"]))
    assert (tally.stopped_by, tally.checkpoint) == (None, 2)  # a row's own: finished
    outage = lc.ServerError("Service Unavailable", status_code=503)
    tally.record(3, "d", "ok")
    tally.record(2, "c", outage)
    tally.record(4, "e", lc.AuthenticationError("Invalid JWT", status_code=401))
    assert tally.stopped_by is outage
    assert tally.checkpoint == 2  # c and e failed for the job: a resume sends them again
    assert [f.index for f in tally.failures] == [1, 2, 4]


def test_a_row_the_server_may_have_applied_is_finished_even_when_it_stops_the_job() -> None:
    tally: Tally[str, str] = Tally(0, stop_on_error=job_failure)
    lost = lc.TransportError("reset after the write", outcome_unknown=True)
    tally.record(0, "a", lost)
    tally.record(1, "b", lc.ServerError("Bad Gateway", status_code=502))
    assert tally.stopped_by is lost
    assert tally.checkpoint == 2  # never sent again: a create could land twice


def test_stop_on_error_true_stops_at_a_rows_own_failure_and_finishes_that_row() -> None:
    tally: Tally[str, str] = Tally(0, stop_on_error=True)
    bad = lc.UnprocessableEntityError("bad email", messages=["bad email"])
    tally.record(0, "a", bad)
    assert (tally.stopped_by, tally.checkpoint) == (bad, 1)


def test_progress_rate_and_eta() -> None:
    tally: Tally[int, int] = Tally(10)
    assert tally.progress(elapsed=0.0, total=100, rate_limited=0).eta is None
    for index in range(10, 35):
        tally.record(index, index, index)
    progress = tally.progress(elapsed=5.0, total=100, rate_limited=3)
    assert (progress.done, progress.failed, progress.rate, progress.eta) == (25, 0, 5.0, 15.0)
    assert (progress.checkpoint, progress.rate_limited) == (35, 3)
    assert tally.progress(elapsed=5.0, total=None, rate_limited=0).eta is None


def test_total_comes_from_a_sized_input_minus_the_rows_skipped() -> None:
    client = lc.LeadConnector("token", location_id="loc")
    rows = [lc.ContactCreate(email=f"{i}@x.com") for i in range(10)]
    job = BulkJob(client, rows, each(client.contacts.upsert, lc.ContactCreate), start_at=3)
    assert job.progress().total == 7
    assert job.checkpoint == 3
    generated = BulkJob(client, iter(rows), each(client.contacts.upsert, lc.ContactCreate))
    assert generated.progress().total is None
