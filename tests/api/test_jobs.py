"""Document jobs over HTTP, in-process on a real SQLite file and data folder: DeepL's upload, status and
download-once, LibreTranslate's translate_file and its download URL, per-key visibility, bad files as 400/413
at upload, and the job store's own guarantees (recovery after a crash, expiry, a failed job refunded)."""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from urllib3 import encode_multipart_formdata

from api.jobs import DONE, ERROR, QUEUED, TRANSLATING, Job, Jobs, Runner
from tests.api.conftest import App, Server, app_fixture, call, clean_env, free_port
from tests.files.test_docx import annotated
from translator.errors import ConfigError

server = app_fixture(keys="one\ntwo\nspent 3\n", TRANSLATOR_MAX_DOCUMENT_BYTES="4096")
hurried = app_fixture(TRANSLATOR_REQUEST_TIMEOUT_S="0.05")
roomy = app_fixture(keys="one\n")  # the default document limit, for a .docx
ONE = {"Authorization": "DeepL-Auth-Key one"}
TWO = {"Authorization": "DeepL-Auth-Key two"}


def multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    return encode_multipart_formdata({**fields, "file": (filename, data)})


def upload(server: App, filename: str, data: bytes, headers: dict[str, str] = ONE, **fields: str) -> tuple[int, dict]:
    body, content_type = multipart({"target_lang": "EN-US", **fields}, filename, data)
    r = call(server.url + "/v2/document", body, content_type=content_type, headers=headers)
    return r.status, r.json()


def english(server: App | Server, text: str) -> str:
    r = call(server.url + "/v1/translate", {"texts": [text]}, headers={"Authorization": "Bearer one"})
    return str(r.json()["translations"][0])


def test_a_document_is_uploaded_translated_and_downloaded_once(server: App, pairs: list[dict[str, str]]) -> None:
    text = f"{pairs[0]['source']} {pairs[1]['source']}\n\n{pairs[2]['source']}\n"
    status, handle = upload(server, "berita.txt", text.encode())
    assert status == 200 and set(handle) == {"document_id", "document_key"}
    url = f"{server.url}/v2/document/{handle['document_id']}"
    key = {"document_key": handle["document_key"]}
    done = call(url, key, headers=ONE).json()
    assert done == {"document_id": handle["document_id"], "status": DONE, "billed_characters": len(text) - 1}
    result = call(url + "/result", key, headers=ONE)
    assert result.status == 200 and result.body.decode() == english(server, text) + "\n"  # its last line end kept
    assert "berita.txt" in result.headers["content-disposition"]
    again = call(url + "/result", key, headers=ONE)
    assert again.status == 404 and "already downloaded" in again.json()["message"]
    assert call(url, key, headers=ONE).json()["status"] == "downloaded"


def test_another_key_a_wrong_document_key_or_none_cannot_see_a_job(server: App) -> None:
    _, handle = upload(server, "a.txt", b"Halo dunia.")
    url = f"{server.url}/v2/document/{handle['document_id']}"
    key = {"document_key": handle["document_key"]}
    assert call(url, key, headers=TWO).status == 404
    assert call(url + "/result", key, headers=TWO).status == 404
    assert call(url, {"document_key": "0" * 64}, headers=ONE).status == 404
    missing = call(url, {}, headers=ONE)
    assert missing.status == 400 and "document_key" in missing.json()["message"]
    assert call(f"{server.url}/v2/document/NOPE", key, headers=ONE).status == 404
    assert call(url, key, headers=ONE).json()["status"] == DONE  # still there for its own key


