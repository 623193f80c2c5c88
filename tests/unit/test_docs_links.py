"""The documentation holds together: every relative link resolves, and every page can be reached.

Links are Markdown's ``[text](target)``; external ones (``http:``, ``https:``, ``mailto:``) and pure anchors
are not checked, anchors on relative links are dropped (only the file must exist). A docs page is reachable
when README.md or an index page (docs/README.md, docs/operations.md, docs/contracts/README.md) links to it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crm.settings import REPO_ROOT

DOCS = REPO_ROOT / "docs"
INDEXES = (
    REPO_ROOT / "README.md",
    DOCS / "README.md",
    DOCS / "operations.md",
    DOCS / "contracts" / "README.md",
)
# [text](target) or [text](target "title"); images too. Code spans and fenced blocks are removed first.
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
_CODE = re.compile(r"`[^`\n]*`")
_EXTERNAL = ("http://", "https://", "mailto:")


def pages() -> list[Path]:
    return [REPO_ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def relative_links(page: Path) -> list[str]:
    text = _CODE.sub("", _FENCE.sub("", page.read_text()))
    return [t for t in _LINK.findall(text) if not t.startswith(_EXTERNAL) and not t.startswith("#")]


def resolve(page: Path, target: str) -> Path:
    return (page.parent / target.split("#", 1)[0]).resolve()


def test_the_link_pattern_finds_links_and_skips_code(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "[a](a.md) ![shot](img/x.png) [b](b.md#part) [ext](https://x.org) [anchor](#top)\n"
        '`[not](code.md)`\n```\n[not](fenced.md)\n```\n[t](t.md "title")\n'
    )
    assert relative_links(page) == ["a.md", "img/x.png", "b.md#part", "t.md"]
    assert resolve(page, "b.md#part") == (tmp_path / "b.md").resolve()


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_relative_link_resolves(page: Path):
    broken = [t for t in relative_links(page) if not resolve(page, t).exists()]
    assert not broken, f"{page.relative_to(REPO_ROOT)} links to missing files: {broken}"


def test_every_docs_page_is_linked_from_the_readme_or_a_docs_index():
    assert all(index.is_file() for index in INDEXES)
    linked = {resolve(index, t) for index in INDEXES if index.is_file() for t in relative_links(index)}
    orphans = [
        str(page.relative_to(REPO_ROOT))
        for page in sorted(DOCS.rglob("*.md"))
        if page.resolve() not in linked
    ]
    assert not orphans, f"pages no index links to: {orphans}"
