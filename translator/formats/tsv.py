"""Tab-separated pairs: backslash escapes keep one pair on one line and every character recoverable."""

from __future__ import annotations

from collections.abc import Iterable

from translator.types import AlignedDocument

HEADER = "doc_id\tsentence_id\tsource\ttarget\tflags\n"


def field(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def row(values: Iterable[str]) -> str:
    return "\t".join(field(v) for v in values) + "\n"


def pairs(doc: AlignedDocument) -> str:
    return "".join(row((doc.id, s.id, s.source, s.target, ",".join(s.flags))) for s in doc.sentences)
