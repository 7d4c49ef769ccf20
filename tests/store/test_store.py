"""What the service and the library remember, the same on both databases (`store`: SQLite files as today, or
PostgreSQL): usage reserved atomically against a quota, document jobs with their files through their
statuses, the translation memory, and the schema's one version record."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from api.jobs import DONE, DOWNLOADED, QUEUED, TRANSLATING
from api.usage import Account, QuotaExceeded
from tests.postgres import PASSWORD
from tests.store.conftest import Store
from translator.config import DecodeOptions
from translator.errors import ConfigError
from translator.memory import TranslationMemory, normalise
from translator.settings import KeyLimits
from translator.store import schema
from translator.types import Translation
from translator.worker import CollectingMemory


def test_the_quota_holds_exactly_when_many_reserve_at_once(store: Store) -> None:
    usage = store.usage()
    account = Account("key-news", KeyLimits(characters_per_month=1000))
    outcomes: list[bool] = []
    start = threading.Barrier(24)

    def spend() -> None:
        start.wait()
        try:
            usage.reserve(account, 100)
            outcomes.append(True)
        except QuotaExceeded:
            outcomes.append(False)

    threads = [threading.Thread(target=spend) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(True) == 10 and usage.count(account) == 1000


def test_characters_are_given_back_on_failure_and_never_below_zero(store: Store) -> None:
    usage = store.usage()
    account = Account("key-news", KeyLimits(characters_per_month=50))

    async def failed() -> None:
        async with usage.spending(account, 40):
            raise RuntimeError("the translation failed")

    with pytest.raises(RuntimeError):
        asyncio.run(failed())
    assert usage.count(account) == 0
    month = usage.reserve(account, 30)
    usage.refund(account.id, month, 100)
    assert usage.count(account) == 0
    usage.reserve(Account("anonymous"), 10**12)  # no quota, no limit


def test_a_job_and_its_files_go_through_their_statuses(store: Store) -> None:
    jobs = store.jobs()
    job = asyncio.run(jobs.create("key-a", "2026-12", ("berita.txt", "text/plain", b"halo dunia"), 10, True))
    assert jobs.get(job.id, "key-a") == job and job.status == QUEUED and job.once
    assert jobs.get(job.id, "key-b") is None
    claimed = jobs.claim()
    assert claimed is not None and claimed.id == job.id and claimed.status == TRANSLATING
    assert jobs.claim() is None and jobs.source(claimed) == b"halo dunia"
    asyncio.run(jobs.finish(claimed, b"hello world"))
    done = jobs.get(job.id)
    assert done is not None and done.status == DONE and jobs.result(done) == b"hello world"
    jobs.downloaded(done)
    gone = jobs.get(job.id)
    assert gone is not None and gone.status == DOWNLOADED
    with pytest.raises(FileNotFoundError):
        jobs.result(gone)


def test_a_restart_requeues_the_jobs_it_interrupted_and_drops_files_no_job_owns(store: Store) -> None:
    jobs = store.jobs(lease_s=0.1)
    job = asyncio.run(jobs.create("key-a", "2026-12", ("a.txt", "text/plain", b"satu"), 4, False))
    assert jobs.claim() is not None
    jobs.files.put("ORPHAN", "source", b"a crash between the file and its row")
    jobs.close()
    asyncio.run(asyncio.sleep(0.2))  # PostgreSQL: another replica may hold a job until its lease runs out
    again = store.jobs()
    assert again.recover() == 1
    assert (requeued := again.get(job.id)) is not None and requeued.status == QUEUED
    assert again.source(requeued) == b"satu"
    with pytest.raises(FileNotFoundError):
        again.files.get("ORPHAN", "source")


def test_expired_jobs_go_with_their_files(store: Store) -> None:
    jobs = store.jobs(ttl_s=0.2)
    job = asyncio.run(jobs.create("key-a", "2026-12", ("a.txt", "text/plain", b"dua"), 3, False))
    time.sleep(0.3)
    assert jobs.get(job.id) is None and jobs.claim() is None
    assert [j.id for j in jobs.expire()] == [job.id]  # unfinished: its characters are owed back
    with pytest.raises(FileNotFoundError):
        jobs.source(job)


def test_the_memory_keeps_finds_lists_in_order_and_clears(store: Store) -> None:
    memory = store.memory()
    options = DecodeOptions(4, 2.0, 10)
    sentences = {"Presiden  tiba di Jakarta.": "The President arrived.", "Café ☕ buka.": "The café opens."}
    entries = [
        (TranslationMemory.key(s, "m", "r1", options), s, Translation(t, ("long",), confidence=0.4375))
        for s, t in sentences.items()
    ]
    memory.store(entries, "m", "r1", options)
    other = Translation("Other.", confidence=0.9)
    memory.store([(entries[0][0], "Presiden tiba.", other)], "m", "r1", options)  # kept as it was
    found = memory.lookup([key for key, _, _ in entries] + ["missing"])
    assert found == {key: translation for key, _, translation in entries}
    assert list(memory.entries()) == [(normalise(s), t, "m@r1") for s, t in sentences.items()]
    stats = memory.stats()
    assert stats.entries == 2 and stats.models == {"m@r1": 2} and PASSWORD not in stats.where
    assert memory.clear() == 2 and memory.stats().entries == 0


def test_a_ray_actor_reads_the_memory_by_its_address_and_only_collects_what_it_would_store(store: Store) -> None:
    memory = store.memory()
    options = DecodeOptions(4, 2.0, 10)
    key = TranslationMemory.key("Halo.", "m", "r", options)
    memory.store([(key, "Halo.", Translation("Hello.", confidence=0.75))], "m", "r", options)
    actor = CollectingMemory(memory.address)
    learned = (TranslationMemory.key("Baru.", "m", "r", options), "Baru.", Translation("New.", confidence=0.5))
    actor.store([learned], "m", "r", options)
    assert actor.lookup([key, learned[0]]) == {key: Translation("Hello.", confidence=0.75)}
    assert actor.collected == [learned]
    actor.close()
    assert memory.stats().entries == 1  # the driver, the memory's one writer, stores what actors collected


def test_an_entry_stored_without_a_confidence_is_no_hit_until_the_model_gives_it_one(store: Store) -> None:
    """Entries from before the memory kept the model's confidence (schema version 5) have none: a hit would
    give the sentence no confidence and no low_confidence judgement where the model gives both, so they are
    misses, and the model's translation fills them in place."""
    memory = store.memory()
    options = DecodeOptions(4, 2.0, 10)
    key = TranslationMemory.key("Halo.", "m", "r", options)
    memory.store([(key, "Halo.", Translation("Hi.", ("copied",)))], "m", "r", options)  # as an old entry holds it
    assert memory.db.all("SELECT confidence FROM tm") == [(None,)] and memory.lookup([key]) == {}
    memory.store([(key, "Halo.", Translation("Hello.", confidence=0.8125))], "m", "r", options)
    assert memory.lookup([key]) == {key: Translation("Hello.", confidence=0.8125)} and memory.stats().entries == 1


