"""Where a document job's files (its upload, then its result) are kept: in a folder per job beside the jobs'
SQLite file, written durably (the default, one machine), or in the database's job_files table, so that any
replica on any machine reads them (PostgreSQL). A new job's row is written with its upload (`then`): after the
file in a folder, so that a file no job owns (a crash in between) is deleted by `prune` at start (the folder is
this process's alone); in the same transaction in the table, so that no upload is ever seen without its row,
and `prune` at one replica's start never takes another's upload in progress (only a result written as its job
expired, or files a crash left as their row was deleted)."""

from __future__ import annotations

import shutil
from collections.abc import Set
from pathlib import Path
from typing import Protocol

from translator import durable
from translator.store import Database
from translator.store.database import Params

Statement = tuple[str, Params]


class JobFiles(Protocol):
    def put(self, job_id: str, name: str, data: bytes, then: Statement | None = None) -> None: ...
    def get(self, job_id: str, name: str) -> bytes: ...
    def delete(self, job_id: str) -> None: ...
    def prune(self, owned: Set[str]) -> None: ...


class FolderFiles:
    """folder/JOB_ID/NAME, each written whole or not at all; the jobs' rows in `db`."""

    def __init__(self, folder: Path, db: Database) -> None:
        self.folder, self.db = folder, db

    def put(self, job_id: str, name: str, data: bytes, then: Statement | None = None) -> None:
        path = self.folder / job_id / name
        path.parent.mkdir(exist_ok=True)
        durable.replace(path, lambda out: out.write(data))
        if then is not None:
            self.db.execute(*then)

    def get(self, job_id: str, name: str) -> bytes:
        return (self.folder / job_id / name).read_bytes()

    def delete(self, job_id: str) -> None:
        shutil.rmtree(self.folder / job_id, ignore_errors=True)

    def prune(self, owned: Set[str]) -> None:
        for path in self.folder.iterdir():
            if path.is_dir() and path.name not in owned:
                shutil.rmtree(path, ignore_errors=True)


class TableFiles:
    """Rows of the job_files table (uploads and results are at most TRANSLATOR_MAX_DOCUMENT_BYTES)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, job_id: str, name: str, data: bytes, then: Statement | None = None) -> None:
        with self.db.transaction() as s:
            s.execute(
                "INSERT INTO job_files VALUES (?, ?, ?) ON CONFLICT (job, name) DO UPDATE SET data = excluded.data",
                (job_id, name, data),
            )
            if then is not None:
                s.execute(*then)

    def get(self, job_id: str, name: str) -> bytes:
        row = self.db.one("SELECT data FROM job_files WHERE job = ? AND name = ?", (job_id, name))
        if row is None:
            raise FileNotFoundError(f"job {job_id} has no {name}")
        return bytes(row[0])

    def delete(self, job_id: str) -> None:
        self.db.execute("DELETE FROM job_files WHERE job = ?", (job_id,))

    def prune(self, owned: Set[str]) -> None:
        self.db.execute("DELETE FROM job_files WHERE job NOT IN (SELECT id FROM jobs)")
