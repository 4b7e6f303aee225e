"""Settings refuse numbers that are not numbers of their kind: NaN, infinities, fractions."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

import leadconnector_async as lc

NAN, INF = math.nan, math.inf


def _oauth(**change: object) -> lc.OAuthToken:
    settings: dict[str, object] = {
        "access_token": "at",
        "refresh_token": "rt",
        "expires_at": 1.0,
        "client_id": "id",
        "client_secret": "secret",
        "on_refresh": None,
    }
    return lc.OAuthToken(**(settings | change))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: lc.RateLimit(period=NAN), "RateLimit.period"),
        (lambda: lc.RateLimit(period=INF), "RateLimit.period"),
        (lambda: lc.RateLimit(max_requests=2.5), "RateLimit.max_requests"),  # type: ignore[arg-type]
        (lambda: lc.RateLimit(daily=NAN), "RateLimit.daily"),  # type: ignore[arg-type]
        (lambda: lc.RateLimit(daily_probe_interval=INF), "RateLimit.daily_probe_interval"),
        (lambda: lc.RetryPolicy(backoff_base=NAN), "RetryPolicy.backoff_base"),
        (lambda: lc.RetryPolicy(backoff_max=-INF), "RetryPolicy.backoff_max"),
        (lambda: lc.RetryPolicy(deadline=NAN), "RetryPolicy.deadline"),
        (lambda: lc.RetryPolicy(max_wait=NAN), "RetryPolicy.max_wait"),
        (lambda: lc.RetryPolicy(max_retries=True), "max_retries"),
        (lambda: _oauth(refresh_skew=NAN), "refresh_skew"),
        (lambda: _oauth(expires_at=NAN), "expires_at"),
        (lambda: _oauth(expires_at=INF), "expires_at"),
    ],
)
def test_a_number_that_is_no_setting_is_refused(make: Callable[[], object], named: str) -> None:
    with pytest.raises(lc.ConfigurationError, match=rf"^{named}\b"):
        make()


def test_finite_settings_of_their_kind_are_taken() -> None:
    assert lc.RateLimit(max_requests=1, period=0.01, daily=1).period == 0.01
    assert lc.RetryPolicy(max_retries=0, backoff_base=0, deadline=0.5).deadline == 0.5
    assert _oauth(refresh_skew=0, expires_at=0).expires_at == 0.0
