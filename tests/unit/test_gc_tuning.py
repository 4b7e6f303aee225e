"""``tune_gc``: raises the young-generation threshold, never lowers one, and can be undone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

import leadconnector_async as lc


@pytest.fixture(autouse=True)
def restore_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_raises_the_young_threshold_and_returns_what_undoes_it() -> None:
    gc.set_threshold(700, 10, 10)
    previous = lc.tune_gc()
    assert gc.get_threshold() == (50_000, 10, 10)
    gc.set_threshold(*previous)
    assert gc.get_threshold() == (700, 10, 10)


def test_keeps_a_higher_threshold_and_automatic_collection_turned_off() -> None:
    gc.set_threshold(200_000, 10, 10)
    assert lc.tune_gc() == (200_000, 10, 10)
    assert gc.get_threshold() == (200_000, 10, 10)
    gc.set_threshold(0, 10, 10)
    lc.tune_gc(1_000)
    assert gc.get_threshold() == (0, 10, 10)


@pytest.mark.parametrize("young", [0, -1, True, 1.5, "50000"])
def test_refuses_what_is_not_a_positive_int(young: object) -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(lc.ConfigurationError, match="positive int"):
        lc.tune_gc(young)  # type: ignore[arg-type]
    assert gc.get_threshold() == (700, 10, 10)
