"""A full queue answers 503 with Retry-After at once; a request past its deadline answers 504 and its
pieces leave the queue (three sentences, 76 tokens, overfill the 60-token queue). The batcher is made to
wait 1 s for company so the queue stays full; it waits only when the model worked in the last 10 × 1 s (an
idle server sends a lone request at once), so the test first sends one request to wake it."""

from __future__ import annotations

import threading
import time

from tests.api.conftest import App, Response, app_fixture, call

server = app_fixture(TRANSLATOR_QUEUE_TOKENS="60", TRANSLATOR_BATCH_WAIT_MS="1000", TRANSLATOR_REQUEST_TIMEOUT_S="0.5")


def test_full_queue_is_503_with_retry_after_on_both_apis_and_late_request_is_504(
    server: App, pairs: list[dict[str, str]]
) -> None:
    assert call(server.url + "/v1/translate", {"texts": ["halo"]}).status == 200  # wakes the batcher
    first: list[Response] = []
    filler = threading.Thread(
        target=lambda: first.append(call(server.url + "/v1/translate", {"texts": [p["source"] for p in pairs[:3]]}))
    )
    filler.start()
    deadline = time.monotonic() + 5
    while call(server.url + "/readyz").status == 200 and time.monotonic() < deadline:
        time.sleep(0.01)  # until the three sentences are queued
    assert call(server.url + "/readyz").json() == {"status": "busy", "queued_sentences": 3}

    started = time.monotonic()
    refused = call(server.url + "/v1/translate", {"texts": [pairs[3]["source"]]})
    assert time.monotonic() - started < 0.4  # refused at once, not after a wait
    assert refused.status == 503
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["code"] == "queue_full"
    refused = call(server.url + "/translate", {"q": pairs[4]["source"], "source": "id", "target": "en"})
    assert refused.status == 503
    assert isinstance(refused.json()["error"], str)  # LibreTranslate's error shape

    filler.join()
    [late] = first
    assert late.status == 504
    assert late.json()["error"]["code"] == "deadline_exceeded"
    assert call(server.url + "/readyz").json() == {"status": "ready", "queued_sentences": 0}  # its work was freed
