"""The English alone: what `translate` prints by default."""

from __future__ import annotations

from translator.types import AlignedDocument


def single(doc: AlignedDocument) -> str:
    """The document's English, its paragraphs apart as in the source, and a final line break."""
    return doc.translation + "\n"
