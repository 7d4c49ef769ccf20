"""Replicas on one PostgreSQL share the document jobs and the request rate: each Jobs here is a replica, with its
own connection pool on the session's database. A job is claimed by one replica at a time under a lease, finished
once by the holder of its claim, left alone by another replica's start while its lease stands, released at once
by a replica that stops, found by an idle replica it was not queued through, and owed back once however many
replicas sweep; its upload is never pruned by another replica's start; a key's rate holds across replicas."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.jobs import DONE, QUEUED, TRANSLATING, Job, Jobs, Runner
from api.usage import Account, RateLimit, RateLimited
from translator.settings import KeyLimits
from translator.store import open_database


@pytest.fixture
def replicas(postgres_url: str) -> Iterator[Callable[..., Jobs]]:
    opened: list[Jobs] = []

    def replica(ttl_s: float = 3600, lease_s: float = 60) -> Jobs:
        opened.append(Jobs(open_database(postgres_url, pool_size=4), ttl_s, lease_s))
        return opened[-1]

    yield replica
    for jobs in opened:
        jobs.close()


def _queue(jobs: Jobs, count: int) -> list[Job]:
    async def create() -> list[Job]:
        file = ("a.txt", "text/plain", b"satu")
        return [await jobs.create("key-a", "2026-12", file, 4, False) for _ in range(count)]

    return asyncio.run(create())


def _at_once(calls: list[Callable[[], list[str]]]) -> list[list[str]]:
    """Each call in its own thread, started together."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], list[str]]) -> list[str]:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_replicas_claiming_at_once_take_each_job_once(replicas: Callable[..., Jobs]) -> None:
    a, b = replicas(), replicas()
    queued = {job.id for job in _queue(a, 40)}

    def drain(jobs: Jobs) -> Callable[[], list[str]]:
        def claims() -> list[str]:
            taken = []
            while (job := jobs.claim()) is not None:
                taken.append(job.id)
            return taken

        return claims

    taken = _at_once([drain(a), drain(a), drain(b), drain(b)])
    every = [job_id for claims in taken for job_id in claims]
    assert sorted(every) == sorted(queued)  # each once, none left
    assert {a.get(job_id).status for job_id in every} == {TRANSLATING}  # type: ignore[union-attr]


def test_a_job_whose_lease_ran_out_is_claimed_by_another_and_finished_once(replicas: Callable[..., Jobs]) -> None:
    dead, alive = replicas(lease_s=1.0), replicas(lease_s=60)
    (job,) = _queue(dead, 1)
    stalled = dead.claim()  # its replica stops here (killed, or stalled past its lease)
    assert stalled is not None and stalled.id == job.id
    assert alive.claim() is None  # the lease stands
    asyncio.run(asyncio.sleep(1.1))
    taken = alive.claim()
    assert taken is not None and taken.id == job.id
    assert not dead.renew(stalled) and not dead.fail(stalled, "late")  # the lost claim ends nothing
    assert not asyncio.run(dead.finish(stalled, b"late"))
    assert asyncio.run(alive.finish(taken, b"one"))
    assert not asyncio.run(alive.finish(taken, b"one"))  # done once
    finished = alive.get(job.id)
    assert finished is not None and finished.status == DONE and alive.result(finished) == b"one"


def test_a_runner_renews_its_lease_while_it_translates_so_no_other_replica_takes_the_job(
    replicas: Callable[..., Jobs],
) -> None:
    working, other = replicas(lease_s=0.6), replicas()
    (job,) = _queue(working, 1)
    refunds: list[str] = []

    async def slow(job: Job, source: bytes) -> bytes:
        await asyncio.sleep(2.0)  # over three leases long
        return source.upper()

    async def scenario() -> list[Job | None]:
        runner = Runner(working, slow, workers=1, on_error=lambda failed: refunds.append(failed.id))
        runner.start()
        seen = []
        try:
            while not runner.running:
                await asyncio.sleep(0.01)
            for _ in range(8):  # while it translates
                await asyncio.sleep(0.2)
                seen.append(other.claim())
            finished = await runner.wait(job, timeout_s=30)
        finally:
            await runner.stop()
        return [*seen, finished]

    *claims, finished = asyncio.run(scenario())
    assert claims == [None] * 8
    assert finished is not None and finished.status == DONE and working.result(finished) == b"SATU"
    assert refunds == []


def test_a_replica_starting_leaves_a_live_lease_alone_and_requeues_an_expired_one(
    replicas: Callable[..., Jobs],
) -> None:
    a, b = replicas(lease_s=60), replicas()
    live, dead = _queue(a, 2)
    claimed = a.claim()
    assert claimed is not None and claimed.id == live.id
    short = replicas(lease_s=0.1)
    gone = short.claim()
    assert gone is not None and gone.id == dead.id
    asyncio.run(asyncio.sleep(0.2))
    assert b.recover() == 1  # the expired one only
    assert [b.get(job.id).status for job in (live, dead)] == [TRANSLATING, QUEUED]  # type: ignore[union-attr]
    assert asyncio.run(a.finish(claimed, b"one"))


