"""The flow's two ends, pure: `plan` segments documents into the sentences to translate, in order, and the
layout they go back into; `assemble` puts one translation per sentence back, into aligned documents (or,
for a stream, one paragraph at a time with `fill`, then `document`). Translating the sentence list between
them (Translator.translate_sentences) is the only step that needs a model. Every driver runs these three
steps and nothing else: the library's Translator, the HTTP service through its batcher, the archive job,
and a Ray job across machines. Markdown is held aside here (translator/markdown.py): the model sees each
sentence without its inline emphasis, and its English gets the emphasis and the block markers back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from translator import markdown, quality, spans
from translator.errors import InputError
from translator.segment import segment
from translator.types import AlignedDocument, Paragraph, Provenance, Sentence, Term, Translation


@dataclass(frozen=True)
class Layout:
    """One document segmented: its paragraphs and sentences, with their offsets and line breaks."""

    id: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Plan:
    layouts: tuple[Layout, ...]

    @property
    def sources(self) -> list[str]:
        """Every sentence of every document, in order, as the model step translates it (inline Markdown held
        aside)."""
        return [s for part in self.parts for s in part]

    @property
    def parts(self) -> list[list[str]]:
        """The sentences of each paragraph of each document, in order: what a stream answers at a time."""
        return [
            [markdown.held(s.source).text for s in p.sentences] for layout in self.layouts for p in layout.paragraphs
        ]


def plan(documents: Iterable[tuple[str, str]]) -> Plan:
    """(id, text) documents segmented; a text that is not a string is an InputError naming the document."""
    layouts = []
    for doc_id, text in documents:
        if not isinstance(text, str):
            raise InputError(f"document {doc_id!r}: text must be a string, not {type(text).__name__}")
        layouts.append(Layout(doc_id, tuple(segment(text))))
    return Plan(tuple(layouts))


def assemble(plan: Plan, translations: Sequence[Translation], provenance: Provenance) -> list[AlignedDocument]:
    """The plan's documents with `translations` (one per source sentence, in order) beside their sources."""
    if len(translations) != len(plan.sources):
        raise ValueError(f"{len(translations)} translations for {len(plan.sources)} sentences")
    given = iter(translations)
    return [document(layout.id, [fill(p, given) for p in layout.paragraphs], provenance) for layout in plan.layouts]


def fill(paragraph: Paragraph, translations: Iterator[Translation]) -> Paragraph:
    """`paragraph` with each sentence's translation, taken in order from `translations`, its inline Markdown
    put back (flagged `markup_moved` where its place is a guess)."""
    pairs = [(s, next(translations)) for s in paragraph.sentences]
    return replace(paragraph, sentences=tuple(filled(s, t) for s, t in pairs))


def filled(sentence: Sentence, translation: Translation) -> Sentence:
    """`sentence` with its translation, its inline Markdown put back (emphasis on a glossary term around its
    English), and its terms' spans moved from what the model saw and said to the sentence's source and target."""
    terms = translation.terms
    model_text = markdown.held(sentence.source).text if terms else sentence.source
    known = [
        ((t.start, t.end), (t.target_start, t.target_end))
        for t in terms
        if t.target_start is not None and t.target_end is not None
    ]
    target, moved = markdown.restore(sentence.source, translation.target, known)
    if terms and (target != translation.target or model_text != sentence.source):
        source_at = spans.within(model_text, sentence.source)
        target_at = spans.within(translation.target, target)
        terms = tuple(_moved(t, source_at, target_at) for t in terms)
    return replace(
        sentence,
        target=target,
        flags=(*translation.flags, quality.MARKUP_MOVED) if moved else translation.flags,
        origin=translation.origin,
        confidence=translation.confidence,
        terms=terms,
    )


def _moved(term: Term, source_at: list[int], target_at: list[int]) -> Term:
    start, end = _span(term.start, term.end, source_at)
    if term.target_start is None or term.target_end is None:
        return replace(term, start=start, end=end)
    target_start, target_end = _span(term.target_start, term.target_end, target_at)
    return replace(term, start=start, end=end, target_start=target_start, target_end=target_end)


def _span(start: int, end: int, at: list[int]) -> tuple[int, int]:
    """[start, end) of the shorter text as a span of the longer (its first and last characters' places)."""
    return (at[start], at[end - 1] + 1) if end > start else (at[start], at[start])


def document(doc_id: str, paragraphs: Sequence[Paragraph], provenance: Provenance) -> AlignedDocument:
    """The aligned document of translated paragraphs, with its English text: paragraphs apart by a blank line,
    sentences by a space or the source's line break, each after its Markdown block markers."""
    english = "\n\n".join(
        "".join(("\n" if s.new_line else " ") * (k > 0) + s.lead + s.target for k, s in enumerate(p.sentences))
        for p in paragraphs
    )
    return AlignedDocument(doc_id, english, tuple(paragraphs), provenance)
