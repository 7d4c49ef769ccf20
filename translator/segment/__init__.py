"""Indonesian segmentation: text → paragraphs (split on blank lines) → sentences with character offsets.

Every non-whitespace character of the input lies in exactly one sentence, and `source == text[start:end]`.
"""

from __future__ import annotations

import re

from translator import spans
from translator.segment.boundaries import sentence_spans
from translator.types import Paragraph, Sentence

SEGMENTER_VERSION = "id/2"  # id/2: one CRLF is one line break, not a paragraph break
_LINE_BREAK = r"(?:\r\n|\r(?!\n)|\n)"
_BLANK_LINES = re.compile(_LINE_BREAK + r"(?:[^\S\r\n]*" + _LINE_BREAK + ")+")

__all__ = ["SEGMENTER_VERSION", "segment"]


def segment(text: str) -> list[Paragraph]:
    """Split `text` into paragraphs and sentences; offsets are Python string indices into `text`."""
    paragraphs: list[Paragraph] = []
    for lo, hi in _paragraph_spans(text):
        index = len(paragraphs)
        bounds = sentence_spans(text, lo, hi)
        sentences = tuple(
            Sentence(id=f"p{index}s{k}", start=s, end=e, source=text[s:e], new_line=k > 0 and _breaks(text, before, s))
            for k, ((s, e), (_, before)) in enumerate(zip(bounds, [(lo, lo), *bounds], strict=False))
        )
        paragraphs.append(Paragraph(index=index, start=lo, end=hi, sentences=sentences))
    return paragraphs


def _breaks(text: str, start: int, end: int) -> bool:
    gap = text[start:end]
    return "\n" in gap or "\r" in gap


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    cuts = [i for m in _BLANK_LINES.finditer(text) for i in (m.start(), m.end())]
    return spans.cut(text, 0, len(text), cuts)
