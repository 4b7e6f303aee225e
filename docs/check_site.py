"""Check a built docs site: every page renders and every internal link and anchor resolves.

    python docs/check_site.py SITE_DIR

A page renders when it has a title and a non-empty article; an API reference page must also
hold rendered docstrings. Links to other hosts are counted, not fetched (CI has no network).
Exits 1 listing every problem.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

SKIPPED_SCHEMES = ("http", "https", "mailto", "javascript", "data")


class _Page(HTMLParser):
    """Ids, links, the title and the article's text of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.h1 = False
        self.doc_objects = 0
        self.article_text = 0
        self._in_article = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and found.get("name"):
            self.ids.add(str(found["name"]))
        for attr in ("href", "src"):
            if found.get(attr) and tag in ("a", "img", "script", "link"):
                self.links.append(str(found[attr]))
        self.h1 |= tag == "h1"
        self.doc_objects += "doc-object" in (found.get("class") or "").split()
        if tag == "article" or self._in_article:
            self._in_article += 1

    def handle_endtag(self, tag: str) -> None:
        if self._in_article:
            self._in_article -= 1

    def handle_data(self, data: str) -> None:
        if self._in_article:
            self.article_text += len(data.strip())


def _target(site: Path, page: Path, link: str) -> tuple[Path, str] | None:
    """The file and fragment a local link points at; ``None`` for other hosts and schemes."""
    parts = urlsplit(link)
    if parts.scheme in SKIPPED_SCHEMES or parts.netloc:
        return None
    if not parts.path:
        return page, unquote(parts.fragment)
    base = site if parts.path.startswith("/") else page.parent
    path = (base / unquote(parts.path).lstrip("/")).resolve()
    if path.is_dir() or parts.path.endswith("/"):
        path = path / "index.html"
    return path, unquote(parts.fragment)


def check(site: Path) -> tuple[list[str], dict[str, int]]:
    """Return the problems found and what was counted."""
    site = site.resolve()
    pages = {path.resolve(): _parse(path) for path in sorted(site.rglob("*.html"))}
    problems: list[str] = []
    counts = {"pages": len(pages), "links": 0, "anchors": 0, "external": 0}
    for path, page in pages.items():
        name = str(path.relative_to(site))
        if name != "404.html" and (not page.h1 or page.article_text == 0):
            problems.append(f"{name}: no title or an empty article")
        if name.startswith("reference/") and page.doc_objects == 0:
            problems.append(f"{name}: no rendered docstrings")
        for link in page.links:
            target = _target(site, path, link)
            if target is None:
                counts["external"] += 1
                continue
            file, fragment = target
            counts["links"] += 1
            if not file.exists():
                problems.append(f"{name}: broken link {link!r}")
            elif fragment and file.suffix == ".html":
                counts["anchors"] += 1
                ids = pages[file].ids if file in pages else _parse(file).ids
                if fragment not in ids:
                    problems.append(f"{name}: no anchor #{fragment} for {link!r}")
    if not pages:
        problems.append(f"no HTML pages under {site}")
    return problems, counts


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def main() -> None:
    problems, counts = check(Path(sys.argv[1]))
    for problem in problems:
        print(problem)
    print(
        f"checked {counts['pages']} pages, {counts['links']} internal links, "
        f"{counts['anchors']} anchors ({counts['external']} links to other hosts not fetched): "
        f"{len(problems)} problem(s)"
    )
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
