"""Indonesian segmentation: text → paragraphs (split on blank lines) → sentences with character offsets.

Every non-whitespace character of the input lies in exactly one sentence or in the Markdown block markers
held aside before one (`Sentence.lead`), and `source == text[start:end]`.
"""

from __future__ import annotations

import re

from translator import markdown, spans
from translator.segment.boundaries import sentence_spans
from translator.types import Paragraph, Sentence

# id/2: one CRLF is one line break, not a paragraph break; id/3: Markdown block markers held aside (a
# sentence starts after "- ", "## ", "1. ", "> "; a list item or heading starts a sentence), and emphasis
# closing after a full stop ("**Selesai.** Lalu") ends the sentence
SEGMENTER_VERSION = "id/3"
_LINE_BREAK = r"(?:\r\n|\r(?!\n)|\n)"
_BLANK_LINES = re.compile(_LINE_BREAK + r"(?:[^\S\r\n]*" + _LINE_BREAK + ")+")

__all__ = ["SEGMENTER_VERSION", "segment"]


def segment(text: str) -> list[Paragraph]:
    """Split `text` into paragraphs and sentences; offsets are Python string indices into `text`."""
    paragraphs: list[Paragraph] = []
    for lo, hi in _paragraph_spans(text):
        index = len(paragraphs)
        bounds = [_after_lead(text, s, e) for s, e in sentence_spans(text, lo, hi)]
        sentences = tuple(
            Sentence(
                id=f"p{index}s{k}",
                start=s,
                end=e,
                source=text[s:e],
                new_line=k > 0 and _breaks(text, before, s),
                lead=text[line:s] if line < s else "",
            )
            for k, ((line, s, e), (_, _, before)) in enumerate(zip(bounds, [(lo, lo, lo), *bounds], strict=False))
        )
        paragraphs.append(Paragraph(index=index, start=lo, end=hi, sentences=sentences))
    return paragraphs


def _after_lead(text: str, start: int, end: int) -> tuple[int, int, int]:
    """(where its line starts, start, end) of a sentence: its start moved past the Markdown block markers
    when it starts a line, else (start, start, end)."""
    line = start
    while line > 0 and text[line - 1] in " \t":
        line -= 1
    if line > 0 and text[line - 1] not in "\r\n":
        return start, start, end
    after = markdown.lead(text, start, end)
    return (line, after, end) if after > start else (start, start, end)


def _breaks(text: str, start: int, end: int) -> bool:
    gap = text[start:end]
    return "\n" in gap or "\r" in gap


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    cuts = [i for m in _BLANK_LINES.finditer(text) for i in (m.start(), m.end())]
    return spans.cut(text, 0, len(text), cuts)
