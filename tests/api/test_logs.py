"""What reaches the server's log: a key and a text sent every way a client can never appear in it."""

from __future__ import annotations

import logging
import time
import urllib.parse
from pathlib import Path

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
