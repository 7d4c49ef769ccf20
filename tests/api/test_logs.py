"""What reaches the server's log: a key and a text sent every way a client can never appear in it."""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.parse
from pathlib import Path

import pytest
from urllib3 import encode_multipart_formdata

from api.jobs import ERROR, Job, Jobs, Runner
from api.logs import Throttle, redacted
from tests.api.conftest import Server, call

KEY = "k3y-zqx-secret"
WRONG_KEY = "wr0ng-zqx-secret"
TEXT = "Sore sahabat, saat ini sedang dilakukan pemeliharaan sehingga aplikasi tidak dapat diakses."  # memorised: fast


def test_keys_and_texts_stay_out_of_the_log(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    server = Server(log=log, TRANSLATOR_API_KEYS=KEY)
    query = urllib.parse.urlencode
    form = "application/x-www-form-urlencoded"
    try:
        sent = [
            call(f"{server.url}/?{query({'text': TEXT, 'api_key': KEY})}"),
            call(f"{server.url}/?{query({'text': TEXT, 'api_key': WRONG_KEY})}"),
            call(server.url + "/", query({"text": TEXT, "api_key": KEY}), content_type=form),
            call(f"{server.url}/translate?{query({'q': TEXT, 'source': 'id', 'target': 'en', 'api_key': KEY})}", b""),
            call(
                server.url + "/translate",
                query({"q": TEXT, "source": "id", "target": "en", "api_key": KEY}),
                content_type=form,
            ),
            call(server.url + "/translate", {"q": TEXT, "source": "id", "target": "en", "api_key": KEY}),
            call(server.url + "/v1/translate", {"texts": [TEXT]}, headers={"Authorization": f"Bearer {KEY}"}),
            call(server.url + "/v1/translate", {"texts": [TEXT]}, headers={"X-API-Key": WRONG_KEY}),
        ]
    finally:
        server.stop()
    assert [r.status for r in sent] == [200, 403, 200, 200, 200, 200, 200, 403]
    text = log.read_text()
    assert '"GET /?text=...&api_key=... HTTP/1.1" 200' in text  # the requests were logged, without values
    assert '"POST /translate?q=...&source=...&target=...&api_key=... HTTP/1.1" 200' in text
    for secret in ("zqx", "pemeliharaan", "inaccessable"):  # the keys, the text and its translation
        assert secret not in text


def test_redacted_keeps_names_only() -> None:
    assert redacted("/v1/translate") == "/v1/translate"
    assert redacted("/?text=Saya+makan&api_key=k%20y&empty=") == "/?text=...&api_key=...&empty=..."


def test_throttle_lets_one_through_per_interval_and_counts_the_rest() -> None:
    records: list[logging.LogRecord] = []
    logger = logging.getLogger("test_logs.throttle")
    logger.propagate = False
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    logger.addFilter(Throttle(interval_s=0.2))
    for _ in range(5):
        logger.warning("Exceeded concurrency limit.")
        logger.warning("another message")
    time.sleep(0.25)
    logger.warning("Exceeded concurrency limit.")
    messages = [r.getMessage() for r in records]
    assert messages.count("another message") == 5
    assert messages.count("Exceeded concurrency limit.") == 1
    assert "(4 more in the last 0.2 s not logged) Exceeded concurrency limit." in messages


def test_capabilities_stay_out_of_the_log(tmp_path: Path) -> None:
    """A LibreTranslate download URL is its own key: neither its id nor the upload's name is logged."""
    log = tmp_path / "server.log"
    server = Server(log=log)
    try:
        body, content_type = encode_multipart_formdata(
            {"source": "id", "target": "en", "file": ("rahasia-zqx.txt", TEXT.encode())}
        )
        url = call(server.url + "/translate_file", body, content_type=content_type).json()["translatedFileUrl"]
        got = call(url)
        missing = call(url.replace("/download_file/", "/download_file/0"))
    finally:
        server.stop()
    assert got.status == 200 and missing.status == 404
    job_id = url.split("/")[-2]
    text = log.read_text()
    assert '"GET /download_file/.../... HTTP/1.1" 200' in text  # logged, masked
    assert job_id not in text and "rahasia" not in text


def test_a_failed_job_is_logged_without_its_id_or_key(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async def fail(job: Job, data: bytes) -> bytes:
        raise RuntimeError("the model failed")

    async def run() -> Job:
        store = Jobs(tmp_path, ttl_s=60)
        runner = Runner(store, fail, 1, on_error=lambda job: None)
        runner.start()
        job = await store.create("anonymous", "2026-12", ("a.txt", "text/plain", b"Halo."), 5, once=False)
        runner.wake()
        done = await runner.wait(job, 10) or job
        await runner.stop()
        store.close()
        return done

    with caplog.at_level(logging.INFO):
        job = asyncio.run(run())
    assert job.status == ERROR and caplog.records  # it failed, and that was logged
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "the model failed" in logged and job.id not in logged and job.key not in logged


def test_redacted_masks_capability_paths() -> None:
    assert redacted("/download_file/0A1B/berita%20rahasia.txt") == "/download_file/.../..."
    assert redacted("/download_file/0A1B/x.txt?api_key=k") == "/download_file/.../...?api_key=..."


def test_redacted_masks_near_misses_of_a_capability_path() -> None:
    """A download URL mistyped (a slash added, a segment lost or split, a doubled slash, other case) still
    carries the id: every segment after download_file is masked, whatever follows."""
    for path in (
        "/download_file/0A1B/x.txt/",
        "/download_file/0A1B",
        "/download_file/0A1B/",
        "/download_file/0A1B/a/b.txt",
        "//download_file/0A1B/x.txt",
        "/Download_File/0A1B/x.txt",
        "/download_file//0A1B/x.txt",
    ):
        assert "0A1B" not in redacted(path), path
        assert "x.txt" not in redacted(path), path
    assert redacted("/download_file/0A1B/x.txt/") == "/download_file/.../.../..."
    assert redacted("/download_file_x/0A1B") == "/download_file_x/0A1B"  # another path: as it is
