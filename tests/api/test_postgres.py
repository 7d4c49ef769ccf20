"""The service on PostgreSQL (TRANSLATOR_DATABASE_URL): a document's rows and files and the usage it costs
live in the database, nothing in the data folder; the database lost while it serves is a 503 with
Retry-After, and the service is back by itself when the database is."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from api.jobs import DONE, STORE_RETRY_S, Job, Jobs, Runner
from api.usage import Account, Usage
from tests import postgres
from tests.api.conftest import App, Response, call
from tests.api.test_jobs import ONE, english, multipart, upload
from translator import Translator, TranslatorConfig
from translator.store import open_database


def test_a_document_and_its_usage_live_in_postgresql(
    served: Callable[[TranslatorConfig], Translator], postgres_url: str, pairs: list[dict[str, str]], tmp_path: Path
) -> None:
    app = App(served, keys="one\n", TRANSLATOR_DATABASE_URL=postgres_url, TRANSLATOR_DATA_DIR=str(tmp_path / "data"))
    try:
        text = f"{pairs[0]['source']}\n"
        status, handle = upload(app, "berita.txt", text.encode())
        assert status == 200
        url, key = f"{app.url}/v2/document/{handle['document_id']}", {"document_key": handle["document_key"]}
        assert call(url, key, headers=ONE).json()["status"] == "done"
        result = call(url + "/result", key, headers=ONE)
        assert result.status == 200 and result.body.decode() == english(app, text) + "\n"
        with open_database(postgres_url, pool_size=1) as database:
            assert database.one("SELECT status FROM jobs") == ("downloaded",)
            assert database.one("SELECT COUNT(*) FROM job_files") == (0,)  # a once-only result, fetched
            (counted,) = database.one("SELECT SUM(characters) FROM usage") or (0,)
            assert counted >= len(text) - 1  # the document's characters and the texts `english` sent
        assert not (tmp_path / "data" / "documents").exists() and not (tmp_path / "data" / "usage.sqlite3").exists()
    finally:
        app.stop()


def test_a_document_s_tag_options_and_flags_are_job_files_every_replica_reads(
    served: Callable[[TranslatorConfig], Translator], postgres_url: str, tmp_path: Path
) -> None:
    """Kept in the database beside the upload, so that whichever replica translates the job reads the options,
    and whichever answers its status reads the flags."""
    app = App(served, keys="one\n", TRANSLATOR_DATABASE_URL=postgres_url, TRANSLATOR_DATA_DIR=str(tmp_path / "data"))
    page = "".join(f"<p>Saya ingin beli <b>{n}</b> tiket <x>untuk</x> laga <i>persebaya</i>.</p>" for n in range(6))
    try:
        status, handle = upload(app, "laga.html", page.encode(), ignore_tags="x")
        assert status == 200, handle
        url, key = f"{app.url}/v2/document/{handle['document_id']}", {"document_key": handle["document_key"]}
        done = call(url, key, headers=ONE).json()
        assert done["status"] == DONE and done["flags"]["markup_moved"] > 0
        with open_database(postgres_url, pool_size=1) as database:
            other = Jobs(database, 3600)  # another replica's view of the same jobs
            job = other.get(handle["document_id"])
            assert job is not None and other.flags(job) == done["flags"]
            options = other.tags(job)
            assert options is not None and options.ignored == frozenset({"x"})
        assert page.count("<x>untuk</x>") == call(url + "/result", key, headers=ONE).body.decode().count("<x>untuk</x>")
    finally:
        app.stop()


OURS = {"Authorization": "Bearer one"}
STORE_ROUTES: dict[str, tuple[str, Any, dict[str, str]]] = {  # a route of each API that needs the store
    "ours": ("/v1/translate", {"texts": ["Halo dunia."]}, OURS),
    "libretranslate": ("/translate", {"q": "Halo dunia.", "source": "id", "target": "en", "api_key": "one"}, {}),
    "deepl": ("/v2/translate", {"text": ["Halo dunia."], "target_lang": "EN-US"}, ONE),
    "usage": ("/v1/usage", None, OURS),
    "deepl usage": ("/v2/usage", None, ONE),
}


def test_a_lost_database_is_503_with_retry_after_in_each_api_and_the_service_recovers_by_itself(
    served: Callable[[TranslatorConfig], Translator], postgres_url: str, pairs: list[dict[str, str]], tmp_path: Path
) -> None:
    app = App(served, keys="one\n", TRANSLATOR_DATABASE_URL=postgres_url, TRANSLATOR_DATA_DIR=str(tmp_path / "data"))

    def ask(name: str) -> Response:
        path, body, headers = STORE_ROUTES[name]
        return call(app.url + path, body, headers=headers)

    def translated(handle: dict[str, str]) -> bytes:
        url, key = f"{app.url}/v2/document/{handle['document_id']}", {"document_key": handle["document_key"]}
        deadline = time.monotonic() + 180  # generous: a loaded CI machine took over 30 s (it returns when done)
        while (status := call(url, key, headers=ONE).json()["status"]) != "done":
            assert status in ("queued", "translating") and time.monotonic() < deadline, status
        return call(url + "/result", key, headers=ONE).body

    try:
        assert all(ask(name).status == 200 for name in STORE_ROUTES)
        assert call(app.url + "/readyz").status == 200
        text = "\n\n".join(pair["source"] for pair in pairs[:40]) + "\n"
        status, handle = upload(app, "berita.txt", text.encode())  # (translating, likely, while the database goes)
        assert status == 200
        counted = ask("usage").json()["characters"]
        with postgres.stopped(postgres_url):
            first: list[Response] = []  # the outage's first request waits for a connection, up to 5 s ...
            waiting = threading.Thread(target=lambda: first.append(ask("ours")))
            waiting.start()
            answered = 0  # ... off the event loop: other requests are answered meanwhile
            while waiting.is_alive():
                assert call(app.url + "/healthz").status == 200
                answered += waiting.is_alive()
            assert first[0].status == 503 and answered >= 10, (first, answered)
            lost = {name: ask(name) for name in STORE_ROUTES}
            form, content_type = multipart({"target_lang": "EN-US"}, "b.txt", b"Halo.")
            lost["document"] = call(app.url + "/v2/document", form, content_type=content_type, headers=ONE)
            ready, alive = call(app.url + "/readyz"), call(app.url + "/healthz")
        for name, answer in lost.items():
            assert answer.status == 503 and answer.headers["retry-after"] == "5", (name, answer)
            assert postgres.PASSWORD not in answer.body.decode() and "127.0.0.1" not in answer.body.decode()
        assert lost["ours"].json()["error"]["code"] == "store_unavailable"
        assert set(lost["libretranslate"].json()) == {"error"} and set(lost["deepl"].json()) == {"message"}
        assert ready.status == 503 and ready.json() == {"status": "store_unavailable"} and alive.status == 200

        deadline = time.monotonic() + 10  # back without a restart: the pool reconnects by itself
        while (back := ask("usage")).status != 200:
            assert back.status == 503 and time.monotonic() < deadline, back
            time.sleep(0.2)
        assert back.json()["characters"] == counted  # what the outage refused cost nothing
        assert all(ask(name).status == 200 for name in STORE_ROUTES) and call(app.url + "/readyz").status == 200
        again = upload(app, "again.txt", text.encode())[1]
        assert translated(handle) == translated(again)  # the job of the outage completed, as an uninterrupted one
    finally:
        app.stop()


def test_a_job_translating_and_a_refund_wait_out_a_lost_database(postgres_url: str) -> None:
    """The runner's worker finishes its job once the database is back (it neither dies nor fails the job), and
    a request that fails while the database is lost keeps its own error, its refund paid once it is back."""
    jobs = Jobs(open_database(postgres_url, pool_size=2), ttl_s=3600)
    usage, account = Usage(jobs.db), Account.of("one")
    entered, release = asyncio.Event(), asyncio.Event()

    async def translate(job: Job, data: bytes) -> bytes:
        entered.set()
        await release.wait()
        return data.upper()

    async def scenario() -> Job | None:
        runner = Runner(jobs, translate, 1, on_error=lambda job: usage.refund(job.account, job.month, job.characters))
        runner.start()
        async with usage.spending(account, 5) as month:
            job = await jobs.create(account.id, month, ("a.txt", "text/plain", b"halo."), 5, once=True)
        runner.wake()
        await entered.wait()
        down = contextlib.ExitStack()
        try:
            with pytest.raises(RuntimeError, match="the request failed"):
                async with usage.spending(account, 7):
                    await asyncio.to_thread(down.enter_context, postgres.stopped(postgres_url))
                    raise RuntimeError("the request failed")  # its 7 characters cannot be given back yet
            release.set()
            await asyncio.sleep(2 * STORE_RETRY_S)  # the worker cannot finish the job: it waits
            assert not any(task.done() for task in runner.tasks)
        finally:
            await asyncio.to_thread(down.close)
        deadline = time.monotonic() + 10
        while not await asyncio.to_thread(jobs.db.reachable):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        finished = await runner.wait(job, 20)
        await runner.stop()
        return finished

    try:
        done = asyncio.run(scenario())
        assert done is not None and done.status == DONE and jobs.result(done) == b"HALO."
        usage.reserve(account, 0)  # the next reservation pays what was owed
        assert usage.count(account) == 5
    finally:
        jobs.close()


def test_an_id_holding_nul_is_a_4xx_on_postgresql_not_a_500(
    served: Callable[[TranslatorConfig], Translator], postgres_url: str, tmp_path: Path
) -> None:
    """PostgreSQL cannot take NUL even to look a text up: a glossary or document id holding one was a 500."""
    app = App(served, TRANSLATOR_DATABASE_URL=postgres_url, TRANSLATOR_DATA_DIR=str(tmp_path / "data"))
    try:
        for url, body in [
            ("/v1/translate", {"texts": ["Saya makan."], "glossary": "a\x00b"}),
            ("/v1/documents", {"documents": [{"id": "x", "text": "Saya makan."}], "glossary": "a\x00b"}),
            ("/v2/translate", {"text": ["Saya."], "target_lang": "EN", "source_lang": "ID", "glossary_id": "\x00"}),
            ("/v2/glossaries/a%00b", None),
            ("/v1/glossaries/a%00b", None),
            ("/v2/document/a%00b", {"document_key": "k"}),
        ]:
            r = call(app.url + url, body)
            assert 400 <= r.status < 500, (url, r.status, r.body[:300])
    finally:
        app.stop()
