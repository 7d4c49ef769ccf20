"""Side-by-side HTML pages: the one template (templates/document.html, laid out by page.html) that the reader
and the archive share, the archive's page per document and its index, and the assets (static/page.css,
page.js, archive.js) they link. A paragraph is rendered in the blocks its Markdown made (`blocks`: headings,
lists, quotes), its sentences' glossary terms marked (`marked`).

The archive's pages link the assets written beside them into html/, with the lists that previous/next, the
search and the flag filter read (documents.js, sentences.js); a page on its own (`translate --format html`)
carries page.css and page.js inline. Jinja escapes every text.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import jinja2
from markupsafe import Markup, escape

from translator import durable
from translator.quality import MEANINGS, summary
from translator.types import AlignedDocument, Paragraph, Provenance, Sentence, Term
from translator.writers.base import Appended, Finished, State, Streaming

TEMPLATES = Path(__file__).resolve().parent / "templates"
ASSETS = Path(__file__).resolve().parent / "static"
ASSET_NAMES = ("page.css", "page.js", "archive.js")
INLINE = ASSET_NAMES[:2]  # what a page that travels alone carries inside it (archive.js is the index's)
_ENTRIES = "<!--entries-->"


def plural(count: int, noun: str) -> str:
    """'1 sentence', '2 sentences' (the template's `plural` filter)."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


@dataclass
class Block:
    """A run of a paragraph's sentences as its Markdown made it (`Sentence.lead`): `kind` is the element that
    holds it ("p", "h2"…"h6", "ul", "ol", "blockquote"); a list's `items` are its items, another block has one;
    `marks` the marker each item shows in every column ("•", "3.")."""

    kind: str
    items: list[list[Sentence]] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)


_HEADING = re.compile(r"(#{1,6})\s")
_NUMBER = re.compile(r"(\d{1,3})[.)]\s")


def _kind(lead: str) -> tuple[str, str]:
    """The element a sentence's block markers open, and the marker shown: the innermost marker decides
    ("> - x" is a list item), a quote marker alone is a quote; a document's `#` is the page's second level."""
    inner = lead.replace(">", " ").split()
    last = inner[-1] + " " if inner else ""
    if heading := _HEADING.match(last):
        return f"h{min(6, len(heading[1]) + 1)}", ""
    if number := _NUMBER.match(last):
        return "ol", f"{number[1]}."
    if last[:1] in ("-", "*", "+"):
        return "ul", "•"
    return ("blockquote" if ">" in lead else "p"), ""


def blocks(paragraph: Paragraph) -> list[Block]:
    """A paragraph's sentences in blocks: a sentence with block markers opens a block (list items of one kind
    in a row share their list); a line after a heading or a list item opens a plain one; any other sentence
    goes on in the block before it."""
    found: list[Block] = []
    for s in paragraph.sentences:
        kind, mark = _kind(s.lead) if s.lead else ("p", "")
        last = found[-1] if found else None
        opens = s.lead and (kind not in ("ul", "ol") or last is None or last.kind != kind)
        if last is None or opens or (s.new_line and not s.lead and last.kind != "p"):
            found.append(Block(kind))
        block = found[-1]
        if not block.items or (s.lead and kind in ("ul", "ol")):
            block.items.append([])
            block.marks.append(mark)
        block.items[-1].append(s)
    return found


def marked(text: str, spans: Iterable[tuple[int | None, int | None, str, str]]) -> Markup:
    """`text`, escaped, with each (start, end, class, title) span in a <mark>; spans that overlap an earlier
    one, or have no place, are left out."""
    out, pos = [], 0
    for start, end, kind, title in sorted((s for s in spans if s[0] is not None and s[1] is not None), key=_start):
        assert start is not None and end is not None
        if start < pos or end > len(text) or start >= end:
            continue
        mark = Markup('<mark class="{}" title="{}">{}</mark>').format(kind, title, text[start:end])
        out += [escape(text[pos:start]), mark]
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def _start(span: tuple[int | None, int | None, str, str]) -> int:
    return span[0] or 0


def _title(term: Term) -> str:
    said = {"kept": "kept", "applied": "applied by the glossary", "missing": "missing from the English"}
    return f"glossary: {term.target} ({said[term.status]})"


def source_marked(s: Sentence) -> Markup:
    """A sentence's source with its glossary terms marked."""
    return marked(s.source, ((t.start, t.end, f"term {t.status}", _title(t)) for t in s.terms))


def target_marked(s: Sentence) -> Markup:
    """A sentence's English with the glossary terms it holds marked."""
    return marked(s.target, ((t.target_start, t.target_end, f"term {t.status}", _title(t)) for t in s.terms))


