"""The values that flow through the library: sentences, paragraphs, aligned documents and their provenance.

All are frozen dataclasses; `to_dict()` gives the JSON form of DESIGN.md's aligned-document contract.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from translator.quality import summary


@dataclass(frozen=True)
class Sentence:
    """One source sentence: `source == text[start:end]` of the text that was submitted. `new_line`: a line
    break lies between it and the sentence before it in its paragraph (after a headline, say); the English
    keeps it, and the JSON form leaves it out (the offsets tell it). `lead`: the Markdown block markers before
    it on its line, with their indent ("- ", "## ", "  1. ", "> "; translator/markdown.py), outside the sentence
    and written before its English; the JSON form leaves it out too (it is the text before `start`)."""

    id: str
    start: int
    end: int
    source: str
    target: str = ""
    flags: tuple[str, ...] = ()
    new_line: bool = False
    lead: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "source": self.source,
            "target": self.target,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class Translation:
    """One sentence's English and the flags that say how far to trust it."""

    target: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    """A run of text between blank lines, with its sentences in input order."""

    index: int
    start: int
    end: int
    sentences: tuple[Sentence, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "start": self.start,
            "end": self.end,
            "sentences": [s.to_dict() for s in self.sentences],
        }


@dataclass(frozen=True)
class Provenance:
    """What produced a translation, so that a result can be cited and reproduced."""

    model: str
    revision: str
    backend: str
    beam_size: int
    segmenter: str
    version: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AlignedDocument:
    """A translated document: the whole English text plus every sentence pair with its offsets."""

    id: str
    translation: str
    paragraphs: tuple[Paragraph, ...]
    provenance: Provenance

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(s for p in self.paragraphs for s in p.sentences)

    @property
    def summary(self) -> dict[str, Any]:
        """How many sentences, and how many carry each flag."""
        return {"sentences": len(self.sentences), "flags": summary(s.flags for s in self.sentences)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "translation": self.translation,
            "paragraphs": [p.to_dict() for p in self.paragraphs],
            "summary": self.summary,
            "provenance": self.provenance.to_dict(),
        }
