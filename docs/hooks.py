"""MkDocs hook: the guide pages are the README's sections, so the site and the README never drift.

Each ``## Section`` of README.md becomes ``guide/<slug>.md`` (its ``###`` headings one level up),
the text before the first section becomes the home page, and CHANGELOG.md the changelog page.
Links to files of the repository become links to the repository, since the site has no copy.
Docstrings written with Sphinx roles (``:meth:`aclose```) show as plain code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from markdown.extensions.toc import slugify
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
_HEADING = re.compile(r"^## (.+)$", re.MULTILINE)
_SPHINX_ROLE = re.compile(r":(?:meth|class|func|attr|data|exc|mod|obj):(<code>)~?")
_ANY_HEADING = re.compile(r"^#+ (.+)$", re.MULTILINE)
_ANCHOR_LINK = re.compile(r"\]\(#([^)\s]+)\)")
_FILE_LINK = re.compile(r"\]\((?!https?://|#|mailto:)([^)#\s]+)(#[^)\s]*)?\)")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower().replace("`", "")).strip("-")


def _readme() -> tuple[str, list[tuple[str, str]]]:
    """The README's introduction and its ``(title, body)`` sections, outside code blocks."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    fenced = [(m.start(), m.end()) for m in re.finditer(r"```.*?```", text, re.DOTALL)]
    starts = [m for m in _HEADING.finditer(text) if not any(a < m.start() < b for a, b in fenced)]
    intro = text[: starts[0].start()] if starts else text
    sections = []
    for here, after in zip(starts, [*starts[1:], None], strict=True):
        body = text[here.end() : after.start() if after else len(text)]
        sections.append((here.group(1).strip(), body))
    return intro, sections


def _heading_ids(markdown: str) -> set[str]:
    return {slugify(m[1].replace("`", ""), "-") for m in _ANY_HEADING.finditer(markdown)}


def _cross_page_anchors(pages: dict[str, str]) -> dict[str, str]:
    """README links to ``#a-heading`` now on another guide page point at that page."""
    owner = {}
    for uri, markdown in pages.items():
        for anchor in _heading_ids(markdown):
            owner.setdefault(anchor, uri)
    fixed = {}
    for uri, markdown in pages.items():
        own = _heading_ids(markdown)

        def relink(match: re.Match[str], own: set[str] = own, uri: str = uri) -> str:
            anchor = match[1]
            target = owner.get(anchor)
            if anchor in own or target is None:
                return match[0]
            relative = Path(target).relative_to(Path(uri).parent).as_posix()
            return f"]({relative}#{anchor})"

        fixed[uri] = _ANCHOR_LINK.sub(relink, markdown)
    return fixed


def _repository_links(markdown: str, repo_url: str) -> str:
    return _FILE_LINK.sub(lambda m: f"]({repo_url}/blob/main/{m[1]}{m[2] or ''})", markdown)


def _promote(body: str) -> str:
    """``###`` headings become ``##`` (the page title is the section's ``#``)."""
    return re.sub(r"^#(#+ )", r"\1", body, flags=re.MULTILINE)


def _guide_nav() -> list[dict[str, str]]:
    return [{title.replace("`", ""): f"guide/{_slug(title)}.md"} for title, _ in _readme()[1]]


def on_config(config: MkDocsConfig, **_: Any) -> MkDocsConfig:
    """Fill the ``Guide`` entry of the nav with one page per README section."""
    for entry in config.nav or []:
        if isinstance(entry, dict) and "Guide" in entry:
            entry["Guide"] = _guide_nav()
    return config


def on_files(files: Files, config: MkDocsConfig, **_: Any) -> Files:
    """Add the pages made from the README and the changelog."""
    repo = str(config.repo_url or "").rstrip("/")
    intro, sections = _readme()
    pages = {"index.md": _repository_links(intro, repo)}
    for title, body in sections:
        page = f"# {title}\n{_promote(body)}"
        pages[f"guide/{_slug(title)}.md"] = _repository_links(page, repo)
    pages = _cross_page_anchors(pages)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    pages["changelog.md"] = _repository_links(changelog, repo)
    for uri, content in pages.items():
        files.append(File.generated(config, uri, content=content))
    return files


def on_page_content(html: str, **_: Any) -> str:
    """Drop the Sphinx roles some docstrings use: ``:class:`~x.Y``` shows as ``x.Y`` in code."""
    return _SPHINX_ROLE.sub(r"\1", html)