def test_a_result_not_ready_is_503_with_retry_after(server: App) -> None:
    _, handle = upload(server, "b.txt", b"Halo.")
    url = f"{server.url}/v2/document/{handle['document_id']}"
    key = {"document_key": handle["document_key"]}
    assert call(url, key, headers=ONE).json()["status"] == DONE
    with sqlite3.connect(server.settings.data_dir / "documents" / "jobs.sqlite3") as db:  # as if it were slow
        db.execute("UPDATE jobs SET status = ? WHERE id = ?", (TRANSLATING, handle["document_id"]))
    r = call(url + "/result", key, headers=ONE)
    assert r.status == 503 and r.headers["retry-after"] == "1" and "not done" in r.json()["message"]
    assert call(url, key, headers=ONE).json() == {"document_id": handle["document_id"], "status": TRANSLATING}


@pytest.mark.parametrize(
    ("filename", "data", "status", "message"),
    [
        ("a.pdf", b"%PDF-1.4", 400, ".pdf"),
        ("a.txt", b"caf\xe9 latte", 400, "UTF-8"),
        ("a.docx", b"PK\x03\x04garbage", 400, "not a .docx file"),
        ("a.srt", b"1\nbad\nx\n", 400, "cue 1 (line 2)"),
        ("a.xlf", b'<xliff version="1.2"/>', 400, "only XLIFF 2.0"),
        ("a.txt", b"x" * 5000, 413, "TRANSLATOR_MAX_DOCUMENT_BYTES"),
        ("a.txt", b"x" * 80_000, 413, "TRANSLATOR_MAX_DOCUMENT_BYTES"),  # over the body limit: refused unread
    ],
)
def test_bad_files_are_refused_at_upload_with_a_message(
    server: App, filename: str, data: bytes, status: int, message: str
) -> None:
    got, body = upload(server, filename, data)
    assert got == status and message in body["message"], body


def test_upload_parameters_are_checked_as_deepl_does(server: App) -> None:
    assert upload(server, "a.txt", b"Halo.", target_lang="DE")[0] == 400
    assert upload(server, "a.txt", b"Halo.", source_lang="FR")[0] == 400
    assert upload(server, "a.txt", b"Halo.", output_format="docx")[0] == 400
    assert upload(server, "a.txt", b"Halo.", output_format="txt", formality="default", source_lang="id")[0] == 200
    no_file = call(server.url + "/v2/document", {"target_lang": "EN-US"}, headers=ONE)
    assert no_file.status == 400 and "'file'" in no_file.json()["message"]
    assert upload(server, "a.txt", b"Halo.", headers={"Authorization": "DeepL-Auth-Key three"})[0] == 403


def test_libretranslate_translate_file_says_what_was_left_untranslated(roomy: App) -> None:
    body, content_type = multipart({"source": "id", "target": "en", "api_key": "one"}, "a.docx", annotated())
    answer = call(roomy.url + "/translate_file", body, content_type=content_type).json()
    assert answer["untranslated"] == {"charts": 1, "field_results": 1, "image_descriptions": 1, "tracked_deletions": 1}
    body, content_type = multipart({"source": "id", "target": "en", "api_key": "one"}, "a.txt", b"Halo.")
    assert "untranslated" not in call(roomy.url + "/translate_file", body, content_type=content_type).json()


@pytest.mark.parametrize("name", ["kabar.txt", 'x#y?z %41 "q".txt'])
def test_libretranslate_translate_file_and_its_download_url(
    server: App, pairs: list[dict[str, str]], name: str
) -> None:
    text = pairs[3]["source"]
    body, content_type = multipart({"source": "auto", "target": "en", "api_key": "one"}, name, text.encode())
    r = call(server.url + "/translate_file", body, content_type=content_type)
    assert r.status == 200
    url = r.json()["translatedFileUrl"]
    assert url.startswith("http://testserver/") and "#" not in url and "?" not in url
    path = url.removeprefix("http://testserver")
    for _ in range(2):  # LibreTranslate's URLs download until they expire, without a key
        got = call(server.url + path)
        assert got.status == 200 and got.body.decode() == english(server, text)
    assert call(server.url + path.replace("/download_file/", "/download_file/0")).status == 404
    bad, content_type = multipart({"source": "id", "target": "en", "api_key": "one"}, "a.odt", b"x")
    refused = call(server.url + "/translate_file", bad, content_type=content_type)
    assert refused.status == 400 and ".odt" in refused.json()["error"]
    settings = call(server.url + "/frontend/settings").json()
    assert settings["filesTranslation"] is True and ".txt" in settings["supportedFilesFormat"]
    assert settings["keyRequired"] is True and settings["charLimit"] > 0


