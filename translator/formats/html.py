"""News pages: title, date and main text extracted with trafilatura; navigation and boilerplate left out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from translator.errors import InputError
from translator.formats import Document, Fields, Unit, decode


def read(origin: str, stream: IO[bytes], fields: Fields) -> Iterator[Unit]:
    data = stream.read()
    yield Unit(origin, lambda: extract(origin, decode(data)))


def extract(origin: str, page: str) -> Document:
    import trafilatura

    found = trafilatura.bare_extraction(page, with_metadata=True, include_comments=False, include_tables=False)
    text = (getattr(found, "text", None) or "").strip()
    if not text:
        raise InputError("no article text found in the page")
    title = (getattr(found, "title", None) or "").strip()
    if title and not text.startswith(title):
        text = f"{title}\n{text}"
    meta = {"origin": origin, "title": title, "date": getattr(found, "date", None) or ""}
    # trafilatura puts one paragraph a line; a blank line is our paragraph break
    return Document(origin, "\n\n".join(line for line in text.splitlines() if line.strip()), meta)
