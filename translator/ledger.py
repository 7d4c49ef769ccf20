"""The archive job's ledger: a SQLite file in the output folder that records what the job is (its settings and
its input set) and how far it got (every finished document, and each writer's state: the committed size of
every output file).

It owns all of the job's SQL, and the bookkeeping of its runs and model counts. Nothing is durable until
`commit`; the job fsyncs its output files first, so the ledger never claims bytes the disk lacks.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from translator.errors import ArchiveError, OutputError


@dataclass(frozen=True)
class InputRecord:
    """One input file of the job as it was first read: content hash, or why it could not be read."""

    origin: str
    size: int
    sha256: str
    reason: str | None = None


@dataclass(frozen=True)
class DocumentRecord:
    """One finished document: translated or failed (reason set); doc_id is its id, when it has one of its own
    (not when it could not be read, nor when another document had it first)."""

    seq: int
    origin: str
    doc_id: str | None
    text_sha256: str | None
    reason: str | None
    sentences: int
    flags: dict[str, int]


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = sqlite3.connect(path, isolation_level=None)  # transactions are begun explicitly
            self.db.executescript(
                """
                PRAGMA page_size = 1024; -- its rows are short: a small ledger leaves a nearly full disk to the outputs
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS inputs (
                    position INTEGER PRIMARY KEY, origin TEXT NOT NULL, size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL, reason TEXT
                );
                CREATE TABLE IF NOT EXISTS docs (
                    seq INTEGER PRIMARY KEY, origin TEXT NOT NULL, doc_id TEXT, text_sha256 TEXT, reason TEXT,
                    sentences INTEGER NOT NULL, flags TEXT NOT NULL
                );
                CREATE INDEX IF NOT EXISTS docs_by_id ON docs (doc_id);
                """
            )
        except sqlite3.Error as exc:
            raise ArchiveError(f"cannot use the ledger {path}: {exc}") from exc
        self.db.execute("BEGIN")

    def get(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def put(self, key: str, value: Any) -> None:
        with self._writing():
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value, sort_keys=True)))

    def inputs(self) -> list[InputRecord]:
        rows = self.db.execute("SELECT origin, size, sha256, reason FROM inputs ORDER BY position")
        return [InputRecord(*row) for row in rows]

    def set_inputs(self, records: Sequence[InputRecord]) -> None:
        with self._writing():
            self.db.execute("DELETE FROM inputs")
            self.db.executemany(
                "INSERT INTO inputs VALUES (?, ?, ?, ?, ?)",
                ((i, r.origin, r.size, r.sha256, r.reason) for i, r in enumerate(records)),
            )

    def add(self, record: DocumentRecord) -> None:
        row = (*astuple(record)[:-1], json.dumps(record.flags, sort_keys=True))
        with self._writing():
            self.db.execute(
                "INSERT OR REPLACE INTO docs (seq, origin, doc_id, text_sha256, reason, sentences, flags)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    def set_flags(self, seq: int, flags: dict[str, int]) -> None:
        """A finished document's flag counts, as a refresh of its English left them (translator/refresh.py)."""
        with self._writing():
            self.db.execute("UPDATE docs SET flags = ? WHERE seq = ?", (json.dumps(flags, sort_keys=True), seq))

    def count(self) -> tuple[int, int]:
        """(finished documents, failed ones)."""
        done, failed = self.db.execute("SELECT COUNT(*), COUNT(reason) FROM docs").fetchone()
        return int(done), int(failed)

    def holder(self, doc_id: str) -> str | None:
        """The origin of the first finished document with this id, if any."""
        row = self.db.execute("SELECT origin FROM docs WHERE doc_id = ? ORDER BY seq LIMIT 1", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def records(self) -> Iterator[tuple[int, str, str | None]]:
        """(seq, origin, reason: None when translated) of every finished document, in input order."""
        yield from self.db.execute("SELECT seq, origin, reason FROM docs ORDER BY seq")

    def sentences(self) -> int:
        """The sentences of the translated documents."""
        (total,) = self.db.execute("SELECT TOTAL(sentences) FROM docs").fetchone()
        return int(total)

    def failures(self, most: int) -> list[tuple[int, str, str]]:
        """(seq, origin, reason) of the first `most` failed documents."""
        query = "SELECT seq, origin, reason FROM docs WHERE reason IS NOT NULL ORDER BY seq LIMIT ?"
        return list(self.db.execute(query, (most,)))

    def start_run(self) -> None:
        """Record that a run of the job began now; `stamp_run` records what it then did, and when."""
        self.put("runs", [*self.get("runs", []), {"started": _now()}])

    def stamp_run(self, event: str) -> None:
        """Record the time of `event` ("last_commit", "finished", "interrupted") in this run's entry."""
        runs = self.get("runs")
        runs[-1][event] = _now()
        self.put("runs", runs)

    def count_model(self, memory_hits: int, model_sentences: int) -> None:
        """Add this stretch of the job's sentences from the translation memory and from the model."""
        totals = self.get("model", {"memory_hits": 0, "model_sentences": 0})
        totals["memory_hits"] += memory_hits
        totals["model_sentences"] += model_sentences
        self.put("model", totals)

    def flags(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for (counts,) in self.db.execute("SELECT flags FROM docs"):
            total.update(json.loads(counts))
        return total

    def commit(self) -> None:
        """Make everything put or added since the last commit durable, atomically."""
        with self._writing():
            self.db.execute("COMMIT")
            self.db.execute("BEGIN")

    def rollback(self) -> None:
        """Drop everything put or added since the last commit."""
        self.db.execute("ROLLBACK")
        self.db.execute("BEGIN")

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A full disk or a read-only folder is one line naming the ledger, not a traceback."""
        try:
            yield
        except sqlite3.Error as exc:  # SQLite names no errno: say where to look
            raise OutputError(
                f"cannot write {self.path}: {exc} (a full disk, a read-only folder or a file-size limit?)"
            ) from exc

    def close(self) -> None:
        """Close without committing: what was not committed is dropped, as after a crash."""
        self.db.close()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