def test_two_replicas_sweeping_at_once_owe_each_expired_job_back_once(replicas: Callable[..., Jobs]) -> None:
    a, b = replicas(ttl_s=0.2), replicas(ttl_s=0.2)
    expired = {job.id for job in _queue(a, 30)}
    asyncio.run(asyncio.sleep(0.3))
    swept = _at_once([lambda: [job.id for job in a.expire()], lambda: [job.id for job in b.expire()]])
    owed = [job_id for ids in swept for job_id in ids]
    assert sorted(owed) == sorted(expired)


def test_a_replica_stopping_releases_its_claims_for_another_to_take_at_once(replicas: Callable[..., Jobs]) -> None:
    stopping, other = replicas(lease_s=600), replicas()
    (job,) = _queue(stopping, 1)
    started = asyncio.Event()

    async def endless(job: Job, source: bytes) -> bytes:
        started.set()
        await asyncio.Event().wait()  # translating when the replica is told to stop
        return source

    async def scenario() -> None:
        runner = Runner(stopping, endless, workers=1, on_error=lambda failed: None)
        runner.start()
        await started.wait()
        await runner.stop()

    asyncio.run(scenario())
    taken = other.claim()  # long before the 600 s lease would have run out
    assert taken is not None and taken.id == job.id


def test_an_idle_replica_takes_a_job_queued_through_another(replicas: Callable[..., Jobs]) -> None:
    """Nothing wakes the idle replica's workers (the job was not submitted to it): they look every POLL_S."""
    submitting, idle = replicas(), replicas()

    async def upper(job: Job, source: bytes) -> bytes:
        return source.upper()

    async def scenario() -> Job | None:
        runner = Runner(idle, upper, workers=1, on_error=lambda failed: None)
        runner.start()
        await asyncio.sleep(0.1)  # its workers found nothing and wait
        try:
            job = await submitting.create("key-a", "2026-12", ("a.txt", "text/plain", b"satu"), 4, False)
            return await runner.wait(job, timeout_s=30)
        finally:
            await runner.stop()

    finished = asyncio.run(scenario())
    assert finished is not None and finished.status == DONE and idle.result(finished) == b"SATU"


def test_a_replica_starting_never_prunes_an_upload_another_is_making(replicas: Callable[..., Jobs]) -> None:
    uploading, starting = replicas(), replicas()
    made: list[Job] = []
    done = threading.Event()

    def upload() -> None:
        try:
            made.extend(_queue(uploading, 60))
        finally:
            done.set()

    thread = threading.Thread(target=upload)
    thread.start()
    while not done.is_set():  # replicas starting, again and again, while it uploads
        starting.recover()
    thread.join()
    assert len(made) == 60
    assert all(starting.source(job) == b"satu" for job in made)


def test_a_keys_request_rate_holds_across_replicas(postgres_url: str) -> None:
    """Two replicas (a pool each) admit, between them, what one would: a bucket of one request refilled at half
    a request a second, taken from 40 times at once."""
    databases = [open_database(postgres_url, pool_size=4) for _ in range(2)]
    limits = [RateLimit(databases[0]), RateLimit(databases[1])]
    account = Account("key-news", KeyLimits(requests_per_second=0.5))
    refused: list[int] = []
    start = threading.Barrier(4)

    def take(limit: RateLimit) -> Callable[[], list[str]]:
        def takes() -> list[str]:
            start.wait()
            admitted = []
            for _ in range(10):
                try:
                    asyncio.run(limit.take(account))
                    admitted.append("admitted")
                except RateLimited as exc:
                    refused.append(int(exc.headers["Retry-After"]))
            return admitted

        return takes

    try:
        began = time.monotonic()
        admitted = sum(map(len, _at_once([take(limits[0]), take(limits[1]), take(limits[0]), take(limits[1])])))
        elapsed = time.monotonic() - began
        assert 1 <= admitted <= 1 + int(elapsed * 0.5), (admitted, elapsed)
        assert len(refused) == 40 - admitted and set(refused) <= {1, 2}
    finally:
        for database in databases:
            database.close()


def test_a_replica_whose_clock_runs_ahead_takes_no_live_lease(
    replicas: Callable[..., Jobs], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leases are stamped and judged on the database's clock, not on each replica's."""
    a, ahead = replicas(lease_s=60), replicas()
    (job,) = _queue(a, 1)
    claimed = a.claim()
    assert claimed is not None and claimed.id == job.id
    skewed = time.time() + 120  # two leases ahead
    monkeypatch.setattr("api.jobs.time.time", lambda: skewed)
    assert ahead.claim() is None and ahead.recover() == 0
    assert asyncio.run(a.finish(claimed, b"one"))
