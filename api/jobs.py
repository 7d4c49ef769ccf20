"""Document jobs: a file uploaded, translated in the background, downloaded. Each job is a row of a SQLite
file with its files in a folder beside it (TRANSLATOR_DATA_DIR/documents), written durably before the row
says they exist, so that a job submitted before a crash or a kill -9 completes after the restart (a job that
was translating starts again). A job belongs to the account that created it, and expires with its files
after TRANSLATOR_DOCUMENT_TTL_H hours.

Statuses are DeepL's: queued, translating, done, error, downloaded (a result that may be fetched once was).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shutil
import sqlite3
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
from fastapi import Request

from api.errors import ApiError
from api.usage import spending
from translator import durable, files

log = logging.getLogger(__name__)

QUEUED, TRANSLATING, DONE, ERROR, DOWNLOADED = "queued", "translating", "done", "error", "downloaded"


@dataclass(frozen=True)
class Job:
    id: str
    key: str  # the document_key DeepL's clients send back with every call
    account: str
    month: str  # when its characters were counted (given back to that month if it fails)
    filename: str
    media_type: str  # of the result
    status: str
    error: str | None
    characters: int
    created: float
    expires: float
    once: bool  # the result may be downloaded once (DeepL), else until it expires (LibreTranslate)

    @property
    def finished(self) -> bool:
        return self.status in (DONE, ERROR, DOWNLOADED)


class Jobs:
    """The jobs of `folder` (created if missing)."""

    def __init__(self, folder: Path, ttl_s: float) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.ttl_s = folder, ttl_s
        self.db = sqlite3.connect(folder / "jobs.sqlite3", isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(
            """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            CREATE TABLE IF NOT EXISTS jobs (
                id TEXT PRIMARY KEY, key TEXT NOT NULL, account TEXT NOT NULL, month TEXT NOT NULL,
                filename TEXT NOT NULL, media_type TEXT NOT NULL, status TEXT NOT NULL, error TEXT,
                characters INTEGER NOT NULL,
                created REAL NOT NULL, expires REAL NOT NULL, once INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS queued ON jobs (status, created);
            """
        )

    async def create(self, account: str, month: str, file: tuple[str, str, bytes], characters: int, once: bool) -> Job:
        """A queued job for `file` (its name, its result's media type, its bytes); the file is written, in a
        thread, before the row says it exists."""
        filename, media_type, data = file
        job_id, key = secrets.token_hex(16).upper(), secrets.token_hex(32).upper()
        await anyio.to_thread.run_sync(self._write, self._source(job_id), data)
        now = time.time()
        self.db.execute(
            "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
            (job_id, key, account, month, filename, media_type, QUEUED, characters, now, now + self.ttl_s, once),
        )
        return self._get(job_id)  # type: ignore[return-value]

    def get(self, job_id: str, account: str | None = None) -> Job | None:
        """The job, unless it is missing, expired or (`account` given) another account's."""
        job = self._get(job_id)
        if job is None or job.expires <= time.time() or (account is not None and job.account != account):
            return None
        return job

    def _get(self, job_id: str) -> Job | None:
        row = self.db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job(**{**dict(row), "once": bool(row["once"])}) if row else None

    def claim(self) -> Job | None:
        """The oldest queued job, now translating; None when none waits."""
        row = self.db.execute(
            "UPDATE jobs SET status = ? WHERE id = (SELECT id FROM jobs WHERE status = ? AND expires > ? "
            "ORDER BY created LIMIT 1) RETURNING id",
            (TRANSLATING, QUEUED, time.time()),
        ).fetchone()
        return self._get(row["id"]) if row else None

    def source(self, job: Job) -> bytes:
        return self._source(job.id).read_bytes()

    def result(self, job: Job) -> bytes:
        return self._result(job.id).read_bytes()

    async def finish(self, job: Job, result: bytes) -> None:
        await anyio.to_thread.run_sync(self._write, self._result(job.id), result)
        self.db.execute("UPDATE jobs SET status = ? WHERE id = ?", (DONE, job.id))

    def fail(self, job: Job, message: str) -> None:
        self.db.execute("UPDATE jobs SET status = ?, error = ? WHERE id = ?", (ERROR, message, job.id))

    def downloaded(self, job: Job) -> None:
        """A once-only result was fetched: its files go, its row stays (status downloaded) until it expires."""
        self.db.execute("UPDATE jobs SET status = ? WHERE id = ?", (DOWNLOADED, job.id))
        shutil.rmtree(self.folder / job.id, ignore_errors=True)

    def recover(self) -> int:
        """After a restart: jobs that were translating are queued again; how many."""
        return self.db.execute("UPDATE jobs SET status = ? WHERE status = ?", (QUEUED, TRANSLATING)).rowcount

    def expire(self) -> int:
        """Delete expired jobs and their files, and folders no job owns (a crash between file and row)."""
        gone = self.db.execute("DELETE FROM jobs WHERE expires <= ? RETURNING id", (time.time(),)).fetchall()
        owned = {row["id"] for row in self.db.execute("SELECT id FROM jobs")}
        for path in self.folder.iterdir():
            if path.is_dir() and path.name not in owned:
                shutil.rmtree(path, ignore_errors=True)
        return len(gone)

    def close(self) -> None:
        self.db.close()

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(exist_ok=True)
        durable.replace(path, lambda out: out.write(data))

    def _source(self, job_id: str) -> Path:
        return self.folder / job_id / "source"

    def _result(self, job_id: str) -> Path:
        return self.folder / job_id / "result"


class Runner:
    """Translates queued jobs, `workers` at a time, with `translate(job, source bytes) -> result bytes`; a
    failure (InputError and any other) is the job's error message, never the runner's end."""

    def __init__(
        self,
        jobs: Jobs,
        translate: Callable[[Job, bytes], Awaitable[bytes]],
        workers: int,
        on_error: Callable[[Job], None],
    ) -> None:
        self.jobs, self.translate, self.workers, self.on_error = jobs, translate, workers, on_error
        self.tasks: list[asyncio.Task[None]] = []
        self.queued = asyncio.Event()
        self.changed = asyncio.Condition()

    def start(self) -> None:
        if recovered := self.jobs.recover():
            log.info("%d document job(s) interrupted by a restart are queued again", recovered)
        self.jobs.expire()
        self.tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]
        self.tasks.append(asyncio.create_task(self._sweep()))
        self.queued.set()

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        self.queued.set()

    async def wait(self, job: Job, timeout_s: float, account: str | None = None) -> Job | None:
        """The job once finished, or as it is after `timeout_s`; None if it is gone."""
        async with self.changed:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout_s):
                    await self.changed.wait_for(lambda: self._finished(job.id))
        return self.jobs.get(job.id, account)

    def _finished(self, job_id: str) -> bool:
        current = self.jobs.get(job_id)
        return current is None or current.finished

    async def _work(self) -> None:
        while True:
            job = self.jobs.claim()
            if job is None:
                self.queued.clear()
                await self.queued.wait()
                continue
            try:
                await self.jobs.finish(job, await self.translate(job, self.jobs.source(job)))
            except asyncio.CancelledError:
                raise  # shutting down: the job stays translating, and is queued again at the next start
            except Exception as exc:  # noqa: BLE001 - any failure is this job's, reported in its status
                log.warning("document job %s failed: %s", job.id, exc)
                self.jobs.fail(job, str(exc) or type(exc).__name__)
                self.on_error(job)
            async with self.changed:
                self.changed.notify_all()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(600.0, self.jobs.ttl_s / 2))
            self.jobs.expire()


async def submit(request: Request, filename: str, data: bytes, once: bool) -> Job:
    """Check an uploaded file (400 naming what is wrong with it, 413 over the size limit), count its characters
    for the request's account (its quota checked), and queue it; the runner starts on it at once if free."""
    limit = request.app.state.settings.max_document_bytes
    if len(data) > limit:
        message = f"the file has {len(data)} bytes, over the limit of {limit} (TRANSLATOR_MAX_DOCUMENT_BYTES)"
        raise ApiError(413, "too_large", message, limit="max_document_bytes")
    name = _safe_name(filename)
    parsed = await anyio.to_thread.run_sync(files.parse, name, data)
    jobs: Jobs = request.app.state.jobs
    with spending(request, parsed.characters) as month:
        file = (name, parsed.media_type, data)
        job = await jobs.create(request.state.account.id, month, file, parsed.characters, once)
    runner: Runner = request.app.state.runner
    runner.wake()
    return job


def attachment(filename: str) -> str:
    """A Content-Disposition header that downloads the file under `filename` (any characters)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{urllib.parse.quote(filename, safe='')}"


def _safe_name(filename: str) -> str:
    """The file's own name, without any folder, control characters or more than 200 characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "document"
    return name[-200:]
