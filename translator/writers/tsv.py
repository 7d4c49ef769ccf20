"""Tab-separated pairs under a header line: backslash escapes keep one pair on one line and every character
recoverable. pairs.tsv of an archive job, and one document alone as `translate --format tsv` prints it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from translator.types import AlignedDocument
from translator.writers.base import Appended, Finished, Streaming

HEADER = "doc_id\tsentence_id\tsource\ttarget\tflags\n"


def field(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def row(values: Iterable[str]) -> str:
    return "\t".join(field(v) for v in values) + "\n"


def pairs(doc: AlignedDocument) -> str:
    return "".join(row((doc.id, s.id, s.source, s.target, ",".join(s.flags))) for s in doc.sentences)


class Writer(Streaming):
    FILES = ("pairs.tsv",)

    def __init__(self, out: Path, provenance: dict[str, Any]) -> None:
        self.files = (Appended(out / self.FILES[0]),)

    def head(self, file: Appended) -> bytes:
        return HEADER.encode()

    def write(self, document: Finished) -> None:
        if document.aligned is not None:
            self.files[0].write(pairs(document.aligned).encode())


def single(doc: AlignedDocument) -> str:
    """The header and the document's pairs: pairs.tsv as a job of this one document writes it."""
    return HEADER + pairs(doc)
