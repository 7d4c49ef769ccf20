"""The Indonesian word lists the sentence rules consult, read once from the data files beside this module."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Lexicon:
    prefix: frozenset[str]  # "Dr", "Jl", "a.n.": stand before a name or number
    suffix: frozenset[str]  # "dll", "Tbk", "S.H.": may end a sentence
    starters: frozenset[str]  # "Ia", "Namun": begin sentences, never part of a name

    def is_prefix(self, token: str) -> bool:
        """`token` is written without its final period: "Dr", "JL", "a.n"."""
        return _known(token, self.prefix)

    def is_suffix(self, token: str) -> bool:
        return _known(token, self.suffix)

    def is_abbreviation(self, token: str) -> bool:
        bare = token.rstrip(".")
        return self.is_prefix(bare) or self.is_suffix(bare)


def _known(token: str, words: frozenset[str]) -> bool:
    # as written, with its period ("S.H."), and in capitals as headlines write them ("JL.", "DLL.")
    return any(form in words for form in (token, token + ".", token.capitalize(), token.lower()))


def _read(name: str) -> frozenset[str]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def lexicon() -> Lexicon:
    return Lexicon(prefix=_read("prefix.txt"), suffix=_read("suffix.txt"), starters=_read("starters.txt"))
