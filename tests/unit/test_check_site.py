"""docs/check_site.py finds broken links, missing anchors and empty pages in a built site."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

CHECKER = Path(__file__).resolve().parents[2] / "docs" / "check_site.py"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_site", CHECKER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _page(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<html><body><article><h1 id='top'>T</h1>{body}</article></body></html>")


def test_a_sound_site_passes_and_a_broken_one_lists_each_problem(tmp_path: Path) -> None:
    check = _checker().check
    _page(tmp_path / "index.html", "<a href='guide/#top'>g</a><a href='https://x.org/'>x</a>")
    _page(tmp_path / "guide" / "index.html", "<a href='../index.html#top'>home</a>")
    assert check(tmp_path) == ([], {"pages": 2, "links": 2, "anchors": 2, "external": 1})

    _page(tmp_path / "guide" / "index.html", "<a href='../gone/'>x</a><a href='#nowhere'>y</a>")
    _page(tmp_path / "reference" / "index.html", "")
    (tmp_path / "empty.html").write_text("<html><body></body></html>")
    problems, _ = check(tmp_path)
    assert problems == [
        "empty.html: no title or an empty article",
        "guide/index.html: broken link '../gone/'",
        "guide/index.html: no anchor #nowhere for '#nowhere'",
        "reference/index.html: no rendered docstrings",
    ]
