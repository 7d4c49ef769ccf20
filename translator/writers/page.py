"""Side-by-side HTML pages: the one template (templates/document.html, laid out by page.html) that the reader
and the archive share, the archive's page per document and its index, and the assets (static/page.css,
page.js) they link.

The archive's pages link the assets written beside them into html/; a page on its own (`translate --format
html`) carries them inline. Jinja escapes every text.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from translator import durable
from translator.quality import MEANINGS
from translator.types import AlignedDocument, Paragraph, Provenance, Sentence
from translator.writers.base import Appended, Finished, State, Streaming

TEMPLATES = Path(__file__).resolve().parent / "templates"
ASSETS = Path(__file__).resolve().parent / "static"
ASSET_NAMES = ("page.css", "page.js")
_ENTRIES = "<!--entries-->"


def plural(count: int, noun: str) -> str:
    """'1 sentence', '2 sentences' (the template's `plural` filter)."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


@functools.cache
def environment(*more: Path) -> jinja2.Environment:
    """The environment for these templates, and those in `more` folders (the reader's, which extend them)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*more, TEMPLATES]), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.globals["meanings"] = MEANINGS
    env.filters["plural"] = plural
    return env


def macros() -> Any:
    """document.html's macros, to render a part of a document (a paragraph, an index entry) on its own."""
    return environment().get_template("document.html").module


def details(provenance: Provenance, *parts: str) -> list[str]:
    """What a page says about a document beside its view buttons: `parts` (its id, date…) that are not
    empty, then what made it."""
    made = [f"{provenance.model}@{provenance.revision}", provenance.backend, f"beam {provenance.beam_size}"]
    return [part for part in parts if part] + made


def document(doc: AlignedDocument, meta: dict[str, str], index_link: bool = True, inline: bool = False) -> str:
    """A document's page; `inline` puts the assets into the page, for a page that travels alone."""
    context: dict[str, Any] = {
        "title": meta.get("title") or doc.id,
        "doc": doc,
        "details": details(doc.provenance, doc.id, meta.get("date", "")),
        "index_link": index_link,
        "assets": "",
        "inline": {name.split(".")[1]: Markup(asset(name)) for name in ASSET_NAMES} if inline else None,
    }
    return environment().get_template("page.html").render(context) + "\n"


def single(doc: AlignedDocument) -> str:
    """A document's page alone, the assets inside it, as `translate --format html` prints it."""
    return document(doc, {}, index_link=False, inline=True)


def evaluation(title: str, details: list[str], scores: list[tuple[str, str]], pairs: list[tuple[int, Any]]) -> str:
    """`translator eval`'s page of the worst pairs (`pairs`: each with its place in the set, as
    translator/evaluation.py's Segment), the assets inside it: each pair is a paragraph of the document
    template (its Indonesian, its English, their flags), its reference and scores below it."""
    shown = [
        (
            Paragraph(
                k, 0, len(s.source), (Sentence(f"pair-{k + 1}", 0, len(s.source), s.source, s.hypothesis, s.flags),)
            ),
            s,
        )
        for k, s in pairs
    ]
    context: dict[str, Any] = {
        "title": title,
        "details": details,
        "scores": scores,
        "pairs": shown,
        "index_link": False,
        "assets": "",
        "inline": {name.split(".")[1]: Markup(asset(name)) for name in ASSET_NAMES},
    }
    return environment().get_template("evaluation.html").render(context) + "\n"


def asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


class Writer(Streaming):
    """html/ of an archive job: a page per translated document, named by its place in the input stream, the
    assets they share, and index.html listing every document in input order, failed ones with their reason.
    Each page is written whole, and fsynced at the next sync; the index streams as a whole-file output."""

    FILES = ("html",)

    def __init__(self, out: Path, provenance: dict[str, Any]) -> None:
        self.folder = out / self.FILES[0]
        self.files = (Appended(self.folder / "index.html", final=True),)
        self.unsynced: list[Path] = []
        self.index = environment().get_template("index.html")

    def open(self, state: State) -> None:
        with durable.writing(self.folder):
            self.folder.mkdir(exist_ok=True)
        for name in ASSET_NAMES:
            self._write_whole(self.folder / name, asset(name))
        super().open(state)

    def _write_whole(self, path: Path, text: str) -> None:
        with durable.writing(path):
            path.write_text(text, encoding="utf-8")
        self.unsynced.append(path)

    def _index_parts(self) -> list[str]:
        page = self.index.render(title="Documents", entries=Markup(_ENTRIES), index_link=False, assets="", inline=None)
        head, tail = page.split(_ENTRIES)
        return [head, tail + "\n"]

    def head(self, file: Appended) -> bytes:
        return self._index_parts()[0].encode()

    def write(self, finished: Finished) -> None:
        if (doc := finished.aligned) is None:
            entry = macros().failure(finished.origin, finished.reason or "")
        else:
            name = f"{finished.seq:06d}.html"
            self._write_whole(self.folder / name, document(doc, finished.meta))
            entry = macros().entry(name, doc, finished.meta)
        self.files[0].write(str(entry).encode())

    def sync(self) -> State:
        for path in self.unsynced:
            durable.fsync(path)
        self.unsynced.clear()
        return super().sync()

    def tail(self, file: Appended) -> bytes:
        return self._index_parts()[1].encode()
