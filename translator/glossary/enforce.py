"""A sentence's terms enforced on the model's English: decode, verify, repair (research note §2.4), without
retraining and the same on every engine.

The model translates the sentence as it would without a glossary; then each matched term (in source order)
is looked for in the English, in an occurrence no other term took, the one nearest the term's place in the
source:

1. its target, as it is: `kept`;
2. its target in another case, the source words copied through (Marian copies names and acronyms it does
   not know), what the model makes of the term alone (`probe`: decoded beside the sentence), or a span
   nearly equal to the target (a mangled URL, "House of Representative" for "House of Representatives"):
   replaced by the target, `applied`;
3. a URL, e-mail address, @handle or #hashtag found nowhere: put in at its place in proportion, `applied`;
4. else `missing`, and the sentence is flagged `term_missing`.

A sentence with no term is returned as it is. The English of a sentence depends on the sentence, the model,
the options and its own terms only: every step reads the sentence's own English and probes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from translator.glossary.match import Match
from translator.types import Term, TermStatus

_FUZZY_MIN_CHARS = 5  # shorter targets are not looked for approximately
_FUZZY_MAX_CHARS = 4000  # nor in longer English (a sentence translated in pieces): the search is per word
MAX_TERMS = 256  # a sentence's terms looked for; any beyond are missing (a hostile glossary, a 1 MB line)
_FUZZY_SCORE = 80.0
_PROTECTED_FUZZY_SCORE = 60.0  # a URL mangled by a model still resembles it
_TRIM = " \t.,;:!?\"'()[]"
_ENDING = r"(?:s|es|'s|’s|')?(?!\w)"


@dataclass(frozen=True)
class _Placement:
    start: int
    end: int
    applied: bool


def probe(match: Match, sentence: str) -> str:
    """What the model is given alone to learn its own English for the term: the sentence's words when they
    are the entry's in another case (a headline's "POLRI"), else the entry's source; "" for a protected one."""
    if match.protected:
        return ""
    surface = sentence[match.start : match.end]
    return surface if surface.casefold() == match.entry.source.casefold() else match.entry.source


def enforce(
    english: str, matches: Sequence[Match], sentence: str, probes: Sequence[str]
) -> tuple[str, tuple[Term, ...]]:
    """`english` with each match's target in it, and each match's Term (spans in `sentence` and in the English
    returned). `probes`: per match, the model's English for its probe ("" where none)."""
    if not matches:
        return english, ()
    taken: list[tuple[int, int]] = []
    placed: list[_Placement | None] = []
    found: dict[tuple[str, bool], list[tuple[int, int]]] = {}  # each text's occurrences, looked for once
    for k, (match, rendering) in enumerate(zip(matches, probes, strict=True)):
        near = round(match.start / max(1, len(sentence)) * len(english))
        spot = _place(english, match, sentence, rendering, near, taken, found) if k < MAX_TERMS else None
        if spot is not None:
            taken.append((spot.start, spot.end))
        placed.append(spot)
    return _rewrite(english, matches, placed)


def _place(
    english: str,
    match: Match,
    sentence: str,
    rendering: str,
    near: int,
    taken: list[tuple[int, int]],
    found: dict[tuple[str, bool], list[tuple[int, int]]],
) -> _Placement | None:
    target = match.entry.target
    if (span := _nearest(english, target, False, near, taken, found)) is not None:
        return _Placement(*span, applied=False)
    tries = [target, sentence[match.start : match.end], match.entry.source, rendering.strip(_TRIM)]
    for text in tries:
        has_words = text and any(ch.isalnum() for ch in text)
        if has_words and (span := _nearest(english, text, True, near, taken, found)) is not None:
            return _Placement(*span, applied=True)
    least, wider = (_PROTECTED_FUZZY_SCORE, 4) if match.protected else (_FUZZY_SCORE, 1)
    alike = _similar(english, target, least, taken, wider) if len(target) >= _FUZZY_MIN_CHARS else None
    if alike is not None:
        return _Placement(*alike, applied=True)
    if match.protected:
        if not sentence[match.end :].strip(_TRIM):
            near = len(english)  # it ended the sentence: it ends the English
        at = _boundary(english, near, taken)
        return _Placement(at, at, applied=True)
    return None


def find_rendering(english: str, text: str) -> str | None:
    """The text of `english` that is `text` in any case, or nearly; None if there is none."""
    for start, end in _occurrences(english, text, ignore_case=True):
        return english[start:end]
    if len(text) >= _FUZZY_MIN_CHARS and (span := _similar(english, text, _FUZZY_SCORE, [], 1)) is not None:
        return english[span[0] : span[1]]
    return None


