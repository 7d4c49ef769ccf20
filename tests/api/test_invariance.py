"""The server pools the sentences of concurrent requests into model calls; a sentence's English must not
depend on that company. In process: the real app, batcher and CTranslate2 engine on the tiny model."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import TINY_MODEL
from tests.test_pipeline import unfamiliar
from translator import Translator, TranslatorConfig
from translator.settings import Settings


def test_a_sentence_gets_the_same_english_flags_and_confidence_alone_and_among_32_clients(
    served: Callable[[TranslatorConfig], Translator], tmp_path: Path
) -> None:
    settings = Settings(
        model=str(TINY_MODEL), backend="ct2", device="cpu", batch_wait_ms=20, api_keys="", data_dir=tmp_path
    )
    app = create_app(settings, served(settings.translator_config()))
    sentences = unfamiliar(96, seed=32)
    requests = [sentences[i : i + 3] for i in range(0, len(sentences), 3)]  # 32 clients, 3 texts each
    calls, requests_in_calls = "translator_batch_requests_count", "translator_batch_requests_sum"
    with TestClient(app) as client:

        def translate(texts: list[str]) -> list[tuple[str, list[tuple[list[str], float]]]]:
            """Each text's English and its sentences' flags and confidence (as aligned documents)."""
            documents = [{"id": str(i), "text": text} for i, text in enumerate(texts)]
            r = client.post("/v1/documents", json={"documents": documents})
            assert r.status_code == 200, r.text
            return [
                (d["translation"], [(s["flags"], s["confidence"]) for p in d["paragraphs"] for s in p["sentences"]])
                for d in r.json()["documents"]
            ]

        def sample(name: str) -> float:
            return float(app.state.metrics.registry.get_sample_value(name) or 0)

        alone = [translate([s])[0] for s in sentences]
        assert sample(requests_in_calls) == sample(calls) >= len(sentences)  # every model call held one request
        before = sample(calls), sample(requests_in_calls)
        with ThreadPoolExecutor(len(requests)) as clients:
            together = [t for texts in clients.map(translate, requests) for t in texts]
        pooled_calls, pooled_requests = sample(calls) - before[0], sample(requests_in_calls) - before[1]
    assert pooled_requests > pooled_calls  # the clients' sentences were pooled into shared model calls
    assert together == alone
    assert all(0 < confidence <= 1 for _, sentences in alone for _, confidence in sentences)


def test_the_service_gives_the_library_s_documents_flags_and_all(
    pairs: list[dict[str, str]], served: Callable[[TranslatorConfig], Translator], tmp_path: Path
) -> None:
    """The service drives the library's own steps (plan, prepare, decode, join, assemble): a document with a
    sentence cut into pieces, a duplicate, an English sentence and a headline's line break comes back as the
    library makes it, plain and streamed."""
    settings = Settings(model=str(TINY_MODEL), backend="ct2", device="cpu", api_keys="", data_dir=tmp_path)
    translator = served(settings.translator_config())
    long = " ".join(unfamiliar(40, seed=7)).replace(".", "")  # one sentence of several pieces
    text = f"JUDUL BERITA\n{pairs[0]['source']} {long}.\n\nI like fried rice very much. {pairs[0]['source']}"
    want = translator.translate_document(text, "d").to_dict()
    assert (
        "cut" in want["paragraphs"][0]["sentences"][2]["flags"]
        or "split" in want["paragraphs"][0]["sentences"][2]["flags"]
    )
    with TestClient(create_app(settings, translator)) as client:
        plain = client.post("/v1/documents", json={"documents": [{"id": "d", "text": text}]}).json()["documents"][0]
        lines = client.post("/v1/documents", json={"documents": [{"id": "d", "text": text}], "stream": True})
        streamed = [json.loads(line) for line in lines.text.splitlines()]
    assert without_suggestions(plain) == want
    assert [without_suggestions(line["paragraph"]) for line in streamed[:-1]] == want["paragraphs"]
    assert streamed[-1]["translation"] == want["translation"] and "\n" in want["translation"].split("\n\n")[0]


def without_suggestions(shaped: dict[str, Any]) -> dict[str, Any]:
    """A document's or paragraph's JSON form without the service's fuzzy suggestions (from the reviewed
    translations, beside each sentence: the library gives none)."""
    paragraphs = shaped.get("paragraphs", [shaped])
    for paragraph in paragraphs:
        for sentence in paragraph["sentences"]:
            assert isinstance(sentence.pop("suggestions", []), list)
    return shaped
