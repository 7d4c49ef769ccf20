"""Connecting, and what the command line does with the store: an unreachable PostgreSQL named by its host
and never its password, a data folder of an earlier release adopted as it is, `translator db copy` run twice
without duplicates, and `translator memory` on PostgreSQL."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import sqlite3
from pathlib import Path

import psycopg
import pytest

from api.jobs import Jobs
from api.usage import Account, Usage
from tests.api.conftest import free_port
from tests.conftest import run_main
from tests.postgres import PASSWORD
from translator import markup
from translator.config import DecodeOptions
from translator.errors import ConfigError
from translator.glossary import Entry
from translator.glossary.store import GlossaryStore
from translator.memory import TranslationMemory
from translator.reviewed import ReviewedStore
from translator.store import layout, open_database, schema
from translator.types import Translation
from translator.worker import CollectingMemory


def test_an_unreachable_database_is_one_line_naming_its_host_never_its_password() -> None:
    port = free_port()
    with pytest.raises(ConfigError) as refused:
        open_database(f"postgresql://news:{PASSWORD}@127.0.0.1:{port}/newsroom", pool_size=2)
    message = str(refused.value)
    assert message.startswith(f"cannot connect to the database at 127.0.0.1:{port}/newsroom: ")
    assert "\n" not in message and PASSWORD not in message


def test_a_connection_the_server_dropped_is_not_handed_out_again(postgres_url: str) -> None:
    """PostgreSQL restarted (here: the pool's connection terminated by the server, as a restart does): the
    next statement gets a live connection instead of failing on the dead one."""
    with open_database(postgres_url, pool_size=1) as database:
        row = database.one("SELECT pg_backend_pid()")
        assert row is not None
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (row[0],))
        assert database.one("SELECT 1") == (1,)


def test_a_statement_the_server_ended_its_connection_under_runs_again_on_another_once(postgres_url: str) -> None:
    """The server terminates the connection as a statement runs (as a restart does; a connection handed out
    without a round trip can meet that too): the statement, rolled back by the server, runs again, once."""
    with open_database(postgres_url, pool_size=2) as database:
        database.execute("CREATE TABLE counted (n BIGINT)")
        database.execute("INSERT INTO counted VALUES (0)")
        with concurrent.futures.ThreadPoolExecutor(1) as pool, psycopg.connect(postgres_url, autocommit=True) as admin:
            done = pool.submit(
                database.execute, "WITH slept AS (SELECT pg_sleep(1)) UPDATE counted SET n = n + 1 FROM slept"
            )
            pids: list[tuple[int]] = []
            while not pids:
                pids = admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE query LIKE 'WITH slept%' AND pid <> pg_backend_pid()"
                ).fetchall()
            admin.execute("SELECT pg_terminate_backend(%s)", pids[0])
            assert done.result() == 1
        assert database.one("SELECT n FROM counted") == (1,)


def test_serve_with_an_unreachable_database_exits_1_in_one_line_before_loading_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()
    monkeypatch.setenv("TRANSLATOR_DATABASE_URL", f"postgresql://news:{PASSWORD}@127.0.0.1:{port}/newsroom")
    monkeypatch.setenv("TRANSLATOR_MODEL", "/nonexistent/model")  # never reached
    done = run_main(["serve", "--port", str(free_port())])
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 1 and len(lines) == 1, lines
    assert f"127.0.0.1:{port}/newsroom" in lines[0] and PASSWORD not in lines[0]


@pytest.mark.parametrize(
    "password",
    # not percent-encoded as a URL needs: unreadable, or read with part of the password as the host or database
    ["pq%ZZsq", "s3cr%etq", "1009%", "pq%4", "pqx%sqy@:/?#wqz", "tqp@sqcret", "tqp:sqc/rqt", "aqb/dqf"],
)
def test_a_password_the_url_cannot_read_is_never_shown(password: str) -> None:
    with pytest.raises(ConfigError) as refused:
        open_database(f"postgresql://news:{password}@127.0.0.1:{free_port()}/newsroom", pool_size=2)
    message = str(refused.value)
    assert "\n" not in message, message
    assert not any(part in message for part in re.split(r"[%@:/?#]", password) if len(part) > 2), message
    assert "percent-encod" in message  # what to do about it


def test_a_url_that_is_not_postgresql_names_its_scheme_only() -> None:
    for url, scheme in ((f"mysql://news:{PASSWORD}@db/n", "mysql"), (f"host=db password={PASSWORD}", None)):
        with pytest.raises(ConfigError) as refused:
            open_database(url, pool_size=2)
        message = str(refused.value)
        assert PASSWORD not in message and "None" not in message and (scheme is None or scheme in message), message


def test_serve_on_a_data_folder_whose_usage_file_is_newer_exits_1_in_one_line_before_loading_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Usage(layout.usage_file(tmp_path)).close()
    with sqlite3.connect(layout.usage_file(tmp_path)) as newer:
        newer.execute("UPDATE schema_version SET version = ?", (schema.VERSION + 1,))
    newer.close()
    monkeypatch.delenv("TRANSLATOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRANSLATOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TRANSLATOR_MODEL", "/nonexistent/model")  # never reached
    done = run_main(["serve", "--port", str(free_port())])
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 1 and len(lines) == 1, lines
    assert str(layout.usage_file(tmp_path)) in lines[0] and "newer" in lines[0]


def test_a_url_that_is_not_postgresql_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigError) as refused:
        open_database(f"mysql://news:{PASSWORD}@db.example:3306/newsroom", pool_size=2)
    assert "postgresql://" in str(refused.value) and PASSWORD not in str(refused.value)


def test_the_files_of_an_earlier_release_are_adopted_as_they_are(tmp_path: Path) -> None:
    path = layout.usage_file(tmp_path)
    with sqlite3.connect(path) as old:  # usage.sqlite3 as releases before the store wrote it
        old.execute(
            "CREATE TABLE usage (account TEXT NOT NULL, month TEXT NOT NULL, characters INTEGER NOT NULL, "
            "PRIMARY KEY (account, month))"
        )
        old.execute("INSERT INTO usage VALUES ('key-old', '2026-12', 1234)")
    old.close()
    usage = Usage(path)
    assert usage.db.all("SELECT * FROM usage") == [("key-old", "2026-12", 1234)]
    assert usage.db.all("SELECT version FROM schema_version") == [(schema.VERSION,)]
    usage.close()


def test_a_memory_file_of_an_earlier_release_gains_the_confidence_column_and_keeps_its_entries(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite"
    options = DecodeOptions()
    key = TranslationMemory.key("Halo.", "m", "r", options)
    with sqlite3.connect(path) as old:  # memory.sqlite as release 0.2 left it: schema version 2, no confidence
        old.execute(schema.MIGRATIONS[0]["memory"][0].format(insertion_column=""))
        old.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        old.execute("INSERT INTO schema_version VALUES (2)")
        old.execute("INSERT INTO tm VALUES (?, 'Halo.', 'Hello.', '[]', 'm', 'r', '[]')", (key,))
    old.close()
    memory = TranslationMemory(path)
    assert memory.db.all("SELECT target, confidence FROM tm") == [("Hello.", None)]
    assert memory.db.all("SELECT version FROM schema_version") == [(schema.VERSION,)]
    assert memory.lookup([key]) == {}  # no confidence: the model translates it again, and fills it in
    memory.close()


def data_folder_with_usage(folder: Path) -> Jobs:
    """A SQLite data folder in which key-a spent 1,200 characters; its jobs, open."""
    usage = Usage(layout.usage_file(folder))
    usage.reserve(Account("key-a"), 1200)
    usage.close()
    return Jobs(layout.jobs_folder(folder), 3600)


def test_db_copy_moves_a_data_folder_into_postgresql_and_twice_copies_nothing_twice(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = data_folder_with_usage(tmp_path)
    left = {"charts": 1}  # what its translation left untranslated: a file of its own
    done = asyncio.run(jobs.create("key-a", "2026-12", ("a.txt", "text/plain", b"satu"), 4, False, left))
    tags = markup.Options(ignored=frozenset({"x"}), splitting=frozenset({"b"}), outline=False)  # a file too
    page = ("b.html", "text/html", b"<p>dua</p>")
    queued = asyncio.run(jobs.create("key-a", "2026-12", page, 3, True, tags=tags))
    claimed = jobs.claim()
    assert claimed is not None and claimed.id == done.id
    asyncio.run(jobs.flag(claimed, {"markup_moved": 2}))  # and so are its flags, once translated
    asyncio.run(jobs.finish(claimed, b"one"))
    jobs.close()
    glossaries = GlossaryStore(layout.glossaries_file(tmp_path))
    glossary = glossaries.create("key-a", "news", "v2", [Entry("DPR", "House of Representatives")])
    glossaries.close()
    monkeypatch.setenv("TRANSLATOR_DATABASE_URL", postgres_url)
    for _ in range(2):
        copied = run_main(["db", "copy", "--from", str(tmp_path)])
        assert copied.returncode == 0, copied.stderr
        assert b"1 usage counts, 2 document jobs, 6 job files, 1 glossaries and 0 reviewed" in copied.stderr
        assert PASSWORD.encode() not in copied.stderr
    with open_database(postgres_url, pool_size=2) as database:
        assert database.all("SELECT account, characters FROM usage") == [("key-a", 1200)]
        assert database.one("SELECT COUNT(*) FROM job_files") == (6,)
        shared = Jobs(database, 3600)
        assert [j.id for j in (shared.get(done.id), shared.get(queued.id)) if j] == [done.id, queued.id]
        finished = shared.get(done.id)
        assert finished is not None and finished.status == "done" and shared.result(finished) == b"one"
        assert shared.untranslated(finished) == left and shared.untranslated(shared.get(queued.id)) == {}
        waiting = shared.get(queued.id)
        assert waiting is not None and waiting.once and shared.source(waiting) == b"<p>dua</p>"
        assert shared.tags(waiting) == tags and shared.tags(finished) is None
        assert shared.flags(finished) == {"markup_moved": 2} and shared.flags(waiting) == {}
        moved = GlossaryStore(database)
        assert moved.get("key-a", glossary.id) == glossary and moved.get("key-b", glossary.id) is None
        assert moved.entries("key-a", glossary.id) == [Entry("DPR", "House of Representatives")]


def test_db_copy_again_after_the_service_moved_undoes_nothing_it_did_since(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copied, then served from PostgreSQL (characters counted, a once-only result fetched), then copied again
    (a second run of a cut-over script): the count is not rewound and the fetched result does not come back."""
    jobs = data_folder_with_usage(tmp_path)
    job = asyncio.run(jobs.create("key-a", "2026-12", ("a.txt", "text/plain", b"satu"), 4, True))
    claimed = jobs.claim()
    assert claimed is not None
    asyncio.run(jobs.finish(claimed, b"one"))
    jobs.close()
    monkeypatch.setenv("TRANSLATOR_DATABASE_URL", postgres_url)
    assert run_main(["db", "copy", "--from", str(tmp_path)]).returncode == 0
    with open_database(postgres_url, pool_size=2) as database:
        Usage(database).reserve(Account("key-a"), 500)
        shared = Jobs(database, 3600)
        fetched = shared.get(job.id)
        assert fetched is not None and shared.result(fetched) == b"one"
        shared.downloaded(fetched)
    again = run_main(["db", "copy", "--from", str(tmp_path)])
    assert again.returncode == 0, again.stderr
    with open_database(postgres_url, pool_size=2) as database:
        assert database.all("SELECT characters FROM usage") == [(1700,)]
        assert database.all("SELECT status FROM jobs") == [("downloaded",)]
        assert database.all("SELECT name FROM job_files") == []


def test_db_copy_without_a_url_or_from_an_empty_folder_is_one_line(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRANSLATOR_DATABASE_URL", raising=False)
    without = run_main(["db", "copy", "--from", str(tmp_path)])
    assert without.returncode == 1 and b"needs TRANSLATOR_DATABASE_URL" in without.stderr
    monkeypatch.setenv("TRANSLATOR_DATABASE_URL", postgres_url)
    empty = run_main(["db", "copy", "--from", str(tmp_path)])
    assert empty.returncode == 1 and len(empty.stderr.splitlines()) == 1 and b"holds none of" in empty.stderr


def test_the_memory_in_postgresql_serves_the_command_line_and_an_unreachable_one_only_the_model(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = DecodeOptions(4, 2.0, 10)
    key = TranslationMemory.key("Halo.", "m", "r", options)
    with open_database(postgres_url, pool_size=2) as database:
        TranslationMemory(database).store([(key, "Halo.", Translation("Hello."))], "m", "r", options)
    monkeypatch.setenv("TRANSLATOR_DATABASE_URL", postgres_url)
    monkeypatch.delenv("TRANSLATOR_MEMORY", raising=False)
    stats = run_main(["memory", "stats"])
    assert stats.returncode == 0, stats.stderr
    shown = json.loads(stats.stdout)
    assert shown["entries"] == 1 and shown["path"].startswith("127.0.0.1:") and PASSWORD not in shown["path"]
    assert CollectingMemory(f"postgresql://x:{PASSWORD}@127.0.0.1:{free_port()}/none").lookup([key]) == {}


def test_db_copy_moves_the_reviewed_translations_the_later_write_winning_and_history_once(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = ReviewedStore(layout.reviewed_file(tmp_path))
    folder.put("Satu.", "One.", "key-a", "reader")
    folder.put("Satu.", "One!", "key-b", "api")
    folder.put("Dua.", "Two.", "cli", "import old.tmx")
    folder.close()
    with open_database(postgres_url, pool_size=2) as database:  # written on PostgreSQL later than the folder's
        ReviewedStore(database).put("Dua.", "Two, as the service has it.", "key-c", "api")
    monkeypatch.setenv("TRANSLATOR_DATABASE_URL", postgres_url)
    for _ in range(2):
        copied = run_main(["db", "copy", "--from", str(tmp_path)])
        assert copied.returncode == 0, copied.stderr
    assert b"2 reviewed translations" in copied.stderr and b"with 0 rows" in copied.stderr  # nothing twice
    with open_database(postgres_url, pool_size=2) as database:
        shared = ReviewedStore(database)
        assert shared.english(["Satu.", "Dua."]) == ["One!", "Two, as the service has it."]
        assert [(c.old, c.new, c.who) for c in shared.history("Satu.")] == [
            (None, "One.", "key-a"),
            ("One.", "One!", "key-b"),
        ]
        assert len(shared.history()) == 4
