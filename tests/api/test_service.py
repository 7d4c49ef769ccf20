"""Our own endpoints, in-process, as `translator serve` runs them with the tiny model; `translator serve`
failing fast at start-up (a real process where the environment is read at import)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import App, app_fixture, call, clean_env, free_port
from tests.conftest import TINY_MODEL, run_main
from translator.settings import Settings

server = app_fixture(TRANSLATOR_MAX_TEXTS="5", TRANSLATOR_MAX_TEXT_CHARS="2000", TRANSLATOR_MAX_BODY_BYTES="20000")


def test_translate_returns_memorised_pairs_in_order(server: App, pairs: list[dict[str, str]]) -> None:
    glued = pairs[0]["source"] + pairs[1]["source"]
    texts = [pairs[2]["source"], "", glued, pairs[3]["source"] + "\n\n" + pairs[4]["source"]]
    r = call(server.url + "/v1/translate", {"texts": texts, "options": {"beam_size": 2}})
    assert r.status == 200
    body = r.json()
    assert body["translations"] == [
        pairs[2]["target"],
        "",
        pairs[0]["target"] + " " + pairs[1]["target"],
        pairs[3]["target"] + "\n\n" + pairs[4]["target"],
    ]
    assert body["provenance"]["model"] == "tiny-id-en" and body["provenance"]["beam_size"] == 2


def test_documents_are_aligned(server: App, pairs: list[dict[str, str]]) -> None:
    text = pairs[5]["source"] + pairs[6]["source"] + "\n\n" + pairs[7]["source"]
    r = call(server.url + "/v1/documents", {"documents": [{"id": "d-1", "text": text}, {"id": "d-2", "text": ""}]})
    assert r.status == 200
    first, second = r.json()["documents"]
    assert first["id"] == "d-1" and second == {**second, "id": "d-2", "translation": "", "paragraphs": []}
    sentences = [s for p in first["paragraphs"] for s in p["sentences"]]
    assert [s["target"] for s in sentences] == [pairs[i]["target"] for i in (5, 6, 7)]
    assert all(text[s["start"] : s["end"]] == s["source"] for s in sentences)
    assert [[s["id"] for s in p["sentences"]] for p in first["paragraphs"]] == [["p0s0", "p0s1"], ["p1s0"]]
    assert first["provenance"]["segmenter"] == "id/3"
    assert first["summary"] == {"sentences": 3, "flags": {}}


def test_documents_stream_one_paragraph_a_line(server: App, pairs: list[dict[str, str]]) -> None:
    text = "\n\n".join(pairs[i]["source"] for i in range(4))
    body = {"documents": [{"id": "a", "text": text}, {"id": "b", "text": pairs[9]["source"]}], "stream": True}
    r = call(server.url + "/v1/documents", body)
    assert r.status == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    assert r.headers["content-type"] == "application/x-ndjson; charset=utf-8"  # requests decodes it as UTF-8 so
    lines = [json.loads(line) for line in r.body.decode().splitlines()]
    assert [(x["document"], "paragraph" in x, x.get("done", False)) for x in lines] == [
        ("a", True, False),
        ("a", True, False),
        ("a", True, False),
        ("a", True, False),
        ("a", False, True),
        ("b", True, False),
        ("b", False, True),
    ]
    assert [x["paragraph"]["sentences"][0]["target"] for x in lines if "paragraph" in x] == [
        pairs[i]["target"] for i in (0, 1, 2, 3, 9)
    ]
    assert lines[4]["translation"] == "\n\n".join(pairs[i]["target"] for i in range(4))
    assert lines[4]["summary"] == {"sentences": 4, "flags": {}}


def test_the_readers_stream_says_its_charset(server: App, pairs: list[dict[str, str]]) -> None:
    form = f"text={pairs[0]['source']}"
    headers = {"Accept": "application/x-ndjson"}
    r = call(server.url + "/", form, content_type="application/x-www-form-urlencoded", headers=headers)
    assert r.status == 200 and r.headers["content-type"] == "application/x-ndjson; charset=utf-8"
    refused = call(server.url + "/", "text=", content_type="application/x-www-form-urlencoded", headers=headers)
    assert refused.status == 400 and refused.headers["content-type"] == "application/x-ndjson; charset=utf-8"


def test_a_stream_closed_before_its_first_paragraph_takes_its_work_off_the_queue(
    server: App, pairs: list[dict[str, str]]
) -> None:
    """As when a client leaves while the reader's first line (the frame) is on its way."""
    service = server.app.state.service

    async def open_and_close() -> tuple[int, int]:
        events = await service.start_events([("a", "\n\n".join(p["source"] for p in pairs[:3]))], service.decode(None))
        queued = service.batcher.pending
        await events.aclose()  # never iterated: no model call has run in between
        return queued, service.batcher.pending

    assert server.client.portal.call(open_and_close) == (3, 0)  # type: ignore[union-attr]


