"""Where a document job's files (its upload, then its result) are kept: in a folder per job beside the jobs'
SQLite file, written durably (the default, one machine), or in the database's job_files table, so that any
replica on any machine reads them (PostgreSQL). Both are written before the job's row says they exist; a
file no job owns (a crash in between) is deleted by `prune` at start."""

from __future__ import annotations

import shutil
from collections.abc import Set
from pathlib import Path
from typing import Protocol

from translator import durable
from translator.store import Database


class JobFiles(Protocol):
    def put(self, job_id: str, name: str, data: bytes) -> None: ...
    def get(self, job_id: str, name: str) -> bytes: ...
    def delete(self, job_id: str) -> None: ...
    def prune(self, owned: Set[str]) -> None: ...


class FolderFiles:
    """folder/JOB_ID/NAME, each written whole or not at all."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, job_id: str, name: str, data: bytes) -> None:
        path = self.folder / job_id / name
        path.parent.mkdir(exist_ok=True)
        durable.replace(path, lambda out: out.write(data))

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

    def put(self, job_id: str, name: str, data: bytes) -> None:
        self.db.execute(
            "INSERT INTO job_files VALUES (?, ?, ?) ON CONFLICT (job, name) DO UPDATE SET data = excluded.data",
            (job_id, name, data),
        )

    def get(self, job_id: str, name: str) -> bytes:
        row = self.db.one("SELECT data FROM job_files WHERE job = ? AND name = ?", (job_id, name))
        if row is None:
            raise FileNotFoundError(f"job {job_id} has no {name}")
        return bytes(row[0])

    def delete(self, job_id: str) -> None:
        self.db.execute("DELETE FROM job_files WHERE job = ?", (job_id,))

    def prune(self, owned: Set[str]) -> None:
        self.db.execute("DELETE FROM job_files WHERE job NOT IN (SELECT id FROM jobs)")