def test_a_file_past_the_deadline_is_stopped_and_not_charged(hurried: App, pairs: list[dict[str, str]]) -> None:
    words = [w for p in pairs for w in p["source"].split()]
    rng = random.Random(3)
    text = " ".join(" ".join(rng.choice(words) for _ in range(12)) + "." for _ in range(40))
    body, content_type = multipart({"source": "id", "target": "en"}, "slow.txt", text.encode())
    r = call(hurried.url + "/translate_file", body, content_type=content_type)
    assert r.status == 504 and "stopped" in r.json()["error"]
    assert call(hurried.url + "/v1/usage").json()["characters"] == 0
    with sqlite3.connect(hurried.settings.data_dir / "documents" / "jobs.sqlite3") as db:
        assert db.execute("SELECT status, error FROM jobs").fetchall() == [
            (ERROR, "cancelled: the request that was waiting for it ended")
        ]


def test_a_key_with_no_quota_left_is_refused_before_its_file_is_read(server: App) -> None:
    assert (
        call(server.url + "/v1/translate", {"texts": ["abc"]}, headers={"Authorization": "Bearer spent"}).status == 200
    )
    status, body = upload(server, "a.docx", b"not a docx at all", headers={"Authorization": "DeepL-Auth-Key spent"})
    assert status == 456, body  # not the 400 that reading it would give


