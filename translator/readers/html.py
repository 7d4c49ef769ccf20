"""News pages: title, date and main text extracted with trafilatura; navigation and boilerplate left out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from translator.errors import InputError
from translator.readers import Document, Fields, Unit, plain_text, whole_document


def read(origin: str, stream: IO[bytes], fields: Fields, limit: int) -> Iterator[Unit]:
    yield whole_document(origin, stream, limit, lambda data: extract(origin, plain_text(data)))


def extract(origin: str, page: str) -> Document:
    import lxml.etree
    import lxml.html
    import trafilatura

    try:
        # parsed as a whole document (html/body around a bare fragment) so that pruning <nav> always works
        tree = lxml.html.document_fromstring(page.encode(), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except lxml.etree.ParserError as exc:
        raise InputError(f"not an HTML page: {exc}") from exc
    # precision: no whole-page fallback, which returns a menu when a page has no article
    found = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
        prune_xpath=["//nav"],
    )
    text = (getattr(found, "text", None) or "").strip()
    if not text:
        raise InputError("no article text found in the page")
    title = (getattr(found, "title", None) or "").strip()
    if title and not text.startswith(title):
        text = f"{title}\n{text}"
    meta = {"origin": origin, "title": title, "date": getattr(found, "date", None) or ""}
    # trafilatura puts one paragraph a line; a blank line is our paragraph break
    return Document(origin, "\n\n".join(line for line in text.splitlines() if line.strip()), meta)
