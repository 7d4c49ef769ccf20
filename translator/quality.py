"""Per-sentence risk flags: what each one means, and the pure checks that raise them from a source
sentence and its translation. Every output that shows flags reads their meanings from here."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from difflib import SequenceMatcher

from translator import language, numbers

SPLIT = "split"
CUT = "cut"
TRUNCATED = "truncated"
REPETITION = "repetition"
RETRIED = "retried"
LENGTH_RATIO = "length_ratio"
COPIED = "copied"
NUMBERS = "numbers"
NOT_INDONESIAN = "not_indonesian"
TERM_MISSING = "term_missing"

MEANINGS: dict[str, str] = {
    SPLIT: "too long for the model at once: translated in pieces cut at clause punctuation, then joined",
    CUT: "a piece had to be cut between words, away from clause punctuation; nothing is lost, but that piece "
    "was translated without the rest of its clause",
    TRUNCATED: "the English hit its length cap before the model ended it (often a looping output); "
    "it may be incomplete",
    REPETITION: "the English repeats itself in a loop, even after one retry that forbade repeats",
    RETRIED: "the first English looped; this is a second attempt that forbade repeated phrases",
    LENGTH_RATIO: "the English is unusually short or long for its source (outside the band of human "
    "translations); something may be missing or added",
    COPIED: "the English is (nearly) the Indonesian source copied through, untranslated",
    NUMBERS: "a number, amount, percentage or date of the source is missing or changed in the English",
    NOT_INDONESIAN: "the source is not Indonesian (already English, say) and was passed through unchanged",
    TERM_MISSING: "a glossary term of the source could not be placed in the English (the model said something "
    "else for it); the sentence's terms say which",
}

# target/source length in characters, for sources of at least 20 characters: the 1st and 99th percentiles
# of the 1,000 human NusaX pairs (../shared/data/parallel) are 0.625 and 1.568; the band rounds them out.
LENGTH_BAND = (0.6, 1.6)
_MIN_LENGTH = 20
_WORD_LOOP = re.compile(r"\b(\w+(?:\W+\w+){0,3}?)(?:\W+\1\b){3,}", re.IGNORECASE)  # a 1-4 word phrase, 4+ times
_CHAR_LOOP = re.compile(r"(\S{2,8}?)\1{4,}")  # "'s's's's's", "ahahahahah"


def repeats(target: str) -> bool:
    """A looping n-gram: a phrase of one to four words four times running, or a short chunk five times."""
    return bool(_WORD_LOOP.search(target) or _CHAR_LOOP.search(target))


def length_out_of_band(source: str, target: str) -> bool:
    if len(source) < _MIN_LENGTH:
        return False
    ratio = len(target) / len(source)
    return not LENGTH_BAND[0] <= ratio <= LENGTH_BAND[1]


def copied(source: str, target: str) -> bool:
    """The English is the Indonesian source, or nearly (a copied-through sentence with a word changed)."""
    a, b = " ".join(source.lower().split()), " ".join(target.lower().split())
    if len(a) < 8 or not b:
        return False
    if 2 * min(len(a), len(b)) < 0.9 * (len(a) + len(b)):  # real_quick_ratio, before building a matcher
        return False
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    # the cheap upper bounds first: the full ratio is quadratic, so long pairs stop at quick_ratio
    similar = matcher.quick_ratio() >= 0.9
    if similar and len(a) <= 2000:
        similar = matcher.ratio() >= 0.9
    return similar and language.detect(a).language == "id"


def is_english(source: str) -> bool:
    """Confidently English, with enough words to tell: such a sentence is passed through untranslated."""
    guess = language.detect(source)
    return guess.language == "en" and guess.confidence >= 0.8 and len(source.split()) >= 4


def check(source: str, target: str) -> tuple[str, ...]:
    """The flags a translation earns from its source and its text alone."""
    flags = []
    if repeats(target):
        flags.append(REPETITION)
    if length_out_of_band(source, target):
        flags.append(LENGTH_RATIO)
    if copied(source, target):
        flags.append(COPIED)
    if numbers.missing(source, target):
        flags.append(NUMBERS)
    return tuple(flags)


def summary(flag_lists: Iterable[Iterable[str]]) -> dict[str, int]:
    """How many sentences carry each flag."""
    counts: Counter[str] = Counter(flag for flags in flag_lists for flag in set(flags))
    return dict(sorted(counts.items()))
