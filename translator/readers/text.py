"""Plain text and Markdown files: one document each, its id the file's path inside the input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from translator.readers import Document, Fields, Unit, plain_text, whole_document


def read(origin: str, stream: IO[bytes], fields: Fields, limit: int) -> Iterator[Unit]:
    yield whole_document(origin, stream, limit, lambda data: Document(origin, plain_text(data), {"origin": origin}))
