"""Fuzzy suggestions from the reviewed translations: for a sentence with no exact reviewed match, the reviewed
entries whose source is most like it, never applied by themselves.

The measure is rapidfuzz's `fuzz.ratio` on the two sources, each normalised (translator/memory.py) and lower
cased: the normalised Indel similarity, 100 × (1 − (insertions + deletions) / (len(a) + len(b))), i.e.
100 × 2·LCS / (len(a) + len(b)) over characters. An entry is suggested at SCORE_CUTOFF (75) or more.

It is not a scan: an inverted index of the entries' words gives the candidates. The sentence's words are taken
rarest first while their postings add up to at most MAX_POSTINGS (the rarest one always, its newest MAX_POSTINGS
entries where it has more: a sentence of common words only); the entries they name
are counted by how many of those words they share, and the SCORED with the most shared words (and a length that
could reach the cutoff: a ratio of 75 needs the shorter at least 3/5 of the longer) are scored, in rapidfuzz's
C++ `process.extract`. So an entry that shares none of the sentence's rarer words (every one misspelt) is not
found: near duplicates of a news sentence share most of their words (bench/suggest.py measures the recall
against a full scan)."""

from __future__ import annotations

import heapq
import re
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from operator import itemgetter

from rapidfuzz import fuzz, process

from translator.memory import normalise

SCORE_CUTOFF = 75.0
LIMIT = 3
MAX_POSTINGS = 5_000  # index entries read for one sentence at most (rarest words first)
SCORED = 200  # entries scored for one sentence at most (those sharing the most rare words)
_WORD = re.compile(r"\w+")
_LENGTH_RATIO = 0.6  # ratio ≥ 75 ⇒ 2·min/(min+max) ≥ 0.75 ⇒ min ≥ 0.6 · max


@dataclass(frozen=True)
class Suggestion:
    source: str
    target: str
    score: float  # fuzz.ratio, 0-100, rounded to 0.1

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "target": self.target, "score": self.score}


def comparable(text: str) -> str:
    return normalise(text).lower()


class SuggestionIndex:
    """Reviewed entries (key → (source, English)), indexed by their words; updated as the store changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slot: dict[str, int] = {}  # key → its slot
        self._entries: list[tuple[str, str, str] | None] = []  # slot → (comparable source, source, English)
        self._postings: dict[str, list[int]] = {}  # word → slots (may name slots since emptied or reused)

    def __len__(self) -> int:
        return len(self._slot)

    def update(self, changed: Mapping[str, tuple[str, str] | None]) -> None:
        """Take in changes: key → (source, English), or None for an entry deleted."""
        with self._lock:
            for key, value in changed.items():
                old = self._slot.pop(key, None)
                if old is not None:
                    self._entries[old] = None
                if value is None:
                    continue
                slot = len(self._entries)
                text = comparable(value[0])
                self._entries.append((text, value[0], value[1]))
                self._slot[key] = slot
                for word in set(_WORD.findall(text)):
                    self._postings.setdefault(word, []).append(slot)

    def suggest(self, sentence: str, limit: int = LIMIT, cutoff: float = SCORE_CUTOFF) -> list[Suggestion]:
        """Up to `limit` entries at least `cutoff` alike, best first (ties: the older entry). (An exact match is
        applied, not suggested: callers ask only for sentences without one.)"""
        text = comparable(sentence)
        if not text:
            return []
        with self._lock:
            postings = sorted((self._postings.get(w, []) for w in set(_WORD.findall(text))), key=len)
            shared: Counter[int] = Counter()
            read = 0
            for posting in postings:
                if read and read + len(posting) > MAX_POSTINGS:
                    break
                shared.update(posting[-MAX_POSTINGS:])  # (a sentence of common words only: the newest entries)
                read += len(posting)
            low, high = len(text) * _LENGTH_RATIO, len(text) / _LENGTH_RATIO
            choices: dict[int, str] = {}
            for slot, _ in heapq.nlargest(2 * SCORED, shared.items(), key=itemgetter(1)):  # (ties: index order)
                entry = self._entries[slot]
                if entry is not None and low <= len(entry[0]) <= high:
                    choices[slot] = entry[0]
                    if len(choices) == SCORED:
                        break
            found = process.extract(text, choices, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)
            picked = sorted(found, key=lambda hit: (-hit[1], hit[2]))
            return [
                Suggestion(entry[1], entry[2], round(score, 1))
                for _, score, slot in picked
                if (entry := self._entries[slot]) is not None
            ]
