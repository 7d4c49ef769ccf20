"""Moses pair files: one sentence a line in corpus.id and corpus.en, line i of one the translation of line i
of the other; line breaks inside a sentence become spaces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from translator.types import AlignedDocument
from translator.writers.base import Appended, Finished, Streaming


def one_line(text: str) -> str:
    return " ".join(text.split())


def lines(doc: AlignedDocument) -> tuple[str, str]:
    return (
        "".join(one_line(s.source) + "\n" for s in doc.sentences),
        "".join(one_line(s.target) + "\n" for s in doc.sentences),
    )


class Writer(Streaming):
    FILES = ("corpus.id", "corpus.en")

    def __init__(self, out: Path, provenance: dict[str, Any]) -> None:
        self.files = tuple(Appended(out / name) for name in self.FILES)

    def write(self, document: Finished) -> None:
        if document.aligned is not None:
            for file, text in zip(self.files, lines(document.aligned), strict=True):
                file.write(text.encode())
