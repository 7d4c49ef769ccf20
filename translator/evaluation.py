"""`translator eval`: a test set translated by a Translator (no memory, no reviewed translations: the model and
its options alone) and scored. Corpus BLEU, chrF++ and TER as sacrebleu computes them, with their signatures;
each pair's own chrF++ and BLEU (the worst pairs, read side by side); the share of pairs with each flag, that
of low_confidence among them; sentences a second; and, with a glossary, the share of its terms found in the
English, exact match as the WMT 2021 terminology task scores it.

The report is JSON-able (`Report.to_dict`: `bleu`, `chrf` and `ter` at its top level, `signatures` beside
them); `compare` gives its deltas against an earlier report; `markdown` a table for people.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.chrf import CHRF
from sacrebleu.metrics.ter import TER

from translator import quality
from translator.config import DecodeOptions
from translator.glossary import Glossary
from translator.glossary.match import find
from translator.pipeline import Translator
from translator.testsets import TestSet

# the scores `compare` takes deltas of, and whether higher is better
COMPARED = {
    "bleu": True,
    "chrf": True,
    "ter": False,
    "low_confidence": False,
    "flagged": False,
    "sentences_per_second": True,
    "term_accuracy": True,
}


@dataclass(frozen=True)
class Segment:
    """One pair as translated: its sentences' flags (together) and their lowest confidence, its own chrF++ and
    BLEU (sacrebleu's sentence scores, BLEU with effective order), and its glossary terms found in the
    English out of those matched in the source."""

    source: str
    reference: str
    hypothesis: str
    flags: tuple[str, ...]
    confidence: float | None
    chrf: float
    bleu: float
    terms: int = 0
    terms_found: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "flags": list(self.flags)}


@dataclass(frozen=True)
class Report:
    set: dict[str, Any]
    provenance: dict[str, Any]
    bleu: float
    chrf: float
    ter: float
    signatures: dict[str, str]
    pairs: int
    sentences: int
    seconds: float
    flags: dict[str, float]  # the share of pairs with each flag
    low_confidence: float  # the share of pairs with a sentence flagged low_confidence
    flagged: float  # the share of pairs with any flag
    min_confidence: float
    terms: dict[str, Any] | None = None  # {"terms", "found", "accuracy"} with a glossary
    compared: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def sentences_per_second(self) -> float:
        return self.sentences / self.seconds if self.seconds > 0 else 0.0

    def scores(self) -> dict[str, float]:
        """The numbers `compare` looks at."""
        found = {name: float(getattr(self, name)) for name in COMPARED if name != "term_accuracy"}
        if self.terms is not None:
            found["term_accuracy"] = float(self.terms["accuracy"])
        return found

    def to_dict(self) -> dict[str, Any]:
        report = asdict(self)
        report["sentences_per_second"] = round(self.sentences_per_second, 3)
        if not self.compared:
            del report["compared"]
        return report


def evaluate(
    translator: Translator, testset: TestSet, glossary: Glossary | None = None, decode: DecodeOptions | None = None
) -> tuple[Report, list[Segment]]:
    """Translate `testset`'s sources, one document each, and score the English against its references."""
    if translator.memory is not None:
        raise ValueError("evaluate a Translator without a memory: a hit would score an earlier translation")
    decode = decode or translator.config.decode
    documents = [(str(i), pair.source) for i, pair in enumerate(testset.pairs)]
    started = time.perf_counter()
    translated = list(translator.translate_documents(documents, decode, glossary))
    seconds = time.perf_counter() - started
    hypotheses = [doc.translation for doc in translated]
    references = [pair.reference for pair in testset.pairs]
    bleu, chrf, ter = BLEU(), CHRF(word_order=2), TER()
    segment_bleu, segment_chrf = BLEU(effective_order=True), CHRF(word_order=2)
    segments = []
    for pair, doc in zip(testset.pairs, translated, strict=True):
        sentences = doc.sentences
        confidences = [s.confidence for s in sentences if s.confidence is not None]
        terms, found = term_matches(pair.source, doc.translation, glossary)
        segments.append(
            Segment(
                source=pair.source,
                reference=pair.reference,
                hypothesis=doc.translation,
                flags=tuple(sorted({f for s in sentences for f in s.flags})),
                confidence=min(confidences) if confidences else None,
                chrf=segment_chrf.sentence_score(doc.translation, [pair.reference]).score,
                bleu=segment_bleu.sentence_score(doc.translation, [pair.reference]).score,
                terms=terms,
                terms_found=found,
            )
        )
    counts = Counter(f for s in segments for f in s.flags)
    share = len(segments)
    report = Report(
        set={"name": testset.name, "origin": testset.origin, "note": testset.note},
        provenance={**translator.provenance(decode).to_dict(), "decode": asdict(decode)},
        bleu=bleu.corpus_score(hypotheses, [references]).score,
        chrf=chrf.corpus_score(hypotheses, [references]).score,
        ter=ter.corpus_score(hypotheses, [references]).score,
        signatures={
            "bleu": str(bleu.get_signature()),
            "chrf": str(chrf.get_signature()),
            "ter": str(ter.get_signature()),
        },
        pairs=len(segments),
        sentences=sum(len(doc.sentences) for doc in translated),
        seconds=seconds,
        flags={name: counts[name] / share for name in sorted(counts)},
        low_confidence=counts[quality.LOW_CONFIDENCE] / share,
        flagged=sum(1 for s in segments if s.flags) / share,
        min_confidence=translator.config.min_confidence,
        terms=_term_accuracy(segments) if glossary is not None else None,
    )
    return report, segments


def term_matches(source: str, hypothesis: str, glossary: Glossary | None) -> tuple[int, int]:
    """(terms, found): the glossary's entries matched in `source` (translator/glossary/match.py), and how many
    of their targets are in `hypothesis` — exact match as WMT 2021's terminology scorer counts it: the target
    as whole words of the space-padded English, case aside, each place in the English counted once. (That
    scorer also accepts a match on lemmas, with Stanza; English targets of a newsroom glossary are mostly
    names, so exact match alone is kept here, and says so: it can only under-count.)"""
    if glossary is None:
        return 0, 0
    matches = [m for m in find(source, glossary) if not m.protected]
    taken: list[tuple[int, int]] = []
    padded = f" {hypothesis.lower()} "
    for match in matches:
        pattern = re.compile(rf"(?<!\w){re.escape(match.entry.target.lower())}(?!\w)")
        for hit in pattern.finditer(padded):
            if not any(hit.start() < end and start < hit.end() for start, end in taken):
                taken.append(hit.span())
                break
    return len(matches), len(taken)


def _term_accuracy(segments: Sequence[Segment]) -> dict[str, Any]:
    terms, found = sum(s.terms for s in segments), sum(s.terms_found for s in segments)
    return {"terms": terms, "found": found, "accuracy": found / terms if terms else 0.0}


def compare(report: Report, before: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Each score of `report` beside the same score of an earlier report's JSON (`before`) and the change;
    scores the earlier report lacks are left out."""
    earlier = dict(before)
    earlier["sentences_per_second"] = before.get("sentences_per_second")
    if isinstance(before.get("terms"), dict):
        earlier["term_accuracy"] = before["terms"].get("accuracy")
    deltas = {}
    for name, now in report.scores().items():
        then = earlier.get(name)
        if isinstance(then, int | float) and not isinstance(then, bool):
            deltas[name] = {"before": float(then), "now": now, "delta": now - float(then)}
    return deltas


def worst(segments: Sequence[Segment], count: int) -> list[tuple[int, Segment]]:
    """The `count` pairs with the lowest chrF++ (then BLEU, then order), with their place in the set."""
    ranked = sorted(enumerate(segments), key=lambda item: (item[1].chrf, item[1].bleu, item[0]))
    return ranked[:count]


NAMES = {
    "bleu": "BLEU",
    "chrf": "chrF++",
    "ter": "TER",
    "low_confidence": "low_confidence",
    "flagged": "flagged",
    "sentences_per_second": "sentences/s",
    "term_accuracy": "term accuracy",
}
_SHARES = ("low_confidence", "flagged", "term_accuracy")


def shown(name: str, value: float, signed: bool = False) -> str:
    if name in _SHARES:
        return f"{value * 100:+.1f} %" if signed else f"{value * 100:.1f} %"
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def markdown(report: Report) -> str:
    """The report as Markdown: the scores (and their changes, compared), the flag rates, the signatures."""
    lines = [
        f"# {report.set['name']}: {report.pairs} pairs, {report.sentences} sentences",
        "",
        f"{report.provenance['model']}@{report.provenance['revision']}, {report.provenance['backend']}, "
        f"beam {report.provenance['beam_size']}; {report.set['origin']}",
        "",
    ]
    if report.compared:
        lines += ["| score | before | now | change |", "|---|---:|---:|---:|"]
        lines += [
            f"| {NAMES[n]} | {shown(n, c['before'])} | {shown(n, c['now'])} | {shown(n, c['delta'], True)} |"
            for n, c in report.compared.items()
        ]
    else:
        lines += ["| score | value |", "|---|---:|"]
        lines += [f"| {NAMES[n]} | {shown(n, v)} |" for n, v in report.scores().items()]
    if report.flags:
        lines += ["", "| flag | share of pairs |", "|---|---:|"]
        lines += [f"| {name} | {share * 100:.1f} % |" for name, share in report.flags.items()]
    if report.terms is not None:
        lines += ["", f"Glossary terms: {report.terms['found']} of {report.terms['terms']} found (exact match)."]
    lines += ["", f"low_confidence below {report.min_confidence}.", ""]
    lines += [f"- {NAMES[name]}: `{signature}`" for name, signature in report.signatures.items()]
    if report.set["note"]:
        lines += ["", report.set["note"]]
    return "\n".join(lines) + "\n"
