"""The sentence translation memory: finished translations in the store (a SQLite file of their own, or the
PostgreSQL of TRANSLATOR_DATABASE_URL), keyed by the normalised source sentence, the model, its revision and
the decode options. A hit skips the model.

Each entry keeps the model's confidence in its English (Translation.confidence). Entries stored before the
memory kept it (schema version 5) have none: they are not hits, so that a sentence gets the same confidence
and flags from the memory as from the model; the model translates such a sentence once more and its entry
gains the confidence in place."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from translator.config import DecodeOptions
from translator.errors import InputError, OutputError
from translator.glossary import Entry
from translator.store import Database, StoreError, open_sqlite
from translator.types import Term, Translation

_PAGE = 10_000  # entries read at a time by `entries`


def normalise(sentence: str) -> str:
    """NFC, whitespace runs folded to one space, ends trimmed: the same sentence however it was typed."""
    return " ".join(unicodedata.normalize("NFC", sentence).split())


@dataclass(frozen=True)
class MemoryStats:
    entries: int
    models: dict[str, int]
    where: str


class TranslationMemory:
    """The memory in `store`: a Database, or the path of a SQLite file of its own."""

    def __init__(self, store: Database | Path) -> None:
        if isinstance(store, Database):
            self.db = store
        else:
            try:
                self.db = open_sqlite(store, ("memory",))
            except (OSError, StoreError) as exc:
                raise InputError(f"cannot open the translation memory {store}: {exc}") from exc
        self.where, self.address = self.db.where, self.db.address

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def key(sentence: str, model: str, revision: str, options: DecodeOptions, entries: Sequence[Entry] = ()) -> str:
        """The sentence's key: its normalised text, the model and options, and the glossary entries (and
        protected URLs, addresses, handles and tags) it matched, if any: a sentence that matched none keeps
        the key it had before glossaries, and one that matched some never meets a translation made without
        them."""
        material: list[Any] = [normalise(sentence), model, revision, _options(options)]
        if entries:
            material.append(sorted({(e.source, e.target) for e in entries}))
        return hashlib.sha256(json.dumps(material, ensure_ascii=False).encode()).hexdigest()

    def lookup(self, keys: Sequence[str]) -> dict[str, Translation]:
        found: dict[str, Translation] = {}
        for start in range(0, len(keys), 500):  # SQLite's bound on query parameters
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.all(
                f"SELECT key, target, flags, confidence FROM tm WHERE key IN ({marks}) AND confidence IS NOT NULL",
                chunk,
            )
            found.update((k, replace(_translation(t, f), confidence=c)) for k, t, f, c in rows)
        return found

    def store(
        self, entries: Sequence[tuple[str, str, Translation]], model: str, revision: str, options: DecodeOptions
    ) -> None:
        """(key, source, translation) triples; an existing key is left as it is, unless it has no confidence
        (an entry from before the memory kept it), which it gains with the English it goes with."""
        opts = json.dumps(_options(options))
        try:
            self.db.many(
                "INSERT INTO tm (key, source, target, flags, model, revision, options, confidence) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET target = excluded.target, "
                "flags = excluded.flags, confidence = excluded.confidence WHERE tm.confidence IS NULL",
                [(k, normalise(s), t.target, _flags(t), model, revision, opts, t.confidence) for k, s, t in entries],
            )
        except StoreError as exc:
            raise OutputError(f"cannot write the translation memory {self.where}: {exc}") from exc

    def stats(self) -> MemoryStats:
        (entries,) = self.db.one("SELECT COUNT(*) FROM tm") or (0,)
        models = {m: int(n) for m, n in self.db.all("SELECT model || '@' || revision, COUNT(*) FROM tm GROUP BY 1")}
        return MemoryStats(entries=int(entries), models=models, where=self.where)

    def entries(self) -> Iterator[tuple[str, str, str]]:
        """(source, target, model@revision) of every entry, oldest first."""
        order, last = self.db.dialect.insertion_order, -1
        while page := self.db.all(
            f"SELECT {order}, source, target, model || '@' || revision FROM tm WHERE {order} > ? "
            f"ORDER BY {order} LIMIT {_PAGE}",
            (last,),
        ):
            for _, source, target, model in page:
                yield source, target, model
            last = page[-1][0]

    def clear(self) -> int:
        return self.db.execute("DELETE FROM tm")


def _flags(translation: Translation) -> str:
    """The flags column: the flags' list, or, for a sentence with terms, the flags and the terms (so that a
    hit says which terms the model kept and which the glossary applied, as the first translation did)."""
    flags = list(translation.flags)
    if not translation.terms:
        return json.dumps(flags)
    return json.dumps({"flags": flags, "terms": [t.to_dict() for t in translation.terms]}, ensure_ascii=False)


def _translation(target: str, flags: str) -> Translation:
    stored = json.loads(flags)
    if isinstance(stored, list):
        return Translation(target, tuple(stored))
    return Translation(target, tuple(stored["flags"]), terms=tuple(Term(**t) for t in stored["terms"]))


def _options(options: DecodeOptions) -> list[float]:
    return [options.beam_size, options.max_output_ratio, options.output_slack]
