"""Glossary terms found in a sentence.

Rules (docs/glossaries.md): a term matches whole words, case-insensitively; where two entries differ only in
case, the one whose case the sentence has wins (else the first in code-point order). A sentence word matches
a term's word where the term's word is its stem under Indonesian affixes: prefixes di-, me-, mem-, men-,
meng-, meny-, menge-, ber-, ter-, pe-, pem-, pen-, peng-, peny-, penge-, per- (with the stem's first letter that the
nasal prefixes drop: memukul → pukul, menulis → tulis, mengirim → kirim, menyapu → sapu), the confix
ke-…-an, suffixes -kan, -i, -an and particles -nya, -lah, -kah, -pun, -ku, -mu, hyphenated (di-PHK, KPK-nya, di-PHK-kan)
or not; and reduplication (calon-calon, calon-calonnya). A stem found by taking affixes off has at least
three letters. The words of a term of several words follow each other with the term's own separators (any
whitespace for a space). The longest match wins (in characters), then the leftmost; the result is the same
every time. URLs, e-mail addresses, @handles and #hashtags are found in every sentence, glossary or not, as
do-not-translate terms, and win over any glossary term overlapping them.

Matching a sentence costs a dictionary look-up per candidate stem of each word: the same for 10 entries and
100,000. Hand-written, not Aho-Corasick (pyahocorasick): an automaton finds fixed strings, and an affixed
word is not its stem plus a fixed string (memukul holds no "pukul").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from translator.glossary import Entry, Glossary
from translator.segment.boundaries import _PROTECTED

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
PROTECTED = re.compile(
    _PROTECTED.pattern
    + r"|(?<![\w@])@\w{1,64}"  # @handles (not an e-mail's @)
    + r"|(?<![\w#&])#\w*[^\W\d_]\w*"  # #hashtags, with a letter ("#1" is a number)
)
_PARTICLES = ("nya", "lah", "kah", "pun", "ku", "mu")
_SUFFIXES = ("kan", "an", "i")
_VOWELS = "aeiou"
# prefix → (the letters its stem may start with, the letter a nasal prefix takes off a stem starting with a vowel
# after it: memukul ← pukul); "" for any letter, or none
_PREFIXES: dict[str, tuple[str, str]] = {
    "di": ("", ""),
    "ber": ("", ""),
    "ter": ("", ""),
    "per": ("", ""),
    "me": ("lmnrwy", ""),
    "mem": ("bfv", "p"),
    "men": ("cdjzs", "t"),
    "meng": ("gh" + _VOWELS, "k"),
    "meny": ("-", "s"),
    "menge": ("", ""),
    "pe": ("", ""),
    "pem": ("bfv", "p"),
    "pen": ("cdjzs", "t"),
    "peng": ("gh" + _VOWELS, "k"),
    "peny": ("-", "s"),
    "penge": ("", ""),
}
_HYPHEN_PREFIXES = frozenset({*_PREFIXES, "ke", "se"})
_HYPHEN_SUFFIXES = frozenset({*_PARTICLES, *_SUFFIXES})
_MIN_STEM = 3


@dataclass(frozen=True)
class Match:
    """An entry found in a sentence: the span of its words (affixes included) in the sentence. `protected`: a
    URL, e-mail address, @handle or #hashtag, found with or without a glossary."""

    start: int
    end: int
    entry: Entry
    protected: bool = False


def stems(word: str) -> set[str]:
    """The case-folded forms `word` may be an affixed form of, itself included."""
    word = word.casefold()
    found = {word}
    if not word.isalpha():
        return found
    bases = {word} | {word[: -len(p)] for p in _PARTICLES if word.endswith(p)}
    suffixed = {(b, False) for b in bases}
    suffixed |= {(b[: -len(s)], s == "an") for b in bases for s in _SUFFIXES if b.endswith(s)}
    for base, an in suffixed:
        found.add(base)
        found.update(_unprefixed(base))
        if an and base.startswith("ke"):
            found.add(base[2:])
    return {s for s in found if s == word or len(s) >= _MIN_STEM}


def _unprefixed(base: str) -> Iterator[str]:
    for prefix, (starts, lost) in _PREFIXES.items():
        rest = base[len(prefix) :]
        if not base.startswith(prefix) or not rest:
            continue
        if not starts or rest[0] in starts:
            yield rest
        if lost and rest[0] in _VOWELS:
            yield lost + rest


@dataclass
class _Node:
    next: dict[tuple[str, str], _Node] = field(default_factory=dict)  # (separator before it, word) → node
    entries: list[tuple[Entry, str, str]] = field(default_factory=list)  # with the lead and tail around its words


