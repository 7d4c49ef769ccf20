"""Glossary terms found in a sentence (interface; the matching rules follow)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from translator.glossary import Entry, Glossary


@dataclass(frozen=True)
class Match:
    """An entry found in a sentence: the span of its words (affixes included) in the sentence."""

    start: int
    end: int
    entry: Entry


class Index:
    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = tuple(entries)

    def match(self, text: str) -> tuple[Match, ...]:
        return ()


def find(text: str, glossary: Glossary | None) -> tuple[Match, ...]:
    """The terms of `text`: the glossary's entries it holds."""
    return () if glossary is None else glossary.index.match(text)
