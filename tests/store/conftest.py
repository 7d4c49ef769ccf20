"""The store-level tests run against both databases: `store` is SQLite (today's files in a data folder) or
the session's PostgreSQL (tests/postgres.py), emptied for each test."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from api.jobs import LEASE_S, Jobs
from api.usage import Usage
from translator.memory import TranslationMemory
from translator.reviewed import ReviewedStore
from translator.store import Database, layout, open_database, open_sqlite


@dataclass
class Store:
    """One deployment's store: `open(parts)` a Database holding them (SQLite: a file for them; PostgreSQL:
    the one database), and the service's stores on it, as `translator serve` opens them."""

    kind: str
    folder: Path
    url: str | None = None
    opened: list[Database] = field(default_factory=list)

    def open(self, parts: Sequence[str], name: str = "store.sqlite3") -> Database:
        database = open_database(self.url, pool_size=4) if self.url else open_sqlite(self.folder / name, parts)
        self.opened.append(database)
        return database

    def usage(self) -> Usage:
        return Usage(self.open(()) if self.url else layout.usage_file(self.folder))

    def jobs(self, ttl_s: float = 3600, lease_s: float = LEASE_S) -> Jobs:
        return Jobs(self.open(()) if self.url else layout.jobs_folder(self.folder), ttl_s, lease_s)

    def memory(self) -> TranslationMemory:
        return TranslationMemory(self.open(()) if self.url else self.folder / "memory.sqlite")

    def reviewed(self) -> ReviewedStore:
        """The reviewed translations as the service opens them: another opening sees the same entries."""
        return ReviewedStore(self.open(()) if self.url else layout.reviewed_file(self.folder))

    def close(self) -> None:
        for database in self.opened:
            database.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url: str | None = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    opened = Store(request.param, tmp_path, url)
    yield opened
    opened.close()
