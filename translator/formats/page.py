"""Side-by-side HTML pages, one per document, and an index; every text is escaped.

Written with html.escape rather than a template engine: two small fixed layouts, no logic.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

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


def index(entries: Iterable[tuple[str, str, int]]) -> str:
    """(file name, document id, sentence count) of each page, in input order."""
    items = "".join(
        f'<li><a href="{escape(name)}">{escape(doc_id)}</a> ({count} sentences)</li>' for name, doc_id, count in entries
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Documents</title>'
        f"<style>{_STYLE}</style></head><body><h1>Documents</h1><ol>{items}</ol></body></html>\n"
    )
