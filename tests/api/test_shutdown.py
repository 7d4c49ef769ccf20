"""A shutdown that cuts requests in flight (uvicorn cancels them once its grace time is over, as after a
SIGTERM): each is answered 503 with Retry-After in its API's own shape, a stream under way ends with an error
line, nothing is logged as a traceback, and what the cut requests reserved is given back. The app is served
by uvicorn in a thread (`Hosted`), its model calls held at a gate so that the requests are still running."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from api.usage import Account, Usage
from tests.api.conftest import Hosted, Response, call, settings_of
from tests.api.test_reader import Gate
from translator import Translator, TranslatorConfig


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_requests_cut_by_shutdown_get_503_and_a_stream_an_error_line(
    served: Callable[[TranslatorConfig], Translator], pairs: list[dict[str, str]]
) -> None:
    gate = Gate(served(settings_of().translator_config()))
    gate.allow(1)  # the stream's first paragraph, then nothing
    hosted = Hosted(gate, grace_s=1, TRANSLATOR_BATCH_TOKENS="1", TRANSLATOR_EXPRESS_TOKENS="0")  # type: ignore[arg-type]
    records = Records()
    for name in ("", "uvicorn.error"):
        logging.getLogger(name).addHandler(records)
    try:
        stream_text = "\n\n".join(pairs[i]["source"] for i in range(3))
        connection = http.client.HTTPConnection("127.0.0.1", hosted.port, timeout=30)
        body = {"documents": [{"id": "a", "text": stream_text}], "stream": True}
        connection.request("POST", "/v1/documents", json.dumps(body), {"Content-Type": "application/json"})
        stream = connection.getresponse()
        first = json.loads(stream.readline())
        assert first["document"] == "a" and "paragraph" in first  # under way

        cut: dict[str, Response] = {}
        requests = {
            "ours": ("/v1/translate", {"texts": [pairs[3]["source"]]}),
            "libretranslate": ("/translate", {"q": pairs[4]["source"], "source": "id", "target": "en"}),
            "deepl": ("/v2/translate", {"text": [pairs[5]["source"]], "target_lang": "EN-US"}),
        }
        threads = [
            threading.Thread(target=lambda k=kind, p=path, b=payload: cut.__setitem__(k, call(hosted.url + p, b)))
            for kind, (path, payload) in requests.items()
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while call(hosted.url + "/readyz").json()["queued_sentences"] < 4 and time.monotonic() < deadline:
            time.sleep(0.02)  # the stream's two paragraphs left and the three requests are queued
        hosted.server.should_exit = True  # what uvicorn's SIGTERM handler does
        rest = [json.loads(line) for line in stream.read().splitlines()]
        for thread in threads:
            thread.join(timeout=20)
    finally:
        gate.allow(None)
        hosted.thread.join(timeout=30)
        for name in ("", "uvicorn.error"):
            logging.getLogger(name).removeHandler(records)

    assert rest and "shutting down" in rest[-1]["error"]["message"], rest
    assert {kind: r.status for kind, r in cut.items()} == {"ours": 503, "libretranslate": 503, "deepl": 503}
    assert all(int(r.headers["retry-after"]) >= 1 for r in cut.values())
    assert cut["ours"].json()["error"]["code"] == "shutting_down"
    assert "shutting down" in cut["libretranslate"].json()["error"]
    assert "shutting down" in cut["deepl"].json()["message"]
    assert not [r for r in records.records if r.exc_info or "Exception in ASGI application" in r.getMessage()]
    usage = Usage(Path(hosted.home) / "data" / "usage.sqlite3")
    assert usage.count(Account.of(None)) == len(stream_text)  # the cut requests' characters were given back
    usage.close()


def test_a_stream_whose_client_leaves_takes_its_work_off_the_queue(
    served: Callable[[TranslatorConfig], Translator], pairs: list[dict[str, str]]
) -> None:
    """Streams are sent from the request's own task (so that a shutdown can end them with a line): the client
    leaving is still noticed (api/body.py), and the paragraphs nobody will read leave the queue."""
    gate = Gate(served(settings_of().translator_config()))
    gate.allow(1)
    hosted = Hosted(gate, TRANSLATOR_BATCH_TOKENS="1", TRANSLATOR_EXPRESS_TOKENS="0")  # type: ignore[arg-type]
    try:
        connection = http.client.HTTPConnection("127.0.0.1", hosted.port, timeout=30)
        text = "\n\n".join(pairs[i]["source"] for i in range(5))
        body = {"documents": [{"id": "a", "text": text}], "stream": True}
        connection.request("POST", "/v1/documents", json.dumps(body), {"Content-Type": "application/json"})
        stream = connection.getresponse()
        assert "paragraph" in json.loads(stream.readline())
        deadline = time.monotonic() + 10
        while call(hosted.url + "/readyz").json()["queued_sentences"] < 3 and time.monotonic() < deadline:
            time.sleep(0.02)  # one paragraph at the gate, three waiting
        assert call(hosted.url + "/readyz").json()["queued_sentences"] == 3
        connection.close()
        while call(hosted.url + "/readyz").json()["queued_sentences"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert call(hosted.url + "/readyz").json()["queued_sentences"] == 0
    finally:
        gate.allow(None)
        hosted.stop()
