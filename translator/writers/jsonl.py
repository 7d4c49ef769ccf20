"""JSON Lines out: one aligned document a line (documents.jsonl) and one failure a line (failures.jsonl), written
by every archive job; and one document alone, as `translate --format json` and `--format jsonl` print it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from translator.types import AlignedDocument
from translator.writers.base import Appended, Finished, Streaming


def line(record: dict[str, object]) -> str:
    """One aligned-document record as a line of documents.jsonl."""
    return json.dumps(record, ensure_ascii=False) + "\n"


class Writer(Streaming):
    FILES = ("documents.jsonl", "failures.jsonl")

    def __init__(self, out: Path, provenance: dict[str, Any]) -> None:
        self.documents, self.failures = self.files = tuple(Appended(out / name) for name in self.FILES)

    def write(self, document: Finished) -> None:
        if document.aligned is None:
            failure = {"seq": document.seq, "origin": document.origin, "reason": document.reason}
            self.failures.write(line(failure).encode())
        else:
            self.documents.write(line({**document.aligned.to_dict(), "meta": document.meta}).encode())


def document(doc: AlignedDocument) -> str:
    """One document as one indented JSON object."""
    return json.dumps(doc.to_dict(), ensure_ascii=False, indent=2) + "\n"


def sentences(doc: AlignedDocument) -> str:
    """One document as a line per sentence, each with its document's id and its paragraph's index."""
    return "".join(
        line({"doc": doc.id, "paragraph": p.index, **s.to_dict()}) for p in doc.paragraphs for s in p.sentences
    )
