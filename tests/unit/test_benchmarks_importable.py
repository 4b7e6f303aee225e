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
    from benchmarks import compare

    assert set(compare.NAMES) == {"ours", "sdk", "aiohttp"}


def test_compare_search_page_holds_100_contacts_our_structs_decode() -> None:
    from benchmarks import compare

    page = msgspec.json.decode(compare.search_page(), type=compare._Page)
    assert len(page.contacts) == compare.PAGE == page.total
    assert all(isinstance(c.search_after, list) for c in page.contacts)


def test_compare_report_renders_medians_and_ratios() -> None:
    from benchmarks import compare

    results = {key: [compare.Sample(100, 0.1, 0.05)] for key in _all_keys(compare)}
    text = compare.report(results, "python -m benchmarks.compare", (0.5, 0.7))
    assert "| sequential get: client CPU µs per call | 500 (500-500) |" in text
    assert "| client CPU per call, ours / bare aiohttp | 1.00 (1.00-1.00) | ≤ 1.3 | yes |" in text


def _all_keys(compare: object) -> list[tuple[str, str]]:
    return [
        (w, k) for w in ("sequential", "concurrent", "decode") for k in ("ours", "sdk", "aiohttp")
    ]


def test_seeded_contacts_are_the_same_per_seed_and_decode_as_contacts() -> None:
    first = seed_contacts(ContactStore(), "loc", 5, seed=3)
    again = seed_contacts(ContactStore(), "loc", 5, seed=3)
    assert [c["email"] for c in first] == [c["email"] for c in again]
    assert len({c["email"] for c in first}) == 5
    contacts = msgspec.convert(first, list[lc.Contact])
    assert contacts[0].custom_fields
    assert contacts[0].attribution_source is not None
    assert contacts[0].name == f"{contacts[0].first_name} {contacts[0].last_name}"
