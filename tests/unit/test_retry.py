"""Retry decisions as a pure function: status, headers, method and attempt; no loop, no sleep."""

from __future__ import annotations

import pytest

import leadconnector_async as lc
from leadconnector_async._error_mapping import error_from_response
from leadconnector_async._retry import backoff, retry_delay

POLICY = lc.RetryPolicy(max_retries=3, backoff_base=1.0, backoff_max=8.0)


def one(_: float = 0.0) -> float:
    return 0.999999


def decide(
    error: lc.LeadConnectorError,
    *,
    idempotent: bool = True,
    attempt: int = 1,
    policy: lc.RetryPolicy = POLICY,
    elapsed: float = 0.0,
) -> float | None:
    return retry_delay(policy, attempt, error, idempotent=idempotent, elapsed=elapsed, rand=one)


def test_429_waits_retry_after_even_for_a_create() -> None:
    error = error_from_response(429, {"Retry-After": "4"}, b"")
    assert decide(error, idempotent=False) == 4.0


def test_429_without_hint_uses_the_interval_header_then_backoff() -> None:
    with_interval = error_from_response(429, {"X-RateLimit-Interval-Milliseconds": "2500"}, b"")
    assert decide(with_interval) == 2.5
    bare = error_from_response(429, {}, b"")
    assert decide(bare, attempt=2) == pytest.approx(2.0, rel=1e-3)


def test_a_503s_retry_after_comes_first_then_backoff() -> None:
    asked = error_from_response(503, {"Retry-After": "4"}, b"")
    assert isinstance(asked, lc.ServerError)
    assert asked.retry_after == 4.0
    assert decide(asked, idempotent=False) == 4.0
    too_long = error_from_response(503, {"Retry-After": "3600"}, b"")
    assert decide(too_long) is None  # longer than max_wait: handed to the caller
    assert decide(error_from_response(503, {}, b""), attempt=2) == pytest.approx(2.0, rel=1e-3)
    interval = {"X-RateLimit-Interval-Milliseconds": "9000"}  # a 429's hint only
    assert decide(error_from_response(503, interval, b"")) == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_retry_idempotent_calls(status: int) -> None:
    assert decide(error_from_response(status, {}, b"")) is not None


def test_503_is_a_refusal_so_even_creates_retry() -> None:
    assert decide(error_from_response(503, {}, b""), idempotent=False) is not None


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_do_not_repeat_a_create(status: int) -> None:
    assert decide(error_from_response(status, {}, b""), idempotent=False) is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 500])
def test_client_errors_and_500_never_retry(status: int) -> None:
    assert decide(error_from_response(status, {}, b"{}")) is None


def test_connection_errors_before_sending_retry_any_call() -> None:
    error = lc.TransportError("refused", outcome_unknown=False)
    assert decide(error, idempotent=False) is not None


def test_no_connection_of_our_own_pool_in_time_is_not_retried() -> None:
    assert decide(lc.PoolTimeoutError("saturated"), idempotent=True) is None


def test_unknown_outcome_repeats_only_idempotent_calls() -> None:
    error = lc.TransportError("reset after write", outcome_unknown=True)
    assert decide(error, idempotent=True) is not None
    assert decide(error, idempotent=False) is None


def test_gives_up_after_max_retries() -> None:
    error = error_from_response(503, {}, b"")
    assert decide(error, attempt=3) is not None
    assert decide(error, attempt=4) is None
    assert decide(error, policy=lc.RetryPolicy(max_retries=0)) is None


def test_deadline_bounds_the_total_wait() -> None:
    error = error_from_response(429, {"Retry-After": "5"}, b"")
    policy = lc.RetryPolicy(max_retries=5, deadline=6.0)
    assert decide(error, policy=policy, elapsed=0.5) == 5.0
    assert decide(error, policy=policy, elapsed=1.5) is None


def test_the_local_daily_budget_is_never_retried() -> None:
    assert decide(lc.RateLimitError("daily", retry_after=100.0, status_code=None)) is None


def test_backoff_is_capped_exponential_with_full_jitter() -> None:
    assert [backoff(POLICY, n, one) for n in (1, 2, 3, 4, 5)] == pytest.approx(
        [1.0, 2.0, 4.0, 8.0, 8.0], rel=1e-3
    )
    assert backoff(POLICY, 3, lambda: 0.0) == 0.0


def test_a_retry_after_longer_than_any_backoff_is_handed_to_the_caller() -> None:
    error = error_from_response(429, {"Retry-After": "86400"}, b"")
    assert decide(error) is None
    assert isinstance(error, lc.RateLimitError)
    assert error.retry_after == 86400.0