def test_order_is_kept_under_32_concurrent_clients(server: App, pairs: list[dict[str, str]]) -> None:
    def client(seed: int) -> tuple[list[str], list[str]]:
        chosen = random.Random(seed).sample(pairs, 3)
        r = call(server.url + "/v1/translate", {"texts": [p["source"] for p in chosen]})
        assert r.status == 200, r.body
        return r.json()["translations"], [p["target"] for p in chosen]

    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(client, range(96)))
    for got, expected in results:
        assert got == expected


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    [
        ({"texts": ["a"] * 6}, 413, "too_large", "limit of 5"),
        ({"texts": ["a" * 2001]}, 413, "too_large", "TRANSLATOR_MAX_TEXT_CHARS"),
        ('{"texts": ["' + "a" * 19990 + '"]}', 413, "too_large", "TRANSLATOR_MAX_BODY_BYTES"),
        ({"texts": [1]}, 422, "invalid_request", "texts.0"),
        ({"texts": "a"}, 422, "invalid_request", "texts"),
        ({"texts": ["a"], "options": {"beam_size": 0}}, 422, "invalid_request", "options.beam_size"),
        ({}, 422, "invalid_request", "texts"),
        ('{"texts": [', 400, "undecodable_body", "not valid JSON"),
        (b'{"texts": ["\xff\xfe"]}', 400, "undecodable_body", "could not be decoded"),
    ],
    ids=["texts", "chars", "body", "type", "not-list", "beam", "missing", "truncated-json", "bad-utf8"],
)
def test_errors_have_one_json_shape(server: App, body: object, status: int, code: str, fragment: str) -> None:
    r = call(server.url + "/v1/translate", body)
    assert r.status == status
    error = r.json()["error"]
    assert error["code"] == code
    assert fragment in error["message"]


def test_documents_limits_name_documents(server: App) -> None:
    r = call(server.url + "/v1/documents", {"documents": [{"id": str(i), "text": "a"} for i in range(6)]})
    assert r.status == 413 and "6 documents" in r.json()["error"]["message"]


def test_health_ready_models(server: App) -> None:
    assert call(server.url + "/healthz").json() == {"status": "ok"}
    ready = call(server.url + "/readyz")
    assert ready.status == 200 and ready.json()["status"] == "ready"
    [model] = call(server.url + "/v1/models").json()["models"]
    assert model["model"] == "tiny-id-en" and model["backend"] == "ct2-int8" and model["device"] == "cpu"
    assert model["beam_size"] == 4 and model["segmenter"] == "id/3"
    assert set(model["flags"]) >= {"split", "cut", "truncated"}


def test_metrics_parse_and_carry_no_text(server: App, pairs: list[dict[str, str]]) -> None:
    secret = pairs[11]["source"]
    call(server.url + "/v1/translate", {"texts": [secret]})
    call(server.url + "/nowhere")
    text = call(server.url + "/metrics").body.decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert {"translator_requests", "translator_request_seconds", "translator_sentences"} <= set(families)
    assert {"translator_batch_sentences", "translator_queue_sentences", "translator_model_seconds"} <= set(families)
    routes = {s.labels["route"] for s in families["translator_requests"].samples}
    assert "/v1/translate" in routes and "unmatched" in routes and "/nowhere" not in routes
    assert secret not in text and "127.0.0.1" not in text
    assert any(s.value > 0 for s in families["translator_sentences"].samples)


