"""Glossaries: a newsroom's terms (a source term and its English) and do-not-translate entries (the source as
its own target), matched in each sentence (`match.py`) and enforced on the model's English (`enforce.py`).

The core takes `Glossary` objects; reading them from files, and the rules their content must follow, are
at the edges (the command line and the HTTP routes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from translator.glossary.match import Index


@dataclass(frozen=True)
class Entry:
    """A source term and the English it must have; a do-not-translate entry has its source as its target."""

    source: str
    target: str

    @property
    def keep(self) -> bool:
        """Do not translate: the source comes out character for character."""
        return self.source == self.target


@dataclass(frozen=True, eq=False)
class Glossary:
    """The entries one request or job translates with. Equality and identity go by `fingerprint()`, the hash of
    its content (entry order does not count)."""

    entries: tuple[Entry, ...]
    _cache: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def fingerprint(self) -> str:
        """The content's SHA-256 (hex): the same entries in any order give the same fingerprint; for a job's
        identity and the translation memory's keys."""
        if "fingerprint" not in self._cache:
            material = json.dumps(sorted((e.source, e.target) for e in self.entries), ensure_ascii=False)
            self._cache["fingerprint"] = hashlib.sha256(material.encode()).hexdigest()
        return str(self._cache["fingerprint"])

    @cached_property
    def index(self) -> Index:
        """The entries indexed for matching, built once on first use (a dictionary of words: matching a
        sentence costs the same whatever the number of entries)."""
        from translator.glossary.match import Index

        return Index(self.entries)

    @property
    def indexed(self) -> bool:
        """The index is built already (building one of 100,000 entries takes seconds: not on an event loop)."""
        return "index" in vars(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Glossary) and self.fingerprint() == other.fingerprint()

    def __hash__(self) -> int:
        return hash(self.fingerprint())

    def __len__(self) -> int:
        return len(self.entries)

    def __reduce__(self) -> tuple[type[Glossary], tuple[tuple[Entry, ...]]]:
        """Pickled (to a Ray actor) as its entries alone: the index is built again where it is used."""
        return (Glossary, (self.entries,))


__all__ = ["Entry", "Glossary"]
