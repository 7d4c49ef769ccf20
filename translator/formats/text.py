"""Plain text and Markdown files: one document each, its id the file's path inside the input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from translator.formats import Document, Fields, Unit, decode, whole_document


def read(origin: str, stream: IO[bytes], fields: Fields, limit: int) -> Iterator[Unit]:
    yield whole_document(origin, stream, limit, lambda data: Document(origin, decode(data), {"origin": origin}))
