"""Moses pair files: one sentence a line in corpus.id and corpus.en, line i of one the translation of line i
of the other; line breaks inside a sentence become spaces."""

from __future__ import annotations

from translator.types import AlignedDocument


def one_line(text: str) -> str:
    return " ".join(text.split())


def lines(doc: AlignedDocument) -> tuple[str, str]:
    return (
        "".join(one_line(s.source) + "\n" for s in doc.sentences),
        "".join(one_line(s.target) + "\n" for s in doc.sentences),
    )