def _occurrences(english: str, text: str, *, ignore_case: bool) -> Iterator[tuple[int, int]]:
    """Whole-word occurrences of `text`, an English plural or possessive ending after it allowed (and left
    out of the span)."""
    pattern = r"(?<!\w)(" + re.escape(text) + r")" + _ENDING
    for m in re.finditer(pattern, english, re.IGNORECASE if ignore_case else 0):
        yield m.start(1), m.end(1)


def _nearest(
    english: str,
    text: str,
    ignore_case: bool,
    near: int,
    taken: list[tuple[int, int]],
    found: dict[tuple[str, bool], list[tuple[int, int]]],
) -> tuple[int, int] | None:
    """The occurrence of `text` nearest `near` that no term took."""
    if (text, ignore_case) not in found:
        found[text, ignore_case] = list(_occurrences(english, text, ignore_case=ignore_case))
    for span in sorted(found[text, ignore_case], key=lambda s: (abs(s[0] - near), s[0])):
        if all(span[1] <= a or b <= span[0] for a, b in taken):
            return span
    return None


def _similar(
    english: str, target: str, least: float, taken: list[tuple[int, int]], wider: int
) -> tuple[int, int] | None:
    """The run of whole words of `english` most like `target` (case and edge punctuation aside), of about as
    many words (up to `wider` more: a model may space a URL out), if alike enough; the leftmost of equals."""
    if len(english) > _FUZZY_MAX_CHARS:
        return None
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", english)]
    size = len(target.split())
    best: tuple[float, int, int] | None = None
    for n in range(max(1, size - 1), size + 1 + wider):
        for k in range(len(words) - n + 1):
            start, end = words[k][0], words[k + n - 1][1]
            while end > start and english[end - 1] in _TRIM:
                end -= 1
            if end <= start or any(not (end <= a or b <= start) for a, b in taken):
                continue
            window = english[start:end].casefold()
            if wider > 1:  # a URL, address, handle or tag: a model spaces them out
                score = fuzz.ratio(target.casefold(), "".join(window.split()), score_cutoff=least)
            else:  # words, in any order (BRI Bank for Bank BRI)
                score = fuzz.token_sort_ratio(target.casefold(), window, score_cutoff=least)
            if score and (best is None or score > best[0]):  # of equals, the fewest words, then leftmost
                best = (score, start, end)
    return None if best is None else (best[1], best[2])


def _boundary(english: str, near: int, taken: list[tuple[int, int]]) -> int:
    """The space between words (or the end, before final punctuation) of `english` nearest `near`, outside
    the terms placed already, for a term put in."""
    spaces = [m.start() for m in re.finditer(r"\s", english) if all(not a <= m.start() < b for a, b in taken)]
    return min([*spaces, len(english.rstrip(".!?"))], key=lambda k: (abs(k - near), k))


def _rewrite(
    english: str, matches: Sequence[Match], placed: Sequence[_Placement | None]
) -> tuple[str, tuple[Term, ...]]:
    """The English with every applied target written in, and each match's Term."""
    out: list[str] = []
    spans: dict[int, tuple[int, int]] = {}
    length = last = 0
    for k in sorted((k for k, p in enumerate(placed) if p is not None), key=lambda k: placed[k].start):  # type: ignore[union-attr]
        spot, entry = placed[k], matches[k].entry
        assert spot is not None
        out.append(english[last : spot.start])
        length += len(out[-1])
        before = after = ""
        if not spot.applied:
            text = english[spot.start : spot.end]
        elif spot.start == spot.end:  # put in between words
            text = entry.target
            before, after = (" ", "") if spot.start > 0 else ("", " " if english else "")
        else:
            text = entry.target
            if spot.start == 0 and english[:1].isupper() and not entry.keep:
                text = text[:1].upper() + text[1:]  # the sentence's first word keeps its capital
        out.append(before + text + after)
        spans[k] = (length + len(before), length + len(before) + len(text))
        length += len(out[-1])
        last = spot.end
    out.append(english[last:])
    terms = []
    for k, match in enumerate(matches):
        spot = placed[k]
        target = match.entry.target
        if spot is None:
            terms.append(Term(match.start, match.end, target, "missing"))
        else:
            status: TermStatus = "applied" if spot.applied else "kept"
            terms.append(Term(match.start, match.end, target, status, *spans[k]))
    return "".join(out), tuple(terms)
