"""Every relative link in README.md and docs/*.md leads somewhere: the file exists, and a `#fragment` names a
heading of the target as GitHub makes its anchors."""

from __future__ import annotations

import itertools
import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tests.conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PARSER = MarkdownIt("commonmark").enable("table")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def slug(text: str) -> str:
    """GitHub's anchor for a heading's text (github-slugger): lower case, every character but letters, marks,
    digits, underscores, spaces and hyphens dropped, each space a hyphen."""
    kept = (c for c in text.lower() if c in " -" or unicodedata.category(c)[0] in "LMN" or c == "_")
    return "".join(kept).replace(" ", "-")


def plain(token: Token) -> str:
    """The text a heading shows: its words and code spans, without the markup around them."""
    return "".join(child.content for child in token.children or [] if child.type in ("text", "code_inline"))


def anchors(page: Path) -> set[str]:
    """A page's heading anchors; a repeated one gets -1, -2… as on GitHub."""
    tokens = PARSER.parse(page.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    found = set()
    for opening, inline in itertools.pairwise(tokens):
        if opening.type == "heading_open":
            base = slug(plain(inline))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def targets(page: Path) -> Iterator[str]:
    """Every link and image address in a page, code blocks and code spans left out (they are not links)."""
    for token in PARSER.parse(page.read_text(encoding="utf-8")):
        for child in token.children or []:
            address = child.attrs.get("href") if child.type == "link_open" else child.attrs.get("src")
            if isinstance(address, str):
                yield address


def broken_links(page: Path) -> list[str]:
    """The relative links of `page` that lead nowhere, each with the reason."""
    broken = []
    for address in targets(page):
        if SCHEME.match(address) or address.startswith("//"):
            continue  # a web address: not ours to check here
        parts = urlsplit(address)
        path = unquote(parts.path)
        target = (ROOT / path.lstrip("/")) if path.startswith("/") else (page.parent / path if path else page)
        if not target.exists():
            broken.append(f"{address}: no file {os.path.relpath(target, page.parent)}")
        elif parts.fragment and target.suffix == ".md" and unquote(parts.fragment) not in anchors(target):
            broken.append(f"{address}: no heading #{parts.fragment} in {os.path.relpath(target, page.parent)}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_the_pages_the_readme_promises_are_checked() -> None:
    names = {p.name for p in PAGES}
    assert {"README.md", "http.md", "archive.md", "documents.md", "reader.md", "benchmarks.md", "design.md"} <= names


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Engines: the bake-off", "engines-the-bake-off"),
        ("What a .docx loses", "what-a-docx-loses"),
        ("../shared: the data beside the checkout", "shared-the-data-beside-the-checkout"),
        ("Load: rate under 32 clients, idle latency", "load-rate-under-32-clients-idle-latency"),
        ("The `translate-file` command", "the-translate-file-command"),
        ("Über — café", "über--café"),
    ],
)
def test_anchors_are_made_as_github_makes_them(tmp_path: Path, heading: str, anchor: str) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"# Title\n\n## {heading}\n\n## {heading}\n", encoding="utf-8")
    assert anchors(page) == {"title", anchor, f"{anchor}-1"}


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "there.md").write_text("# There\n\n## A part\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n[ok](there.md) [ok](there.md#a-part) [ok](#page) [web](https://example.com/x.md)\n"
        "`[code](gone.md)`\n\n```\n[block](gone.md)\n```\n\n"
        "[file](gone.md) [heading](there.md#no-such-part) [here](#nowhere) ![img](missing.png)\n",
        encoding="utf-8",
    )
    assert [line.split(":")[0] for line in broken_links(page)] == [
        "gone.md",
        "there.md#no-such-part",
        "#nowhere",
        "missing.png",
    ]
