"""Side-by-side HTML pages, one per document, and an index; every text is escaped.

Written with html.escape rather than a template engine: two small fixed layouts, no logic.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from translator import durable
from translator.formats.output import Appended, Finished, State, Streaming
from translator.quality import MEANINGS
from translator.types import AlignedDocument

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:80rem;margin:auto;padding:1rem;line-height:1.5}"
    "table{border-collapse:collapse;width:100%}td{vertical-align:top;padding:.3rem .6rem;border-top:1px solid #ddd;"
    "width:50%}.flag{color:#b3261e;font-size:.8rem}.para td{border-top:2px solid #999}a{color:#2a6fdb}"
)


def document(doc: AlignedDocument, meta: dict[str, str], index_link: bool = True) -> str:
    rows = []
    for p in doc.paragraphs:
        for k, s in enumerate(p.sentences):
            flags = "".join(
                f' <span class="flag" title="{escape(MEANINGS.get(f, f))}">⚑ {escape(f)}</span>' for f in s.flags
            )
            rows.append(
                f'<tr id="{escape(s.id)}"{" class=para" if k == 0 else ""}><td lang="id">{escape(s.source)}</td>'
                f'<td lang="en">{escape(s.target)}{flags} <a href="#{escape(s.id)}">#</a></td></tr>'
            )
    prov = doc.provenance
    title = meta.get("title") or doc.id
    back = '<p><a href="index.html">All documents</a></p>' if index_link else ""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{back}"
        f"<h1>{escape(title)}</h1><p>{escape(doc.id)} · {escape(meta.get('date', ''))} · "
        f"{escape(prov.model)}@{escape(prov.revision)} · {escape(prov.backend)} · beam {prov.beam_size}</p>"
        f"<table><tbody>{''.join(rows)}</tbody></table></body></html>\n"
    )


_INDEX_HEAD = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Documents</title>'
    f"<style>{_STYLE}</style></head><body><h1>Documents</h1><ol>"
)
_INDEX_TAIL = "</ol></body></html>\n"


class Writer(Streaming):
    """html/ of an archive job: a page per translated document, named by its place in the input stream, and
    index.html listing them in input order. Each page is written whole, and fsynced at the next sync; the index
    streams as a whole-file output."""

    FILES = ("html",)

    def __init__(self, out: Path, provenance: dict[str, Any]) -> None:
        self.folder = out / self.FILES[0]
        self.files = (Appended(self.folder / "index.html", final=True),)
        self.unsynced: list[Path] = []

    def open(self, state: State) -> None:
        with durable.writing(self.folder):
            self.folder.mkdir(exist_ok=True)
        super().open(state)

    def head(self, file: Appended) -> bytes:
        return _INDEX_HEAD.encode()

    def write(self, finished: Finished) -> None:
        if (doc := finished.aligned) is None:
            return
        name = f"{finished.seq:06d}.html"
        path = self.folder / name
        with durable.writing(path):
            path.write_text(document(doc, finished.meta), encoding="utf-8")
        self.unsynced.append(path)
        entry = f'<li><a href="{escape(name)}">{escape(doc.id)}</a> ({len(doc.sentences)} sentences)</li>'
        self.files[0].write(entry.encode())

    def sync(self) -> State:
        for path in self.unsynced:
            durable.fsync(path)
        self.unsynced.clear()
        return super().sync()

    def tail(self, file: Appended) -> bytes:
        return _INDEX_TAIL.encode()
