"""The values that flow through the library: sentences, paragraphs, aligned documents and their provenance.

All are frozen dataclasses; `to_dict()` gives the JSON form of DESIGN.md's aligned-document contract.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from translator.quality import summary

Origin = Literal["model", "reviewed", "english", "copied"]
"""Where a sentence's English came from: the model (now, or earlier through the translation memory: a cache hit
gives the model's English for the same model and options, and must not change any output, so it is `model` too;
hits are counted in a job's manifest and the service's metrics), a person's reviewed translation, the source
itself because it is English already (`english`), or the source copied because it has no letter or digit to
translate (`copied`)."""

TermStatus = Literal["kept", "applied", "missing"]


@dataclass(frozen=True)
class Term:
    """A glossary entry matched in a sentence: the span of its source words in the sentence (`start`, `end`,
    Python string indices into the sentence's source), the English it must have, and where that English is in
    the sentence's target (`target_start`, `target_end`; None when `missing`). `status`: `kept` (the model
    produced it by itself), `applied` (the glossary made it so) or `missing` (it could not be placed)."""

    start: int
    end: int
    target: str
    status: TermStatus
    target_start: int | None = None
    target_end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    origin: Origin = "model"
    confidence: float | None = None
    terms: tuple[Term, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "source": self.source,
            "target": self.target,
            "flags": list(self.flags),
            "origin": self.origin,
            "confidence": self.confidence,
            "terms": [t.to_dict() for t in self.terms],
        }


@dataclass(frozen=True)
class Translation:
    """One sentence's English, the flags that say how far to trust it, where it came from, the model's
    confidence in it (None where no model made it now or earlier) and the glossary terms it matched."""

    target: str
    flags: tuple[str, ...] = ()
    origin: Origin = "model"
    confidence: float | None = None
    terms: tuple[Term, ...] = ()


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
