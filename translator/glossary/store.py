"""Glossaries kept in the store (glossaries.sqlite3 in the data folder, or the PostgreSQL of
TRANSLATOR_DATABASE_URL, which every replica shares): each belongs to an owner (an account's id: a key's hash,
or "anonymous"), who alone sees it; at most MAX_PER_OWNER an owner (DeepL's 1,000). DeepL's v2 and v3 glossaries
and ours share one ID space. A glossary has one dictionary, Indonesian → English, kept as DeepL's TSV (entries
checked before they get here: translator/glossary/parse.py), or none (a v3 glossary whose dictionary was
deleted). `revision` grows with every change of the entries, so that a parsed glossary can be kept until it changes."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from translator.errors import InputError
from translator.glossary import Entry, Glossary
from translator.glossary.parse import MAX_BYTES, parse, to_tsv
from translator.store import Database, StoreError, open_sqlite

Api = Literal["v2", "v3", "v1"]
MAX_PER_OWNER = 1000
_CACHED = 8  # parsed glossaries kept in memory, the most recently used
_COLUMNS = "id, name, api, created, revision, entry_count, entries IS NOT NULL"


class GlossaryLimit(InputError):
    """The owner has MAX_PER_OWNER glossaries already."""


@dataclass(frozen=True)
class GlossaryInfo:
    id: str
    name: str
    api: str  # the API that created it: v2, v3 or v1 (ours); any API may use or read it
    created: float  # seconds since the epoch
    revision: int
    entry_count: int
    has_dictionary: bool

    @property
    def creation_time(self) -> str:
        """ISO 8601 with milliseconds and Z, always (DeepL's Python client parses exactly that shape)."""
        stamp = datetime.fromtimestamp(self.created, UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


class GlossaryStore:
    """The glossaries in `store`: a Database, or the path of a SQLite file of their own."""

    def __init__(self, store: Database | Path) -> None:
        if isinstance(store, Database):
            self.db = store
        else:
            try:
                self.db = open_sqlite(store, ("glossaries",))
            except (OSError, StoreError) as exc:
                raise InputError(f"cannot open the glossaries {store}: {exc}") from exc
        self.where = self.db.where
        self._parsed: OrderedDict[tuple[str, int], Glossary] = OrderedDict()
        self._lock = threading.Lock()

    def close(self) -> None:
        self.db.close()

    def create(self, owner: str, name: str, api: Api, entries: Sequence[Entry] | None) -> GlossaryInfo:
        """A new glossary of `owner`; GlossaryLimit when the owner has MAX_PER_OWNER already."""
        glossary_id = str(uuid.uuid4())
        tsv = _tsv(entries)
        with self.db.transaction() as s:
            (count,) = s.one("SELECT COUNT(*) FROM glossaries WHERE owner = ?", (owner,)) or (0,)
            if int(count) >= MAX_PER_OWNER:
                raise GlossaryLimit(f"the key has {count} glossaries, the most it may have ({MAX_PER_OWNER})")
            s.execute(
                "INSERT INTO glossaries (id, owner, name, api, created, revision, entries, entry_count) "
                "VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                (glossary_id, owner, name, api, time.time(), tsv, len(entries or ())),
            )
        info = self.get(owner, glossary_id)
        assert info is not None
        return info

    def owned(self, owner: str) -> list[GlossaryInfo]:
        rows = self.db.all(f"SELECT {_COLUMNS} FROM glossaries WHERE owner = ? ORDER BY created, id", (owner,))
        return [_info(row) for row in rows]

    def get(self, owner: str, glossary_id: str) -> GlossaryInfo | None:
        row = self.db.one(f"SELECT {_COLUMNS} FROM glossaries WHERE owner = ? AND id = ?", (owner, glossary_id))
        return _info(row) if row else None

    def entries(self, owner: str | None, glossary_id: str) -> list[Entry] | None:
        """The glossary's entries (an owner's, or with None any owner's: the command line's), [] when it has
        no dictionary; None when there is no such glossary."""
        glossary = self.glossary(owner, glossary_id)
        return None if glossary is None else list(glossary.entries)

    def glossary(self, owner: str | None, glossary_id: str) -> Glossary | None:
        """The glossary as the core takes it (as `entries`), parsed and indexed once a revision: the last few
        used are kept."""
        where, params = ("id = ?", (glossary_id,)) if owner is None else ("owner = ? AND id = ?", (owner, glossary_id))
        row = self.db.one(f"SELECT revision FROM glossaries WHERE {where}", params)
        if row is None:
            return None
        with self._lock:
            if (found := self._parsed.get((glossary_id, int(row[0])))) is not None:
                self._parsed.move_to_end((glossary_id, int(row[0])))
                return found
        row = self.db.one(f"SELECT revision, entries FROM glossaries WHERE {where}", params)
        if row is None:
            return None
        glossary = Glossary(tuple(parse(row[1]) if row[1] else ()))
        with self._lock:
            self._parsed[(glossary_id, int(row[0]))] = glossary
            while len(self._parsed) > _CACHED:
                self._parsed.popitem(last=False)
        return glossary

    def replace(self, owner: str, glossary_id: str, entries: Sequence[Entry] | None) -> GlossaryInfo | None:
        """The glossary's dictionary replaced by `entries` (None: deleted); None when there is no such glossary."""
        changed = self.db.execute(
            "UPDATE glossaries SET entries = ?, entry_count = ?, revision = revision + 1 WHERE owner = ? AND id = ?",
            (_tsv(entries), len(entries or ()), owner, glossary_id),
        )
        return self.get(owner, glossary_id) if changed else None

    def merge(self, owner: str, glossary_id: str, entries: Sequence[Entry]) -> GlossaryInfo | None:
        """`entries` merged into the dictionary as DeepL's v3 PATCH does: a new source added, a known one's
        target replaced; InputError when the result is over MAX_BYTES."""
        with self.db.transaction() as s:
            row = s.one("SELECT entries FROM glossaries WHERE owner = ? AND id = ?", (owner, glossary_id))
            if row is None:
                return None
            merged = {entry.source: entry for entry in (parse(row[0]) if row[0] else [])}
            merged.update((entry.source, entry) for entry in entries)
            s.execute(
                "UPDATE glossaries SET entries = ?, entry_count = ?, revision = revision + 1 WHERE id = ?",
                (_tsv(list(merged.values())), len(merged), glossary_id),
            )
        return self.get(owner, glossary_id)

    def rename(self, owner: str, glossary_id: str, name: str) -> GlossaryInfo | None:
        changed = self.db.execute(
            "UPDATE glossaries SET name = ? WHERE owner = ? AND id = ?",
            (name, owner, glossary_id),
        )
        return self.get(owner, glossary_id) if changed else None

    def delete(self, owner: str, glossary_id: str) -> bool:
        return self.db.execute("DELETE FROM glossaries WHERE owner = ? AND id = ?", (owner, glossary_id)) > 0


def _tsv(entries: Sequence[Entry] | None) -> str | None:
    if entries is None:
        return None
    text = to_tsv(entries)
    if (size := len(text.encode("utf-8"))) > MAX_BYTES:
        raise InputError(f"the dictionary would be {size} bytes, over the limit of {MAX_BYTES} (10 MiB)")
    return text


def _info(row: tuple[Any, ...]) -> GlossaryInfo:
    glossary_id, name, api, created, revision, count, has = row
    return GlossaryInfo(str(glossary_id), str(name), str(api), float(created), int(revision), int(count), bool(has))