def test_made_up_methods_share_one_metrics_label(server: App) -> None:
    """A client may send any token as its method: each made-up one is counted as "other", or a flood of them
    would grow /metrics and the process's memory without bound."""
    for n in range(20):
        assert call(server.url + "/v1/translate", method=f"HACK{n}").status == 405
    text = call(server.url + "/metrics").body.decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    methods = {s.labels["method"] for s in families["translator_requests"].samples}
    assert "other" in methods and not any(m.startswith("HACK") for m in methods), methods


def test_every_field_of_our_schemas_is_documented(server: App) -> None:
    schemas: dict[str, Any] = call(server.url + "/openapi.json").json()["components"]["schemas"]
    ours = [name for name in schemas if not name.startswith(("HTTPValidationError", "ValidationError"))]
    undocumented = [
        f"{name}.{field}"
        for name in ours
        for field, spec in schemas[name].get("properties", {}).items()
        if "description" not in spec
    ]
    assert not undocumented
    assert {"/v1/translate", "/v1/documents", "/v1/models", "/translate", "/detect", "/languages"} <= set(
        call(server.url + "/openapi.json").json()["paths"]
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRANSLATOR_BEAM": "99"}, "TRANSLATOR_BEAM"),
        ({"TRANSLATOR_MODEL": "./no-such-model"}, "does not exist"),
        ({"TRANSLATOR_API_KEYS_FILE": "/no/such/keys"}, "TRANSLATOR_API_KEYS_FILE"),
        ({"TRANSLATOR_REVIEWED_WRITERS": "key-0123"}, "no keys are set"),
        ({"TRANSLATOR_API_KEYS": "sesame", "TRANSLATOR_REVIEWED_WRITERS": "sesame"}, "is not the id of any key"),
    ],
    ids=["bad-setting", "missing-dir", "keys-file", "writers-without-keys", "writers-not-key-ids"],
)
def test_serve_fails_fast_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], message: str
) -> None:
    def serving(*args: object, **kwargs: object) -> None:
        raise AssertionError("uvicorn started: the bad setting was not caught before the port opened")

    monkeypatch.setattr("uvicorn.run", serving)
    for name in [n for n in os.environ if n.startswith("TRANSLATOR_")]:
        monkeypatch.delenv(name)
    # a data folder of its own: never the user's (the default, which the stores would open first)
    for name, value in {"TRANSLATOR_MODEL": str(TINY_MODEL), "TRANSLATOR_DATA_DIR": str(tmp_path), **env}.items():
        monkeypatch.setenv(name, value)
    run = run_main(["serve", "--port", str(free_port())])
    assert run.returncode == 1
    assert len(run.stderr.decode().strip().splitlines()) == 1, run.stderr
    assert message in run.stderr.decode()


def test_serve_fails_fast_offline_with_one_line(tmp_path: Path) -> None:
    """The process itself: huggingface_hub reads HF_HUB_OFFLINE when imported."""
    env = {"HF_HUB_OFFLINE": "1", "TRANSLATOR_MODEL": "Helsinki-NLP/opus-mt-id-en"}
    run = subprocess.run(
        [sys.executable, "-m", "translator", "serve", "--port", str(free_port())],
        env={**clean_env(HF_HOME=str(tmp_path), TRANSLATOR_DATA_DIR=str(tmp_path / "data")), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "translator download" in run.stderr


def test_settings_reach_the_translator(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"BEAM": "2", "OUTPUT_SLACK": "3", "TRANSLATE_ENGLISH": "1", "RETRY_LOOPS": "0"}.items():
        monkeypatch.setenv(f"TRANSLATOR_{name}", value)
    config = Settings().translator_config()
    assert (config.decode.beam_size, config.decode.output_slack) == (2, 3)
    assert config.translate_english and not config.retry_loops


def test_a_long_document_is_planned_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    import threading

    from api import service
    from translator.plan import plan

    on_loop: list[bool] = []

    def watched(documents: Any) -> Any:
        on_loop.append(threading.current_thread() is threading.main_thread())
        return plan(documents)

    monkeypatch.setattr(service, "plan", watched)
    asyncio.run(service._plan([("a", "Dia pergi. " * 300)]))
    asyncio.run(service._plan([("a", "Dia pergi.")]))
    assert on_loop == [False, True]