def serve_on(data: Path) -> tuple[int, list[str]]:
    """`translator serve` on the data folder `data`, in a process of its own: its exit code and output lines."""
    run = subprocess.run(
        [sys.executable, "-m", "translator", "serve", "--port", str(free_port())],
        env=clean_env(TRANSLATOR_DATA_DIR=str(data)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return run.returncode, (run.stdout + run.stderr).strip().splitlines()


def test_a_second_server_on_a_data_folder_in_use_says_so_in_one_line() -> None:
    first = Server()
    try:
        data = first.home / "data"
        code, lines = serve_on(data)
    finally:
        first.stop()
    assert code != 0
    assert len(lines) == 1, lines
    assert str(data / "documents") in lines[0] and f"pid {first.proc.pid}" in lines[0]


def test_a_data_folder_that_cannot_be_one_is_refused_in_one_line(tmp_path: Path) -> None:
    """TRANSLATOR_DATA_DIR a file, or below one: one line naming the variable and the reason, no traceback."""
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    for data in (tmp_path / "a-file", tmp_path / "a-file" / "below"):
        code, lines = serve_on(data)
        assert code != 0 and len(lines) == 1, lines
        assert "TRANSLATOR_DATA_DIR" in lines[0] and str(data) in lines[0], lines


def test_one_server_per_data_folder(tmp_path: Path) -> None:
    first = Jobs(tmp_path, ttl_s=60)
    with pytest.raises(ConfigError, match="in use by another translator serve"):
        Jobs(tmp_path, ttl_s=60)
    first.close()
    Jobs(tmp_path, ttl_s=60).close()  # free again once the first let go


def test_jobs_recover_after_a_crash_and_expire_with_their_files(tmp_path: Path) -> None:
    store = Jobs(tmp_path, ttl_s=3600)
    job = asyncio.run(store.create("acct", "2026-12", ("a.txt", "text/plain", b"Halo."), 5, once=True))
    assert store.claim() == Job(**{**job.__dict__, "status": TRANSLATING})
    assert store.claim() is None
    store.close()
    reopened = Jobs(tmp_path, ttl_s=3600)  # a kill -9 while it was translating
    assert reopened.recover() == 1 and reopened.get(job.id, "acct").status == QUEUED  # type: ignore[union-attr]
    assert reopened.get(job.id, "another") is None
    assert reopened.source(job) == b"Halo."
    reopened.db.execute("UPDATE jobs SET expires = ?", (time.time() - 1,))
    assert reopened.get(job.id) is None
    assert [gone.id for gone in reopened.expire()] == [job.id]  # unfinished: its characters are owed back
    assert not (tmp_path / job.id).exists()
    (tmp_path / "ORPHAN").mkdir()  # a crash between a job's files and its row
    reopened.recover()
    assert not (tmp_path / "ORPHAN").exists()


def test_a_failing_job_is_an_error_status_and_its_characters_are_refunded(tmp_path: Path) -> None:
    store = Jobs(tmp_path, ttl_s=3600)
    refunded: list[Job] = []

    async def translate(job: Job, data: bytes) -> bytes:
        if data == b"bad":
            raise ValueError("the model broke")
        return data.upper()

    async def scenario() -> tuple[Job | None, Job | None]:
        runner = Runner(store, translate, workers=1, on_error=refunded.append)
        runner.start()
        bad = await store.create("a", "2026-12", ("a.txt", "text/plain", b"bad"), 3, once=True)
        good = await store.create("a", "2026-12", ("b.txt", "text/plain", b"good"), 4, once=True)
        runner.wake()
        results = await runner.wait(bad, 10), await runner.wait(good, 10)
        await runner.stop()
        return results

    failed, done = asyncio.run(scenario())
    assert failed is not None and failed.status == ERROR and failed.error == "the model broke"
    assert done is not None and done.status == DONE and store.result(done) == b"GOOD"
    assert [job.id for job in refunded] == [failed.id]


def test_the_runner_outlives_a_database_that_fails_for_a_while(tmp_path: Path) -> None:
    """The jobs' database locked by another process when a worker claims and when the sweep runs (PostgreSQL
    stopped does the same): each logs and tries again, and the next job is translated once it is back."""
    store = Jobs(tmp_path, ttl_s=0.2)  # the sweep every 0.1 s

    async def translate(job: Job, data: bytes) -> bytes:
        return data.upper()

    async def scenario() -> Job | None:
        runner = Runner(store, translate, workers=1, on_error=lambda job: None)
        runner.start()
        blocker = sqlite3.connect(tmp_path / "jobs.sqlite3", timeout=0, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        runner.wake()  # the worker's claim waits for the lock (5 s), then fails; then the sweep's expire does
        for _ in range(2):
            await asyncio.sleep(0.5)
        blocker.execute("ROLLBACK")
        blocker.close()
        store.ttl_s = 3600
        job = await store.create("a", "2026-12", ("a.txt", "text/plain", b"later"), 5, once=True)
        runner.wake()
        finished = await runner.wait(job, 30)
        alive = [task for task in runner.tasks if not task.done()]
        await runner.stop()
        assert len(alive) == 2, "a worker or the sweep ended"
        return finished

    done = asyncio.run(scenario())
    assert done is not None and done.status == DONE and store.result(done) == b"LATER"


def test_a_job_survives_kill_9_of_the_server_and_completes_after_restart(
    tmp_path: Path, pairs: list[dict[str, str]]
) -> None:
    """A real `translator serve`: one job is translating and one queued when the process is SIGKILLed; a
    server started again on the same data folder finishes both, with the English an uninterrupted run gives."""
    words = [w for p in pairs for w in p["source"].split()]
    rng = random.Random(7)
    sentences = [" ".join(rng.choice(words) for _ in range(12)).capitalize() + "." for _ in range(120)]
    long_text = "\n\n".join(" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5))
    settings = {"TRANSLATOR_DATA_DIR": str(tmp_path / "data"), "TRANSLATOR_DOCUMENT_WORKERS": "1"}
    first = Server(keys="one\n", **settings)
    handles = []
    for name, text in (("long.txt", long_text), ("short.txt", pairs[9]["source"])):
        body, content_type = multipart({"target_lang": "EN-US"}, name, text.encode())
        handles.append(call(first.url + "/v2/document", body, content_type=content_type, headers=ONE).json())
    db = tmp_path / "data" / "documents" / "jobs.sqlite3"
    deadline = time.monotonic() + 60
    while _statuses(db) != [TRANSLATING, QUEUED]:  # read from the file itself: the long one has started
        assert time.monotonic() < deadline and DONE not in _statuses(db), _statuses(db)
        time.sleep(0.02)
    first.proc.kill()
    first.proc.wait(timeout=10)
    second = Server(keys="one\n", **settings)
    try:
        for handle, text in zip(handles, (long_text, pairs[9]["source"]), strict=True):
            url = f"{second.url}/v2/document/{handle['document_id']}"
            key = {"document_key": handle["document_key"]}
            while (status := call(url, key, headers=ONE).json()["status"]) != DONE:
                assert status in (QUEUED, TRANSLATING) and time.monotonic() < deadline + 120, status
            assert call(url + "/result", key, headers=ONE).body.decode() == english(second, text)
    finally:
        second.stop()
        first.stop()


def _statuses(db: Path) -> list[str]:
    with sqlite3.connect(db) as connection:
        return [row[0] for row in connection.execute("SELECT status FROM jobs ORDER BY created")]


def test_a_job_that_expires_unfinished_is_refunded_and_leaves_nothing(tmp_path: Path) -> None:
    """One expires while translating, one while queued behind it: both are owed their characters back, once,
    and the one translating writes no result into a folder that is gone."""
    store = Jobs(tmp_path, ttl_s=0.3)
    refunded: list[str] = []
    started = asyncio.Event()

    async def translate(job: Job, data: bytes) -> bytes:
        started.set()
        await asyncio.sleep(5)
        return data

    async def scenario() -> None:
        runner = Runner(store, translate, workers=1, on_error=lambda job: refunded.append(job.id))
        runner.start()
        first = await store.create("a", "2026-12", ("a.txt", "text/plain", b"a"), 1, once=True)
        second = await store.create("a", "2026-12", ("b.txt", "text/plain", b"b"), 1, once=True)
        runner.wake()
        await started.wait()
        await asyncio.sleep(0.4)
        runner._expire()  # what its sweep does every ttl/2
        await asyncio.sleep(0.1)
        assert sorted(refunded) == sorted([first.id, second.id])
        await runner.stop()

    asyncio.run(scenario())
    assert len(refunded) == 2 and [p.name for p in tmp_path.iterdir() if p.is_dir()] == []


def test_a_hostile_file_name_is_reduced_to_a_safe_one(server: App) -> None:
    """A name with folders, a control character and bytes that are not UTF-8 (a lone surrogate once decoded)."""
    name = b"..\\..\\etc/pa\x01ss\xffwd.txt"
    body = (
        b'--b0\r\nContent-Disposition: form-data; name="target_lang"\r\n\r\nEN-US\r\n'
        b'--b0\r\nContent-Disposition: form-data; name="file"; filename="' + name + b'"\r\n\r\nHalo.\r\n--b0--\r\n'
    )
    r = call(server.url + "/v2/document", body, content_type="multipart/form-data; boundary=b0", headers=ONE)
    assert r.status == 200, r.body
    url = f"{server.url}/v2/document/{r.json()['document_id']}"
    key = {"document_key": r.json()["document_key"]}
    assert call(url, key, headers=ONE).json()["status"] == DONE
    result = call(url + "/result", key, headers=ONE)
    disposition = result.headers["content-disposition"]
    assert result.status == 200 and "/" not in disposition and "\\" not in disposition and "\x01" not in disposition
    assert disposition.startswith('attachment; filename="pass') and disposition.endswith("wd.txt")


def _translated_upload(server: App, filename: str, data: bytes, **fields: str) -> tuple[bytes, dict]:
    """The result of an uploaded document, and its status once done."""
    status, handle = upload(server, filename, data, **fields)
    assert status == 200, handle
    url, key = f"{server.url}/v2/document/{handle['document_id']}", {"document_key": handle["document_key"]}
    done = call(url, key, headers=ONE).json()
    assert done["status"] == DONE, done
    return call(url + "/result", key, headers=ONE).body, done


def _v2(server: App, text: str, **fields: str | list[str]) -> tuple[str, int]:
    """/v2/translate's English of `text`, and its count of sentences whose markup was placed by a guess."""
    r = call(server.url + "/v2/translate", {"text": [text], "target_lang": "EN-US", **fields}, headers=ONE)
    assert r.status == 200, r.body
    return str(r.json()["translations"][0]["text"]), int(r.headers["x-markup-moved"])


@pytest.mark.parametrize(
    "tags",
    [
        {"ignore_tags": "x"},
        {"tag_handling": "xml", "ignore_tags": "x,b"},
        {"tag_handling": "html", "splitting_tags": "b"},
        {"tag_handling": "html", "non_splitting_tags": "p"},
        {"tag_handling": "html", "outline_detection": "0"},
    ],
)
def test_deepl_tag_options_travel_with_an_html_document(server: App, tags: dict[str, str]) -> None:
    """The upload's tag options are kept with the job and read by the runner: the page translates as
    /v2/translate translates it with the same options (read as HTML), and not as without them."""
    page = "<div>Saya suka <x>nasi goreng</x> di <b>Jakarta</b>.<p>Dia makan</p> di rumah.</div>"
    result, _ = _translated_upload(server, "a.html", page.encode(), **tags)
    note = re.compile(r"<!-- translator: left as written: [^>]* -->")
    asked = {**tags, "tag_handling": "html"}
    assert note.sub("", result.decode()) == _v2(server, page, **asked)[0]
    assert note.sub("", _translated_upload(server, "b.html", page.encode())[0].decode()) != result.decode()
    if "ignore_tags" in tags:
        assert "<x>nasi goreng</x>" in result.decode()


def test_deepl_tag_options_on_a_document_are_checked_as_on_translate_and_ignored_for_other_formats(
    server: App,
) -> None:
    for bad in ({"tag_handling": "yaml"}, {"outline_detection": "maybe"}):
        said = upload(server, "a.html", b"<p>Halo.</p>", **bad)
        as_translate = call(
            server.url + "/v2/translate", {"text": ["Halo."], "target_lang": "EN-US", **bad}, headers=ONE
        )
        assert said[0] == as_translate.status == 400 and said[1] == as_translate.json(), said
    text = b"Saya suka <x>nasi</x>."
    plain = _translated_upload(server, "a.txt", text)[0]
    assert _translated_upload(server, "b.txt", text, ignore_tags="x", tag_handling="xml")[0] == plain


def test_markup_placed_by_a_guess_is_counted_in_a_document_s_status_and_translate_file(roomy: App) -> None:
    """The tiny model's English shares few words with the source: some tags' places are guesses, counted as
    /v2/translate counts them on the same page; a plain file says nothing of it."""
    page = "".join(f"<p>Saya ingin beli <b>{n}</b> tiket untuk laga <i>persebaya</i> vs arema.</p>" for n in range(8))
    _, done = _translated_upload(roomy, "a.html", page.encode())
    moved = _v2(roomy, page, tag_handling="html")[1]
    assert moved > 0 and done["flags"] == {"markup_moved": moved}
    body, content_type = multipart({"source": "id", "target": "en", "api_key": "one"}, "a.html", page.encode())
    answer = call(roomy.url + "/translate_file", body, content_type=content_type).json()
    assert answer["flags"] == {"markup_moved": moved}
    assert "flags" not in _translated_upload(roomy, "a.txt", b"Halo.")[1]
