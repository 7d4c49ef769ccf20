"""`translator db copy --from DATA_DIR`: a SQLite deployment's document jobs (rows and files) and usage counts
into a PostgreSQL store, to move a service onto it. Every row is an upsert by its key (the data folder's copy
wins), so running it twice copies nothing twice. The data folder is held while it copies, as a server holds
it: stop the server first. Glossaries and reviewed translations do not exist yet; the translation memory is a
file of the command line's own (`translator batch` fills the database's once TRANSLATOR_DATABASE_URL is set)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from translator import durable
from translator.errors import ConfigError, InputError
from translator.store import layout
from translator.store.database import Database, open_sqlite


@dataclass(frozen=True)
class Copied:
    usage: int  # (account, month) rows
    jobs: int
    files: int


def copy(data_dir: Path, target: Database) -> Copied:
    """Copy `data_dir`'s usage.sqlite3 and documents/ (jobs.sqlite3 and each job's files) into `target`."""
    usage_file = layout.usage_file(data_dir)
    folder = layout.jobs_folder(data_dir)
    if not usage_file.is_file() and not (folder / layout.JOBS).is_file():
        raise InputError(f"{data_dir} holds neither {layout.USAGE} nor {layout.JOBS_FOLDER}/{layout.JOBS}")
    usage = jobs = files = 0
    with contextlib.ExitStack() as held:
        if folder.is_dir():
            held.enter_context(durable.exclusive(folder / "jobs.lock", _in_use(folder)))
        if usage_file.is_file():
            with open_sqlite(usage_file, ("usage",), read_only=True) as source:
                usage = _copy_rows(source, target, "usage", ("account", "month"))
        if (folder / layout.JOBS).is_file():
            with open_sqlite(folder / layout.JOBS, ("jobs",), read_only=True) as source:
                ids = [row[0] for row in source.all("SELECT id FROM jobs")]
                for job_id in ids:  # the files first: the row says they exist
                    for name in (layout.SOURCE, layout.RESULT):
                        if (path := folder / job_id / name).is_file():
                            target.execute(
                                "INSERT INTO job_files VALUES (?, ?, ?) "
                                "ON CONFLICT (job, name) DO UPDATE SET data = excluded.data",
                                (job_id, name, path.read_bytes()),
                            )
                            files += 1
                jobs = _copy_rows(source, target, "jobs", ("id",))
    return Copied(usage, jobs, files)


def _copy_rows(source: Database, target: Database, table: str, key: tuple[str, ...]) -> int:
    """Every row of `table`, upserted by `key`; how many."""
    columns = [row[1] for row in source.all(f"SELECT * FROM pragma_table_info('{table}')")]
    rows = source.all(f"SELECT {', '.join(columns)} FROM {table}")
    others = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    marks = ", ".join("?" * len(columns))
    target.many(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
        + others,
        rows,
    )
    return len(rows)


def _in_use(folder: Path) -> Callable[[str], Exception]:
    def refuse(holder: str) -> Exception:
        return ConfigError(f"{folder} is in use by a translator serve (pid {holder}): stop it before copying")

    return refuse