class Index:
    """Entries by their words, case-folded: a tree whose first level is a dictionary of first words."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.root: dict[str, _Node] = {}
        for entry in sorted(entries, key=lambda e: (e.source, e.target)):
            words = list(_WORD.finditer(entry.source))
            if not words:
                continue  # nothing a word of a sentence could match ("***")
            node = self.root.setdefault(words[0].group().casefold(), _Node())
            for before, word in pairwise(words):
                gap = _separator(entry.source[before.end() : word.start()])
                node = node.next.setdefault((gap, word.group().casefold()), _Node())
            node.entries.append((entry, entry.source[: words[0].start()], entry.source[words[-1].end() :]))

    def match(self, text: str) -> list[Match]:
        """Every entry found in `text`, overlaps not yet resolved."""
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        slots = _slots(text, words)
        found: list[Match] = []
        for k in range(len(words)):
            for last, candidates in slots[k]:
                for stem in candidates:
                    if (node := self.root.get(stem)) is not None:
                        self._walk(text, words, slots, node, k, last, found)
        return found

    def _walk(
        self,
        text: str,
        words: list[tuple[int, int]],
        slots: list[list[tuple[int, set[str]]]],
        node: _Node,
        first: int,
        last: int,
        found: list[Match],
    ) -> None:
        start, end = words[first][0], words[last][1]
        best = _pick(text, start, end, node.entries)
        if best is not None:
            entry, lead, tail = best
            found.append(Match(start - len(lead), end + len(tail), entry))
        if not node.next or last + 1 >= len(words):
            return
        gap = _separator(text[end : words[last + 1][0]])
        for following, candidates in slots[last + 1]:
            for stem in candidates:
                if (child := node.next.get((gap, stem))) is not None:
                    self._walk(text, words, slots, child, first, following, found)


def _separator(gap: str) -> str:
    return _SPACE.sub(" ", gap)


def _pick(text: str, start: int, end: int, entries: list[tuple[Entry, str, str]]) -> tuple[Entry, str, str] | None:
    """Of the entries at one node (the same words but for case), those whose lead and tail surround the
    words; the one whose case the sentence has, else the first."""
    fitting = [
        (entry, lead, tail)
        for entry, lead, tail in entries
        if start >= len(lead) and text.startswith(lead, start - len(lead)) and text.startswith(tail, end)
    ]
    if not fitting:
        return None
    return next((f for f in fitting if f[0].source in text[start - len(f[1]) : end + len(f[2])]), fitting[0])


def _slots(text: str, words: list[tuple[int, int]]) -> list[list[tuple[int, set[str]]]]:
    """For each word: (the last word it spans, its candidate stems); a hyphenated affix or reduplication
    (di-PHK, KPK-nya, calon-calon) spans two words."""
    slots: list[list[tuple[int, set[str]]]] = []
    for k, (start, end) in enumerate(words):
        word = text[start:end]
        options = [(k, stems(word))]
        if _hyphen_after(text, words, k):
            second = text[slice(*words[k + 1])]
            if (joined := _hyphenated(word, second)) is not None:
                options.append((k + 1, joined))
            if _hyphen_after(text, words, k + 1) and word.casefold() in _HYPHEN_PREFIXES:
                third = text[slice(*words[k + 2])].casefold()
                if third in _HYPHEN_SUFFIXES:  # di-PHK-kan
                    options.append((k + 2, {second.casefold()}))
        slots.append(options)
    return slots


def _hyphen_after(text: str, words: list[tuple[int, int]], k: int) -> bool:
    """Word k and the next are joined by a hyphen."""
    return k + 1 < len(words) and words[k + 1][0] == words[k][1] + 1 and text[words[k][1]] == "-"


def _hyphenated(first: str, second: str) -> set[str] | None:
    """The stems of `first-second` taken as one word, or None when it is two."""
    a, b = first.casefold(), second.casefold()
    if a == b or (b.startswith(a) and b[len(a) :] in _HYPHEN_SUFFIXES):
        return {a} | stems(a)  # reduplication
    if b in _HYPHEN_SUFFIXES:
        return {a}
    if a in _HYPHEN_PREFIXES:
        return stems(b)
    return None


def resolve(matches: Iterable[Match]) -> tuple[Match, ...]:
    """Non-overlapping matches in text order: protected ones first, then the longest, then the leftmost."""
    starts: list[int] = []  # of the chosen, in text order (they never overlap: a neighbour each side to check)
    chosen: list[Match] = []
    for m in sorted(set(matches), key=lambda m: (not m.protected, m.start - m.end, m.start, m.entry.source)):
        k = bisect.bisect(starts, m.start)
        if (k == 0 or chosen[k - 1].end <= m.start) and (k == len(chosen) or m.end <= chosen[k].start):
            starts.insert(k, m.start)
            chosen.insert(k, m)
    return tuple(chosen)


def protected(text: str) -> list[Match]:
    return [Match(m.start(), m.end(), Entry(m.group(), m.group()), True) for m in PROTECTED.finditer(text)]


def find(text: str, glossary: Glossary | None) -> tuple[Match, ...]:
    """The terms of `text`: its URLs, e-mail addresses, @handles and #hashtags, and the glossary's entries."""
    return resolve([*protected(text), *(glossary.index.match(text) if glossary is not None else ())])