def test_a_database_has_one_version_record_and_a_newer_one_is_refused_in_one_line(store: Store) -> None:
    database = store.open(("usage",))
    store.open(("usage",))  # migrated once, recorded once
    assert database.all("SELECT version FROM schema_version") == [(schema.VERSION,)]
    database.execute("UPDATE schema_version SET version = ?", (schema.VERSION + 1,))
    with pytest.raises(ConfigError) as refused:
        store.open(("usage",))
    message = str(refused.value)
    assert f"schema version {schema.VERSION + 1}, newer than this translator's {schema.VERSION}" in message
    assert "\n" not in message and PASSWORD not in message


def test_a_request_cancelled_while_its_characters_are_reserved_costs_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the reservation runs in a thread, on to its end even when the request is cancelled (its
    client left) as it runs: the characters are given back once it is made."""
    import api.usage

    usage = store.usage()
    account = Account("key-news", KeyLimits(characters_per_month=10_000))
    started: list[asyncio.Future[object]] = []  # every statement run for the usage, refunds included
    submit = api.usage.submitted

    def recorded(*args: Any, **kwargs: Any) -> Any:
        started.append(future := submit(*args, **kwargs))
        return future

    monkeypatch.setattr(api.usage, "submitted", recorded)

    async def cancelled() -> None:
        async def spend() -> None:
            async with usage.spending(account, 100):
                await asyncio.Event().wait()

        for turns in range(20):  # cancelled after 0 to 19 turns of the loop: before, while and after it reserves
            task = asyncio.create_task(spend())
            for _ in range(turns):
                await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        deadline = time.monotonic() + 30
        # every reservation ended, and the refund each one's end started too: a reservation still queued for a
        # thread counts nothing yet, so a zero count alone does not say it is over (on a loaded machine it was not)
        while not all(future.done() for future in started):
            assert time.monotonic() < deadline, "statements still running"
            await asyncio.sleep(0.01)
        while usage.count(account) or usage.owed:  # a refund made as its reservation ends may still be running
            assert time.monotonic() < deadline, usage.count(account)
            await asyncio.sleep(0.05)

    asyncio.run(cancelled())
    assert usage.count(account) == 0
