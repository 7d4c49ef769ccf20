"""The sentence translation memory: a SQLite file of finished translations, keyed by the normalised source
sentence, the model, its revision and the decode options. A hit skips the model."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from translator.config import DecodeOptions
from translator.errors import InputError, OutputError
from translator.types import Translation

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tm (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    flags TEXT NOT NULL,
    model TEXT NOT NULL,
    revision TEXT NOT NULL,
    options TEXT NOT NULL
)
"""


def normalise(sentence: str) -> str:
    """NFC, whitespace runs folded to one space, ends trimmed: the same sentence however it was typed."""
    return " ".join(unicodedata.normalize("NFC", sentence).split())


@dataclass(frozen=True)
class MemoryStats:
    entries: int
    models: dict[str, int]
    path: Path


class TranslationMemory:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise InputError(f"cannot open the translation memory {path}: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    @staticmethod
    def key(sentence: str, model: str, revision: str, options: DecodeOptions) -> str:
        material = json.dumps([normalise(sentence), model, revision, _options(options)], ensure_ascii=False)
        return hashlib.sha256(material.encode()).hexdigest()

    def lookup(self, keys: Sequence[str]) -> dict[str, Translation]:
        found: dict[str, Translation] = {}
        for start in range(0, len(keys), 500):  # SQLite's bound on query parameters
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key, target, flags FROM tm WHERE key IN ({marks})", chunk)
            found.update((k, Translation(t, tuple(json.loads(f)))) for k, t, f in rows)
        return found

    def store(
        self, entries: Sequence[tuple[str, str, Translation]], model: str, revision: str, options: DecodeOptions
    ) -> None:
        """(key, source, translation) triples; an existing key is left as it is."""
        opts = json.dumps(_options(options))
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR IGNORE INTO tm VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (k, normalise(s), t.target, json.dumps(list(t.flags)), model, revision, opts)
                        for k, s, t in entries
                    ],
                )
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write the translation memory {self.path}: {exc}") from exc

    def stats(self) -> MemoryStats:
        (entries,) = self._db.execute("SELECT COUNT(*) FROM tm").fetchone()
        models = dict(self._db.execute("SELECT model || '@' || revision, COUNT(*) FROM tm GROUP BY 1"))
        return MemoryStats(entries=entries, models=models, path=self.path)

    def entries(self) -> Iterator[tuple[str, str, str]]:
        """(source, target, model@revision) of every entry, oldest first."""
        yield from self._db.execute("SELECT source, target, model || '@' || revision FROM tm ORDER BY rowid")

    def clear(self) -> int:
        with self._db:
            return self._db.execute("DELETE FROM tm").rowcount


def _options(options: DecodeOptions) -> list[float]:
    return [options.beam_size, options.max_output_ratio, options.output_slack]
