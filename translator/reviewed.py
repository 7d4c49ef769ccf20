"""Reviewed translations: the English a person wrote or approved for a source sentence, kept apart from the
machine translation memory, in the store (reviewed.sqlite3 in the data folder, or the PostgreSQL of
TRANSLATOR_DATABASE_URL). An entry is keyed by the source sentence as the memory normalises it (NFC,
whitespace folded; not by model: a reviewed sentence is right whatever translated it before) and says who wrote
it (a key's id, never the key; "cli" on the command line), when, and where from (reader, api, import FILE).
Every write is also a row of the history (old and new English): the last write wins, none is lost.

Readers: `Translator.prepare` asks `english()` first (translator/pipeline.py). The service reads the live store
(`ReviewedStore`: entries cached in this process and brought up to date from the history, at most RECHECK_S
old, at once after a write through this process); an archive job reads a `Snapshot`, taken when it starts and
held in its ledger, so that a resumed job uses the same reviewed English as its first run."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

from translator.errors import InputError
from translator.memory import normalise
from translator.store import Database, StoreError, open_sqlite
from translator.store.database import Session
from translator.suggest import Suggestion, SuggestionIndex

RECHECK_S = 0.25  # how stale the live store's cache may be for writes made by other processes (replicas, CLI)
_ADVISORY = 0x72657669  # PostgreSQL: writes to the reviewed store take turns ("revi"), so history order is commit order


def key(source: str) -> str:
    """The store's key of a source sentence: the hash of its normalised form (translator/memory.py)."""
    return hashlib.sha256(normalise(source).encode("utf-8", "surrogatepass")).hexdigest()


class Reviewed(Protocol):
    """What the pipeline reads: the reviewed English of each sentence (None: none), and a snapshot of it all."""

    def english(self, sentences: Sequence[str]) -> list[str | None]: ...

    def snapshot(self) -> Snapshot: ...


@dataclass(frozen=True)
class Snapshot:
    """The reviewed store as it stood at one moment: key → English. What a job holds."""

    entries: Mapping[str, str] = field(default_factory=dict)

    def english(self, sentences: Sequence[str]) -> list[str | None]:
        return [self.entries.get(key(s)) for s in sentences]

    def snapshot(self) -> Snapshot:
        return self

    @cached_property
    def fingerprint(self) -> str:
        """A content hash of every entry: what a job's identity records."""
        material = json.dumps(sorted(self.entries.items()), ensure_ascii=False)
        return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class Entry:
    source: str
    target: str
    who: str
    at: float
    origin: str  # reader, api, import FILE


@dataclass(frozen=True)
class Change:
    """One write, as the history keeps it: `old` None for a new entry, `new` None for a deletion."""

    seq: int
    source: str
    old: str | None
    new: str | None
    who: str
    at: float
    origin: str


