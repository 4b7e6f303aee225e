"""The benchmark scripts compile and their pure parts work; nothing here is timed."""

from __future__ import annotations

import py_compile
from pathlib import Path

import msgspec
import pytest

import leadconnector_async as lc
from leadconnector_async.testing._seed import seed_contacts
from leadconnector_async.testing._store import ContactStore

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.parametrize("script", sorted(BENCHMARKS.glob("*.py")), ids=lambda p: p.name)
def test_benchmark_script_compiles(script: Path) -> None:
    py_compile.compile(str(script), doraise=True)


def test_compare_imports_without_the_official_sdk() -> None:
    from benchmarks import _contenders, compare  # compare's own CONTENDERS is _contenders'

    assert callable(compare.main)
    assert set(_contenders.CONTENDERS) == {"ours", "sdk", "aiohttp"}


def test_compare_report_renders_medians_and_ratios() -> None:
    from benchmarks._compare_report import NAMES, Sample, report

    workloads = ("sequential", "concurrent", "decode")
    results = {(w, k): [Sample(100, 0.1, 0.05)] for w in workloads for k in NAMES}
    text = report(results, "python -m benchmarks.compare", (0.5, 0.7))
    assert "| sequential get: client CPU µs per call | 500 (500-500) |" in text
    assert (
        "| sequential CPU per call, ours / bare aiohttp | 1.00 (1.00-1.00) | ≤ 1.3 | yes |" in text
    )


def test_seeded_contacts_are_the_same_per_seed_and_decode_as_contacts() -> None:
    first = seed_contacts(ContactStore(), "loc", 5, seed=3)
    again = seed_contacts(ContactStore(), "loc", 5, seed=3)
    assert [c["email"] for c in first] == [c["email"] for c in again]
    assert len({c["email"] for c in first}) == 5
    contacts = msgspec.convert(first, list[lc.Contact])
    assert contacts[0].custom_fields
    assert contacts[0].attribution_source is not None
    assert contacts[0].name == f"{contacts[0].first_name} {contacts[0].last_name}"
