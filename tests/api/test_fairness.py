"""Against a real server: a request over the per-request token budget is 413 naming the limit; a client
that leaves takes its queued pieces out of the queue (the batch running when it left is all that is wasted);
a short request sent while the model decodes a long one is answered on the express lane, beside it."""

from __future__ import annotations

import json
import socket
import threading
import time

from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import Server, call, server_fixture

server = server_fixture(TRANSLATOR_BATCH_TOKENS="64", TRANSLATOR_MAX_REQUEST_TOKENS="800")


def counters(server: Server) -> dict[str, float]:
    text = call(server.url + "/metrics").body.decode()
    return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}


def test_over_the_token_budget_is_413(server: Server, pairs: list[dict[str, str]]) -> None:
    text = " ".join(p["source"] for p in pairs)  # about 1,100 tokens
    r = call(server.url + "/v1/translate", {"texts": [text]})
    assert r.status == 413
    assert r.json()["error"]["limit"] == "max_request_tokens" and "800" in r.json()["error"]["message"]


def test_a_client_that_leaves_takes_its_work_out_of_the_queue(server: Server, pairs: list[dict[str, str]]) -> None:
    before = counters(server)
    body = json.dumps({"texts": [" ".join(p["source"] for p in pairs[:25])]}).encode()
    with socket.create_connection(("127.0.0.1", server.port)) as client:
        head = "POST /v1/translate HTTP/1.1\r\nHost: x\r\n"
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}"
        client.sendall(head.encode() + b"\r\n\r\n" + body)
        for _ in range(500):  # until the model works on it (5 s at most)
            if counters(server).get("translator_batch_sentences_count", 0) > before.get(
                "translator_batch_sentences_count", 0
            ):
                break
            time.sleep(0.01)
    for _ in range(500):  # until the server has noticed (5 s at most)
        seen = counters(server)
        if seen.get("translator_cancelled_pieces_total"):
            break
        time.sleep(0.01)
    assert seen["translator_cancelled_pieces_total"] > 0
    assert call(server.url + "/readyz").json()["queued_sentences"] == 0
    time.sleep(0.5)
    after = counters(server)
    computed = after["translator_sentences_total"] - before.get("translator_sentences_total", 0)
    assert computed < 25 / 2  # the queued rest never reached the model
    assert after["translator_batch_sentences_count"] <= seen["translator_batch_sentences_count"] + 1


def test_short_requests_run_beside_a_long_one_on_the_express_lane(server: Server) -> None:
    before = counters(server).get("translator_express_batches_total", 0)
    long = " ".join(["sedang jaga warung kecil"] * 60)  # unpunctuated, ~660 tokens: pieces of wide bands
    answers: list[int] = []
    storm = threading.Thread(
        target=lambda: answers.append(call(server.url + "/v1/translate", {"texts": [long]}).status)
    )
    storm.start()
    probes = []
    while storm.is_alive() or not probes:  # probe until the long request is answered
        probes.append(call(server.url + "/v1/translate", {"texts": ["Iya benar, dia sedang jaga warung."]}).status)
    storm.join()
    assert answers == [200] and set(probes) == {200}
    assert counters(server)["translator_express_batches_total"] > before