class ReviewedStore:
    """The reviewed translations in `store`: a Database (PostgreSQL, or a test's), or the path of the data
    folder's SQLite file."""

    def __init__(self, store: Database | Path) -> None:
        if isinstance(store, Database):
            self.db = store
        else:
            try:
                self.db = open_sqlite(store, ("reviewed",))
            except (OSError, StoreError) as exc:
                raise InputError(f"cannot open the reviewed translations {store}: {exc}") from exc
        self.where = self.db.where
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[str, str]] = {}  # key → (source, English)
        self._seen = 0  # the last history row taken into the cache
        self._checked = -float("inf")  # when the history was last read
        self.index = SuggestionIndex()  # fuzzy suggestions (translator/suggest.py), kept with the cache

    def close(self) -> None:
        self.db.close()

    # -- writing -----------------------------------------------------------------------------------------

    def put(self, source: str, target: str, who: str, origin: str) -> Change | None:
        """Set the reviewed English of `source`; the last write wins, and the history keeps both. None if it had
        this English already."""
        changes = self.write([(source, target)], who, origin)
        return changes[0] if changes else None

    def delete(self, source: str, who: str, origin: str) -> Change | None:
        """Forget the reviewed English of `source` (the machine's English comes back); None if there was none."""
        changes = self.write([(source, None)], who, origin)
        return changes[0] if changes else None

    def write(self, pairs: Sequence[tuple[str, str | None]], who: str, origin: str) -> list[Change]:
        """Each (source, English or None to delete) in one transaction, all or none: the changes made (a write
        that changes nothing is not one, and a deletion of what is not there neither)."""
        at = time.time()
        changes: list[Change] = []
        with self.db.transaction() as s:
            take_turn(self.db, s)
            for source, target in pairs:
                if (change := _write(s, source, target, who, at, origin)) is not None:
                    changes.append(change)
        self._checked = -float("inf")  # the next read takes them in
        return changes

    # -- reading -----------------------------------------------------------------------------------------

    def english(self, sentences: Sequence[str]) -> list[str | None]:
        cache = self._current()
        found = (cache.get(key(s)) for s in sentences)
        return [hit[1] if hit else None for hit in found]

    def snapshot(self) -> Snapshot:
        return Snapshot({k: english for k, (_, english) in self._current(fresh=True).items()})

    def suggestions(self, sentences: Sequence[str]) -> list[list[Suggestion]]:
        """Each sentence's fuzzy suggestions, best first (an entry of the very sentence among them, at 100)."""
        self._current()
        return [self.index.suggest(s) for s in sentences]

    def entries(self) -> list[Entry]:
        """Every entry, by source."""
        rows = self.db.all("SELECT source, target, who, at, origin FROM reviewed ORDER BY source")
        return [Entry(*row) for row in rows]

    def history(self, source: str | None = None) -> list[Change]:
        """Every write (to `source`'s entry only, if given), oldest first."""
        where, params = ("WHERE key = ? ", (key(source),)) if source is not None else ("", ())
        rows = self.db.all(
            f"SELECT seq, source, old, new, who, at, origin FROM reviewed_history {where}ORDER BY seq", params
        )
        return [Change(*row) for row in rows]

    def count(self) -> int:
        return len(self._current())

    def _current(self, fresh: bool = False) -> dict[str, tuple[str, str]]:
        """The cache, brought up to date when it is older than RECHECK_S (or `fresh`): the history says which
        entries changed since it was last read (writes take turns, so its order is the order they committed
        in: reading on from the last row seen misses none), and those entries are read as the table has them
        now (a copied history, translator/store/copy.py, may hold older writes after newer ones)."""
        with self._lock:
            now = time.monotonic()
            if fresh or now - self._checked >= RECHECK_S:
                changed: dict[str, tuple[str, str] | None]
                if self._seen == 0:  # the whole table, once: the history from here on
                    (last,) = self.db.one("SELECT MAX(seq) FROM reviewed_history") or (None,)
                    rows = self.db.all("SELECT key, source, target FROM reviewed")
                    changed = {k: (source, target) for k, source, target in rows}
                    self._seen = int(last or 0)
                else:
                    found = self.db.all(
                        "SELECT seq, key FROM reviewed_history WHERE seq > ? ORDER BY seq", (self._seen,)
                    )
                    keys = list(dict.fromkeys(k for _, k in found))
                    changed = dict.fromkeys(keys)
                    for start in range(0, len(keys), 500):  # SQLite's bound on query parameters
                        chunk = keys[start : start + 500]
                        marks = ",".join("?" * len(chunk))
                        rows = self.db.all(f"SELECT key, source, target FROM reviewed WHERE key IN ({marks})", chunk)
                        changed.update((k, (source, target)) for k, source, target in rows)
                    if found:
                        self._seen = int(found[-1][0])
                for k, value in changed.items():
                    if value is None:
                        self._cache.pop(k, None)
                    else:
                        self._cache[k] = value
                if changed:
                    self.index.update(changed)
                self._checked = now
            return self._cache


def take_turn(db: Database, s: Session) -> None:
    """Writes to the reviewed store take turns (until the transaction ends), so that the history's order is the
    order they committed in (SQLite: a write transaction holds the file already)."""
    if db.dialect.name == "postgresql":
        s.execute("SELECT pg_advisory_xact_lock(?)", (_ADVISORY,))


def _write(s: Session, source: str, target: str | None, who: str, at: float, origin: str) -> Change | None:
    k = key(source)
    row = s.one("SELECT target FROM reviewed WHERE key = ?", (k,))
    old = None if row is None else str(row[0])
    if old == target:
        return None
    if target is None:
        s.execute("DELETE FROM reviewed WHERE key = ?", (k,))
    else:
        s.execute(
            "INSERT INTO reviewed (key, source, target, who, at, origin) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET source = excluded.source, target = excluded.target, "
            "who = excluded.who, at = excluded.at, origin = excluded.origin",
            (k, normalise(source), target, who, at, origin),
        )
    (seq,) = s.one(
        "INSERT INTO reviewed_history (key, source, old, new, who, at, origin) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "RETURNING seq",
        (k, normalise(source), old, target, who, at, origin),
    ) or (0,)
    return Change(int(seq), normalise(source), old, target, who, at, origin)


def open_store(data_dir: Path, url: str | None, pool_size: int) -> ReviewedStore:
    """The deployment's reviewed translations: in the PostgreSQL at `url`, else in `data_dir`'s own file."""
    if url is not None:
        from translator.store import open_database

        return ReviewedStore(open_database(url, pool_size))
    from translator.store import layout

    return ReviewedStore(layout.reviewed_file(data_dir))


def open_existing(data_dir: Path, url: str | None, pool_size: int) -> ReviewedStore | None:
    """As open_store, for reading: None where the data folder holds no reviewed translations (nothing is
    created by reading)."""
    from translator.store import layout

    if url is None and not layout.reviewed_file(data_dir).is_file():
        return None
    return open_store(data_dir, url, pool_size)