@functools.cache
def environment(*more: Path) -> jinja2.Environment:
    """The environment for these templates, and those in `more` folders (the reader's, which extend them)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*more, TEMPLATES]), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.globals.update(meanings=MEANINGS, blocks=blocks, source_marked=source_marked, target_marked=target_marked)
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


def document(
    doc: AlignedDocument, meta: dict[str, str], index_link: bool = True, inline: bool = False, name: str = ""
) -> str:
    """A document's page; `inline` puts the assets into the page, for a page that travels alone; `name`, its
    file name in an archive's html/ (its previous and next come from documents.js there)."""
    context: dict[str, Any] = {
        "title": meta.get("title") or doc.id,
        "doc": doc,
        "details": details(doc.provenance, doc.id, meta.get("date", "")),
        "index_link": index_link,
        "assets": "",
        "inline": {name.split(".")[1]: Markup(asset(name)) for name in INLINE} if inline else None,
        "archive_page": name,
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


def page_name(doc_id: str) -> str:
    """A document's page in html/, from its id: lower-case ASCII letters and digits joined by "-" (at most 60),
    and, unless that is the id itself, 8 hex digits of the id's SHA-256, so that two ids never share a name
    (a job's ids are unique) and a name never depends on what else the job holds."""
    ascii = unicodedata.normalize("NFKD", doc_id).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii).strip("-")[:60].strip("-") or "document"
    if slug != doc_id or slug == "index":
        slug += "-" + hashlib.sha256(doc_id.encode()).hexdigest()[:8]
    return slug + ".html"


def _script(variable: str) -> tuple[bytes, bytes]:
    """The head and tail of a .js file that assigns a list to `variable`, its entries appended between: the
    pages read it with a <script>, which works from file:// where fetch() of a JSON file does not."""
    return f"window.{variable} = [\n".encode(), b"];\n"


def _js(value: object) -> bytes:
    """One entry of such a list: JSON (a JSON value is a JS value), "</" escaped for a <script> element."""
    return (json.dumps(value, ensure_ascii=False).replace("</", "<\\/") + ",\n").encode()


class Writer(Streaming):
    """html/ of an archive job: a page per translated document, named from its id (`page_name`), the assets
    they share, index.html listing every document in input order (failed ones with their reason) with the
    totals, a search box and a filter by flag, and two lists the pages read from file:// with no server:
    documents.js (each page's name, title, id, sentence count and flags: previous and next, the filter) and
    sentences.js (every sentence pair: the search). Each page is written whole, and fsynced at the next sync;
    the index and the lists stream as whole-file outputs; the totals are part of the writer's state."""

    FILES = ("html",)
    LISTS: ClassVar[dict[str, str]] = {"documents.js": "archiveDocuments", "sentences.js": "archiveSentences"}

    def __init__(self, out: Path, provenance: dict[str, Any]) -> None:
        self.folder = out / self.FILES[0]
        self.index_file, self.documents, self.sentences = self.files = tuple(
            Appended(self.folder / name, final=True) for name in ("index.html", *self.LISTS)
        )
        self.unsynced: list[Path] = []
        self.index = environment().get_template("index.html")
        self.totals: dict[str, Any] = {}

    def open(self, state: State) -> None:
        with durable.writing(self.folder):
            self.folder.mkdir(exist_ok=True)
        for name in ASSET_NAMES:
            self._write_whole(self.folder / name, asset(name))
        zero = {"documents": 0, "sentences": 0, "flagged": 0, "failed": 0, "flags": {}}
        self.totals = {**zero, **state.get("totals", {})}
        super().open(state)

    def _write_whole(self, path: Path, text: str) -> None:
        with durable.writing(path):
            path.write_text(text, encoding="utf-8")
        self.unsynced.append(path)

    def _index_parts(self) -> list[str]:
        page = self.index.render(
            title="Documents", entries=Markup(_ENTRIES), totals=self.totals, index_link=False, assets="", inline=None
        )
        head, tail = page.split(_ENTRIES)
        return [head, tail + "\n"]

    def head(self, file: Appended) -> bytes:
        if file is self.index_file:
            return self._index_parts()[0].encode()
        return _script(self.LISTS[file.name])[0]

    def write(self, finished: Finished) -> None:
        if (doc := finished.aligned) is None:
            entry = macros().failure(finished.origin, finished.reason or "")
            self.totals["failed"] += 1
        else:
            name = page_name(doc.id)
            self._write_whole(self.folder / name, document(doc, finished.meta, name=name))
            entry = macros().entry(name, doc, finished.meta)
            flags = summary(s.flags for s in doc.sentences)
            title = finished.meta.get("title") or doc.id
            self.documents.write(_js([name, title, doc.id, len(doc.sentences), flags]))
            pairs = [[s.id, s.source, s.target, list(s.flags)] for s in doc.sentences]
            self.sentences.write(_js([name, pairs]))
            self._count(doc, flags)
        self.index_file.write(str(entry).encode())

    def _count(self, doc: AlignedDocument, flags: dict[str, int]) -> None:
        totals = self.totals
        totals["documents"] += 1
        totals["sentences"] += len(doc.sentences)
        totals["flagged"] += sum(1 for s in doc.sentences if s.flags)
        totals["flags"] = dict(sorted((Counter(totals["flags"]) + Counter(flags)).items()))

    def sync(self) -> State:
        for path in self.unsynced:
            durable.fsync(path)
        self.unsynced.clear()
        return {**super().sync(), "totals": dict(self.totals)}

    def tail(self, file: Appended) -> bytes:
        if file is self.index_file:
            return self._index_parts()[1].encode()
        return _script(self.LISTS[file.name])[1]
