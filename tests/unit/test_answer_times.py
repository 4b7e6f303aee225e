"""The reserve a wait leaves of a call's budget: smoothed answer time plus four deviations."""

from __future__ import annotations

import pytest

from leadconnector_async._answer_times import AnswerTimes


def test_the_first_answer_sets_the_mean_and_half_of_it_as_the_deviation() -> None:
    times = AnswerTimes()
    assert times.reserve == 0.0
    times.record(0.1)
    assert (times.mean, times.spread) == (0.1, 0.05)
    assert times.reserve == pytest.approx(0.3)


def test_a_slow_answer_among_fast_ones_widens_the_reserve_more_than_the_mean() -> None:
    times = AnswerTimes()
    for _ in range(50):
        times.record(0.01)
    settled = times.reserve
    assert settled == pytest.approx(0.01, abs=1e-4)  # steady answers: the spread fades
    times.record(0.09)
    assert times.mean == pytest.approx(0.02)  # a step of 1/8 of the surprise
    assert times.spread == pytest.approx(0.02, abs=1e-4)  # a step of 1/4 of it
    assert times.reserve == pytest.approx(0.10, abs=1e-3)
