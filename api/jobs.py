"""Document jobs: a file uploaded, translated in the background, downloaded. Each job is a row of the store:
a SQLite file with its files in a folder beside it (TRANSLATOR_DATA_DIR/documents), or the PostgreSQL of
TRANSLATOR_DATABASE_URL with its files in the database (api/jobfiles.py); the files are written before the
row says they exist, so that a job submitted before a crash or a kill -9 completes after the restart (a job
that was translating starts again). A worker claims a job under a lease (LEASE_S, renewed while it translates),
so that replicas on one PostgreSQL share the jobs: a job whose replica died is claimed by another once its
lease has run out (each replica's idle workers look for one every POLL_S), one whose replica stopped cleanly
(SIGTERM) at once (its claims are released), and only the claim's holder finishes it. On PostgreSQL every
statement runs off the event loop (api/store.py). A job belongs to the account that created it, and
expires with its files after TRANSLATOR_DOCUMENT_TTL_H hours.

Statuses are DeepL's: queued, translating, done, error, downloaded (a result that may be fetched once was).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import os
import secrets
import socket
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import anyio
from fastapi import Request

from api.errors import ApiError
from api.jobfiles import FolderFiles, JobFiles, TableFiles
from api.store import stored
from api.usage import Account, Usage
from translator import durable, files, markup
from translator.errors import ConfigError
from translator.glossary import Glossary
from translator.glossary.parse import parse, to_tsv
from translator.settings import Settings
from translator.store import Database, StoreError, layout, open_sqlite

log = logging.getLogger(__name__)
T = TypeVar("T")
P = ParamSpec("P")
STORE_RETRY_S = 1.0  # a runner's wait before it tries the store again after a database error
LEASE_S = 60.0  # how long a claim stands unrenewed (TRANSLATOR_DOCUMENT_LEASE_S), on the database's clock
POLL_S = 1.0  # on a shared database, how often an idle worker looks for a job queued through another replica

QUEUED, TRANSLATING, DONE, ERROR, DOWNLOADED = "queued", "translating", "done", "error", "downloaded"
COLUMNS = "id, key, account, month, filename, media_type, status, error, characters, created, expires, once, holder"


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
    # the claim it is translating under (the replica, host:pid, and a token): not part of what the job is, nor shown
    holder: str | None = field(default=None, compare=False, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in (DONE, ERROR, DOWNLOADED)


class Jobs:
    """The jobs of `store`: a folder (created if missing) of a SQLite file and the jobs' files, held by this
    process alone; or a Database holding the rows and the files, which other processes (replicas) may share.
    close closes either."""

    def __init__(self, store: Path | Database, ttl_s: float, lease_s: float = LEASE_S) -> None:
        self.ttl_s, self.lease_s = ttl_s, lease_s
        self.held = contextlib.ExitStack()
        self.files: JobFiles
        self.shared = isinstance(store, Database)
        self.replica = f"{socket.gethostname()}:{os.getpid()}"  # names this process in the claims it holds
        if isinstance(store, Database):
            self.db, self.files = self.held.enter_context(store), TableFiles(store)
        else:
            store.mkdir(parents=True, exist_ok=True)
            with contextlib.ExitStack() as opening:  # let go again if the file cannot be opened
                # one server a data folder: recovering would take another's jobs
                opening.enter_context(durable.exclusive(store / "jobs.lock", _in_use(store)))
                self.db = opening.enter_context(open_sqlite(store / layout.JOBS, ("jobs",), synchronous="FULL"))
                self.held = opening.pop_all()
            self.files = FolderFiles(store, self.db)

    async def create(
        self,
        account: str,
        month: str,
        file: tuple[str, str, bytes],
        characters: int,
        once: bool,
        untranslated: Mapping[str, int] | None = None,
        glossary: Glossary | None = None,
        tags: markup.Options | None = None,
    ) -> Job:
        """A queued job for `file` (its name, its result's media type, its bytes), with what its translation
        leaves untranslated, by kind (translator/files), to be translated with `glossary` as it is now and the
        markup options `tags` (DeepL's tag options); the files are written, in a thread, the upload last, and
        the row with or after it (api/jobfiles.py)."""
        filename, media_type, data = file
        job_id, key = secrets.token_hex(16).upper(), secrets.token_hex(32).upper()
        if untranslated:
            report = json.dumps(dict(untranslated)).encode()
            await anyio.to_thread.run_sync(self.files.put, job_id, layout.UNTRANSLATED, report)
        if glossary is not None:
            tsv = to_tsv(glossary.entries).encode()
            await anyio.to_thread.run_sync(self.files.put, job_id, layout.GLOSSARY, tsv)
        if tags is not None:
            fields = {name: sorted(v) if isinstance(v, frozenset) else v for name, v in vars(tags).items()}
            await anyio.to_thread.run_sync(self.files.put, job_id, layout.MARKUP, json.dumps(fields).encode())
        now = time.time()
        row = (
            f"INSERT INTO jobs ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, NULL)",
            (job_id, key, account, month, filename, media_type, QUEUED, characters, now, now + self.ttl_s, int(once)),
        )
        await anyio.to_thread.run_sync(self.files.put, job_id, layout.SOURCE, data, row)
        return Job(
            job_id, key, account, month, filename, media_type, QUEUED, None, characters, now, now + self.ttl_s, once
        )

    def get(self, job_id: str, account: str | None = None) -> Job | None:
        """The job, unless it is missing, expired or (`account` given) another account's."""
        job = self._get(job_id)
        if job is None or job.expires <= time.time() or (account is not None and job.account != account):
            return None
        return job

    def _get(self, job_id: str) -> Job | None:
        row = self.db.one(f"SELECT {COLUMNS} FROM jobs WHERE id = ?", (job_id,))
        return _job(row) if row else None

    def claim(self) -> Job | None:
        """The oldest job queued, or translating under a lease that ran out (its holder died), now translating
        under a new lease of this caller's; None when none waits. Replicas claiming at once each take another
        (a row one holds is passed over by the others)."""
        holder, now = f"{self.replica}:{secrets.token_hex(8)}", self.db.dialect.now
        with self.db.transaction() as s:
            row = s.one(
                f"SELECT id FROM jobs WHERE (status = ? OR (status = ? AND (lease IS NULL OR lease <= {now}))) "
                f"AND expires > ? ORDER BY created LIMIT 1{self.db.dialect.skip_locked}",
                (QUEUED, TRANSLATING, time.time()),
            )
            if row is None:
                return None
            s.execute(
                f"UPDATE jobs SET status = ?, lease = {now} + ?, holder = ? WHERE id = ?",
                (TRANSLATING, self.lease_s, holder, row[0]),
            )
        return self._get(row[0])

    def renew(self, job: Job) -> bool:
        """The lease of `job`'s claim extended by lease_s; False when the claim is lost (the job ended, expired,
        or was claimed by another after the lease ran out)."""
        return bool(
            self.db.execute(
                f"UPDATE jobs SET lease = {self.db.dialect.now} + ? WHERE id = ? AND status = ? AND holder = ?",
                (self.lease_s, job.id, TRANSLATING, job.holder),
            )
        )

    def release(self, job: Job) -> bool:
        """`job`'s claim given up (this replica stops): queued again, for any replica to claim at once; False
        when the claim was lost already."""
        return bool(
            self.db.execute(
                "UPDATE jobs SET status = ?, lease = NULL, holder = NULL WHERE id = ? AND status = ? AND holder = ?",
                (QUEUED, job.id, TRANSLATING, job.holder),
            )
        )

    def source(self, job: Job) -> bytes:
        return self.files.get(job.id, layout.SOURCE)

    def result(self, job: Job) -> bytes:
        return self.files.get(job.id, layout.RESULT)

    def glossary(self, job: Job) -> Glossary | None:
        """The entries the job is translated with, or None."""
        try:
            tsv = self.files.get(job.id, layout.GLOSSARY)
        except FileNotFoundError:
            return None
        return Glossary(tuple(parse(tsv.decode())))

    def tags(self, job: Job) -> markup.Options | None:
        """The markup options the job is translated with, or None."""
        try:
            fields: dict[str, Any] = json.loads(self.files.get(job.id, layout.MARKUP))
        except FileNotFoundError:
            return None
        return markup.Options(
            xml=fields["xml"],
            splitting=frozenset(fields["splitting"]),
            non_splitting=frozenset(fields["non_splitting"]),
            ignored=frozenset(fields["ignored"]),
            outline=fields["outline"],
            split=fields["split"],
            attributes=frozenset(fields["attributes"]),
        )

    async def flag(self, job: Job, flags: Mapping[str, int]) -> None:
        """Keep how many sentences of the job's translation carry each flag, where any does (written before its
        result, the same whoever translates it)."""
        if flags:
            await anyio.to_thread.run_sync(self.files.put, job.id, layout.FLAGS, json.dumps(dict(flags)).encode())

    def flags(self, job: Job) -> dict[str, int]:
        """How many sentences of the job's translation carry each flag (markup_moved), once done; {} for none."""
        try:
            flags: dict[str, int] = json.loads(self.files.get(job.id, layout.FLAGS))
        except FileNotFoundError:
            return {}
        return flags

    def untranslated(self, job: Job) -> dict[str, int]:
        """What the job's translation leaves untranslated, by kind; {} for nothing (or once its files are gone)."""
        try:
            report: dict[str, int] = json.loads(self.files.get(job.id, layout.UNTRANSLATED))
        except FileNotFoundError:
            return {}
        return report

    async def finish(self, job: Job, result: bytes) -> bool:
        """The job done with `result` under `job`'s claim; False, and nothing changed, if the claim is lost
        (the job expired, its files gone with its row, ended, or was claimed by another)."""
        if (current := await stored(self.db, self._get, job.id)) is None or current.holder != job.holder:
            return False
        await anyio.to_thread.run_sync(self.files.put, job.id, layout.RESULT, result)  # the same bytes whoever
        done = (DONE, job.id, TRANSLATING, job.holder)
        return bool(
            await stored(
                self.db, self.db.execute, "UPDATE jobs SET status = ? WHERE id = ? AND status = ? AND holder = ?", done
            )
        )

    def fail(self, job: Job, message: str) -> bool:
        """A job queued, or translating under `job`'s claim, ended in error; False when it had already ended,
        expired, or is another claim's."""
        return bool(
            self.db.execute(
                "UPDATE jobs SET status = ?, error = ? WHERE id = ? AND (status = ? OR (status = ? AND holder = ?))",
                (ERROR, message, job.id, QUEUED, TRANSLATING, job.holder),
            )
        )

    def downloaded(self, job: Job) -> None:
        """A once-only result was fetched: its files go, its row stays (status downloaded) until it expires."""
        self.db.execute("UPDATE jobs SET status = ? WHERE id = ?", (DOWNLOADED, job.id))
        self.files.delete(job.id)

    def recover(self) -> int:
        """At start: jobs that were translating are queued again (with a shared database, only those whose lease
        ran out: another replica may be translating the others), and files no job owns (a crash between a
        job's file and its row) deleted; how many jobs were requeued."""
        self.files.prune({row[0] for row in self.db.all("SELECT id FROM jobs")})
        return self.db.execute(  # a folder is this process's alone: all of its jobs that were translating
            "UPDATE jobs SET status = ?, lease = NULL, holder = NULL "
            f"WHERE status = ? AND (? OR lease IS NULL OR lease <= {self.db.dialect.now})",
            (QUEUED, TRANSLATING, not self.shared),
        )

    def expire(self) -> list[Job]:
        """Delete expired jobs and their files; the ones deleted unfinished (their characters are owed back).
        Replicas sweeping at once each get back only the rows their DELETE removed, so a job is owed back once."""
        rows = self.db.all(f"DELETE FROM jobs WHERE expires <= ? RETURNING {COLUMNS}", (time.time(),))
        gone = [_job(row) for row in rows]
        for job in gone:
            self.files.delete(job.id)
        return [job for job in gone if not job.finished]

    def close(self) -> None:
        self.held.close()


def _job(row: tuple[Any, ...]) -> Job:
    fields = dict(zip(COLUMNS.split(", "), row, strict=True))
    return Job(**{**fields, "once": bool(fields["once"])})


def _in_use(folder: Path) -> Callable[[str], Exception]:
    def refuse(holder: str) -> Exception:
        return ConfigError(
            f"{folder} is in use by another translator serve (pid {holder}); stop it, or give this one another "
            "TRANSLATOR_DATA_DIR"
        )

    return refuse


class Runner:
    """Translates queued jobs, `workers` at a time, with `translate(job, source bytes) -> result bytes`; a
    failure (InputError and any other) is the job's error message, never the runner's end. A database error
    (PostgreSQL lost, say) is not a job's failure either: the step is tried again until the store answers, so
    that a job claimed is translated and finished once, when the database is back. Stopped, it releases the
    claims of the jobs it was translating, for another replica (or its own next start) to take at once."""

    def __init__(
        self,
        jobs: Jobs,
        translate: Callable[[Job, bytes], Coroutine[Any, Any, bytes]],
        workers: int,
        on_error: Callable[[Job], object],
    ) -> None:
        self.jobs, self.translate, self.workers, self.on_error = jobs, translate, workers, on_error
        self.tasks: list[asyncio.Task[None]] = []
        self.running: dict[str, asyncio.Task[bytes]] = {}
        self.reasons: dict[str, str] = {}
        self.interrupted: list[Job] = []  # claims a stop cut short, released by it
        self.queued = asyncio.Event()
        self.changed = asyncio.Condition()
        self.changes = 0  # how many times a job of this runner ended: what `wait` watches
        # a worker with nothing to do looks again every POLL_S on a shared database (a job queued through another
        # replica, or one whose replica died); a folder's jobs are all queued here, and wake it
        self.poll_s = POLL_S if jobs.shared else None

    def start(self) -> None:
        if recovered := self.jobs.recover():
            log.info("%d document job(s) interrupted by a restart are queued again", recovered)
        self._expire()
        self.tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]
        self.tasks.append(asyncio.create_task(self._sweep()))
        self.queued.set()

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for job in self.interrupted:
            try:
                await self._store(self.jobs.release, job)
            except StoreError as exc:  # its lease runs out by itself
                log.warning("a document job stays claimed until its lease runs out: %s", exc)
        self.interrupted.clear()

    def wake(self) -> None:
        self.queued.set()

    async def cancel(self, job: Job, reason: str) -> None:
        """Stop a queued or translating job: status error with `reason`, its characters given back."""
        if (task := self.running.get(job.id)) is not None:
            task.cancel()  # its worker records the reason
            self.reasons[job.id] = reason
        elif await self._store(self.jobs.fail, job, reason):
            self.on_error(job)
            await self._changed()

    async def wait(self, job: Job, timeout_s: float, account: str | None = None) -> Job | None:
        """The job once finished, or as it is after `timeout_s`; None if it is gone. Woken when a job of this
        runner ends; on a shared database also every POLL_S (another replica may be translating it)."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            seen = self.changes
            current = await self._store(self.jobs.get, job.id, account)
            left = deadline - asyncio.get_running_loop().time()
            if current is None or current.finished or left <= 0:
                return current
            async with self.changed:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(min(left, self.poll_s or left)):
                        await self.changed.wait_for(functools.partial(self._changed_since, seen))

    def _changed_since(self, seen: int) -> bool:
        return self.changes != seen

    async def _store(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await stored(self.jobs.db, call, *args, **kwargs)

    def _step(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Callable[[], Awaitable[T]]:
        """`call(*args, **kwargs)`, statements on the store, as a step of `_retried`."""
        return lambda: self._store(call, *args, **kwargs)

    async def _work(self) -> None:
        while True:
            job = await _retried(self._step(self.jobs.claim))
            if job is None:
                self.queued.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_s):
                        await self.queued.wait()
                continue
            task = self.running[job.id] = asyncio.create_task(self._translate(job))
            renewing = asyncio.create_task(self._renew(job, task))
            try:
                await _retried(functools.partial(self.jobs.finish, job, await task))
            except asyncio.CancelledError:
                if not task.cancelled() or (current := asyncio.current_task()) is None or current.cancelling():
                    self.interrupted.append(job)  # shutting down: the claim is released by stop
                    raise
                await self._failed(job, self.reasons.pop(job.id, "cancelled"))
            except Exception as exc:  # noqa: BLE001 - any failure is this job's, reported in its status
                log.warning("a document job failed: %s", exc)  # not its id: with its key, it reaches the file
                await self._failed(job, str(exc) or type(exc).__name__)
            finally:
                renewing.cancel()
                del self.running[job.id]
            await self._changed()

    async def _renew(self, job: Job, task: asyncio.Task[bytes]) -> None:
        """Renew `job`'s lease every third of it while `task` translates it; stop the task once the claim is
        lost (the job ended or expired, or another replica claimed it after a stall longer than the lease)."""
        while True:
            await asyncio.sleep(self.jobs.lease_s / 3)
            try:
                if not await self._store(self.jobs.renew, job):
                    self.reasons[job.id] = "the job's lease was lost"
                    task.cancel()
                    return
            except StoreError as exc:  # the lease stands a while yet: try again at the next third
                log.warning("a document job's lease waits for the database: %s", exc)

    async def _translate(self, job: Job) -> bytes:
        return await self.translate(job, await _retried(self._step(self.jobs.source, job)))

    async def _failed(self, job: Job, message: str) -> None:
        if await _retried(self._step(self.jobs.fail, job, message)):
            self.on_error(job)

    async def _changed(self) -> None:
        async with self.changed:
            self.changes += 1
            self.changed.notify_all()

    def _expire(self) -> None:
        self._expired(self.jobs.expire())

    def _expired(self, gone: list[Job]) -> None:
        """Expired jobs gone: one deleted unfinished is stopped and its characters given back."""
        for job in gone:
            if (task := self.running.get(job.id)) is not None:
                task.cancel()
            self.on_error(job)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(600.0, self.jobs.ttl_s / 2))
            try:
                self._expired(await self._store(self.jobs.expire))
            except StoreError as exc:  # the next sweep deletes them
                log.warning("expired document jobs stay until the next sweep: %s", exc)
            await self._changed()


async def _retried(step: Callable[[], Awaitable[T]]) -> T:
    """`step`'s answer once the store answers it: after a database error, logged, the step is tried again every
    STORE_RETRY_S."""
    while True:
        try:
            return await step()
        except StoreError as exc:
            log.warning("document jobs wait for the database (retrying every %g s): %s", STORE_RETRY_S, exc)
            await asyncio.sleep(STORE_RETRY_S)


async def submit(
    runner: Runner,
    usage: Usage,
    account: Account,
    upload: tuple[str, bytes],
    settings: Settings,
    once: bool,
    glossary: Glossary | None = None,
    tags: markup.Options | None = None,
) -> tuple[Job, files.Parsed]:
    """Check an uploaded file (its name and bytes: 400 naming what is wrong with it, 413 over
    TRANSLATOR_MAX_DOCUMENT_BYTES), count its characters for `account` (its quota checked), and queue it, with
    the markup options `tags` where the request had some; the runner starts on it at once if free. The job, and
    the file as read (for a caller that shows its texts)."""
    filename, data = upload
    limit = settings.max_document_bytes
    if len(data) > limit:
        message = f"the file has {len(data)} bytes, over the limit of {limit} (TRANSLATOR_MAX_DOCUMENT_BYTES)"
        raise ApiError(413, "too_large", message, limit="max_document_bytes")
    name = _safe_name(filename)
    await stored(usage.db, usage.check, account)  # a key whose quota is used up is refused before its file is parsed
    options = dataclasses.replace(settings.file_options(), markup=tags)
    parsed = await anyio.to_thread.run_sync(files.parse, name, data, options)
    async with usage.spending(account, parsed.characters) as month:
        file = (name, parsed.media_type, data)
        job = await runner.jobs.create(
            account.id, month, file, parsed.characters, once, parsed.untranslated, glossary, tags
        )
    runner.wake()
    return job, parsed


def download_url(request: Request, job: Job) -> str:
    """Where a job's result downloads without a key (LibreTranslate's translatedFileUrl)."""
    return str(request.url_for("download_file", job_id=job.id, filename=urllib.parse.quote(job.filename, safe="")))


def attachment(filename: str) -> str:
    """A Content-Disposition header that downloads the file under `filename` (any characters)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{urllib.parse.quote(filename, safe='')}"


def _safe_name(filename: str) -> str:
    """The file's own name, without any folder, control characters or more than 200 characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "document"
    return name[-200:]
