"""`translator db copy --from DATA_DIR`: a SQLite deployment's document jobs (rows and files) and usage counts
into a PostgreSQL store, to move a service onto it. Running it twice copies nothing twice, and undoes nothing
the service did on PostgreSQL in between: a job already in the store is left as the store has it (its status,
its files: a once-only result fetched there stays gone), a month's count becomes the larger of the two
(counts only grow, so neither side's characters are lost), and a glossary already there (same id) is left as the
store has it. Reviewed translations: each entry as the later of the two sides wrote it, and every history row the
database lacks (in the folder's order). Rate limits have nothing to copy (SQLite keeps them in its server's
memory). The data folder is held while it copies, as a server holds it: stop the server first. The translation
memory is a file of the command line's own (`translator batch` fills the database's once TRANSLATOR_DATABASE_URL
is set)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from translator import durable
from translator.errors import ConfigError, InputError
from translator.store import layout
from translator.store.database import Database, open_sqlite

_LARGER_COUNT = (  # a month counted on both sides: the larger count
    "DO UPDATE SET characters = "
    "CASE WHEN excluded.characters > usage.characters THEN excluded.characters ELSE usage.characters END"
)


@dataclass(frozen=True)
class Copied:
    usage: int  # (account, month) rows
    jobs: int
    files: int
    glossaries: int = 0
    reviewed: int = 0  # entries
    history: int = 0  # rows of their history copied (those the database had already are not)


def copy(data_dir: Path, target: Database) -> Copied:
    """Copy `data_dir`'s usage.sqlite3, documents/ (jobs.sqlite3 and each job's files) and glossaries.sqlite3
    into `target`."""
    usage_file = layout.usage_file(data_dir)
    folder = layout.jobs_folder(data_dir)
    glossaries_file, reviewed_file = layout.glossaries_file(data_dir), layout.reviewed_file(data_dir)
    if not any(path.is_file() for path in (usage_file, folder / layout.JOBS, glossaries_file, reviewed_file)):
        raise InputError(
            f"{data_dir} holds none of {layout.USAGE}, {layout.JOBS_FOLDER}/{layout.JOBS}, {layout.GLOSSARIES} "
            f"and {layout.REVIEWED}"
        )
    usage = jobs = files = glossaries = reviewed = history = 0
    with contextlib.ExitStack() as held:
        if folder.is_dir():
            held.enter_context(durable.exclusive(folder / "jobs.lock", _in_use(folder)))
        if usage_file.is_file():
            with open_sqlite(usage_file, ("usage",), read_only=True) as source:
                usage = _copy_rows(source, target, "usage", ("account", "month"), _LARGER_COUNT)
        if (folder / layout.JOBS).is_file():
            with open_sqlite(folder / layout.JOBS, ("jobs",), read_only=True) as source:
                ids = [row[0] for row in source.all("SELECT id FROM jobs")]
                for job_id in ids:  # the files first: the row says they exist
                    stored = target.one("SELECT 1 FROM jobs WHERE id = ?", (job_id,)) is not None
                    for name in layout.JOB_FILES:
                        if (path := folder / job_id / name).is_file():
                            if not stored:
                                target.execute(
                                    "INSERT INTO job_files VALUES (?, ?, ?) "
                                    "ON CONFLICT (job, name) DO UPDATE SET data = excluded.data",
                                    (job_id, name, path.read_bytes()),
                                )
                            files += 1
                jobs = _copy_rows(source, target, "jobs", ("id",), "DO NOTHING")
        if glossaries_file.is_file():
            with open_sqlite(glossaries_file, ("glossaries",), read_only=True) as source:
                glossaries = _copy_rows(source, target, "glossaries", ("id",), "DO NOTHING")
        if reviewed_file.is_file():
            with open_sqlite(reviewed_file, ("reviewed",), read_only=True) as source:
                reviewed, history = _copy_reviewed(source, target)
    return Copied(usage, jobs, files, glossaries, reviewed, history)


def _copy_reviewed(source: Database, target: Database) -> tuple[int, int]:
    """The reviewed entries (the later write wins) and the history rows the target lacks, in the source's order,
    in one transaction that takes the writers' turn (translator/reviewed.py): readers follow the history."""
    from translator.reviewed import take_turn

    columns = "key, source, old, new, who, at, origin"
    rows = source.all(f"SELECT {columns} FROM reviewed_history ORDER BY seq")
    entries = source.all("SELECT key, source, target, who, at, origin FROM reviewed")
    copied = 0
    with target.transaction() as s:
        take_turn(target, s)
        for row in rows:
            found = s.one(
                "SELECT 1 FROM reviewed_history WHERE key = ? AND at = ? AND who = ? AND new IS NOT DISTINCT FROM ?",
                (row[0], row[5], row[4], row[3]),
            )
            if found is None:
                s.execute(f"INSERT INTO reviewed_history ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?)", row)
                copied += 1
        s.many(
            "INSERT INTO reviewed (key, source, target, who, at, origin) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET source = excluded.source, target = excluded.target, who = excluded.who, "
            "at = excluded.at, origin = excluded.origin WHERE excluded.at > reviewed.at",
            entries,
        )
    return len(entries), copied


def _copy_rows(source: Database, target: Database, table: str, key: tuple[str, ...], conflict: str) -> int:
    """Every row of `table`, inserted, or `conflict` (DO ...) where `key` is in the store already; how many."""
    columns = [row[1] for row in source.all(f"SELECT * FROM pragma_table_info('{table}')")]
    rows = source.all(f"SELECT {', '.join(columns)} FROM {table}")
    marks = ", ".join("?" * len(columns))
    target.many(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT ({', '.join(key)}) {conflict}", rows
    )
    return len(rows)


def _in_use(folder: Path) -> Callable[[str], Exception]:
    def refuse(holder: str) -> Exception:
        return ConfigError(f"{folder} is in use by a translator serve (pid {holder}): stop it before copying")

    return refuse
