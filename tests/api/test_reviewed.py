"""Reviewed translations over HTTP (in-process, a real SQLite file in the app's data folder): saved with PUT,
forgotten with DELETE, read first by every translating route, written only by the keys allowed to."""

from __future__ import annotations

import json
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from translate.storage import tmx

from api.usage import Account
from tests.api.conftest import APPS, App, app_fixture, call

REVIEWED = "Yes indeed, she minds the stall."
EDITOR, READER = "editor-key", "reader-key"
server = app_fixture(
    keys=f"{EDITOR}\n{READER}\n",
    TRANSLATOR_REVIEWED_WRITERS=Account.of(EDITOR).id,
    TRANSLATOR_EXPRESS_TOKENS="0",
    TRANSLATOR_MAX_IMPORT_BYTES=str(1024 * 1024),
)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def save(url: str, source: str, target: str, key: str = EDITOR) -> Any:
    return call(url + "/v1/reviewed", {"source": source, "target": target}, method="PUT", headers=auth(key))


def forget(url: str, source: str, key: str = EDITOR) -> Any:
    return call(url + "/v1/reviewed", {"source": source}, method="DELETE", headers=auth(key))


def every_route(url: str, text: str, key: str = READER) -> dict[str, Any]:
    """The English of `text` by each translating route (any key reads the store)."""
    ours = call(url + "/v1/translate", {"texts": [text]}, headers=auth(key)).json()["translations"][0]
    docs = call(url + "/v1/documents", {"documents": [{"id": "a", "text": text}]}, headers=auth(key)).json()
    libre = call(url + "/translate", {"q": text, "source": "id", "target": "en", "api_key": key}).json()
    deepl = call(url + "/v2/translate", {"text": [text], "target_lang": "EN-US"}, headers=auth(key)).json()
    return {
        "translate": ours,
        "documents": docs["documents"][0]["paragraphs"][0]["sentences"][0],
        "libretranslate": libre["translatedText"],
        "deepl": deepl["translations"][0]["text"],
    }


def test_a_reviewed_sentence_comes_back_from_every_route_until_it_is_forgotten(
    server: App, pairs: list[dict[str, str]]
) -> None:
    source, machine = pairs[0]["source"], pairs[0]["target"]
    before = every_route(server.url, source)
    assert before["translate"] == machine and before["documents"]["origin"] == "model"
    typed = "  " + source.replace(" ", "   ") + " "  # the memory's normalisation: the same sentence
    r = save(server.url, typed, REVIEWED)
    assert r.status == 200, r.body
    assert r.json()["old"] is None and r.json()["who"] == Account.of(EDITOR).id
    after = every_route(server.url, source)
    assert [after["translate"], after["libretranslate"], after["deepl"]] == [REVIEWED] * 3
    sentence = after["documents"]
    assert sentence["target"] == REVIEWED and sentence["origin"] == "reviewed"
    assert sentence["flags"] == [] and sentence["confidence"] is None and sentence["terms"] == []
    assert forget(server.url, source).json()["old"] == REVIEWED
    again = every_route(server.url, source)
    assert again["translate"] == machine and again["documents"]["origin"] == "model"


def test_only_the_listed_keys_write_and_the_rest_get_403(server: App, pairs: list[dict[str, str]]) -> None:
    source = pairs[1]["source"]
    assert call(server.url + "/v1/usage", headers=auth(EDITOR)).json()["key_id"] == Account.of(EDITOR).id
    refused = save(server.url, source, "Not mine to write.", key=READER)
    assert refused.status == 403 and refused.json()["error"]["code"] == "not_a_reviewer"
    assert forget(server.url, source, key=READER).status == 403
    assert call(server.url + "/v1/reviewed", {"source": source, "target": "x"}, method="PUT").status == 401
    assert every_route(server.url, source)["translate"] == pairs[1]["target"]


def test_a_blank_sentence_or_english_is_a_422_naming_the_field(server: App) -> None:
    for body in ({"source": " \n", "target": "x"}, {"source": "Ada.", "target": "  "}, {"source": "Ada."}):
        r = call(server.url + "/v1/reviewed", body, method="PUT", headers=auth(EDITOR))
        assert r.status == 422, (body, r.body)


def test_a_control_character_is_refused_as_postgresql_and_tmx_cannot_hold_it(server: App) -> None:
    """NUL in a reviewed sentence or its English was a 500 on PostgreSQL ("text fields cannot contain NUL"):
    a 422 naming the field over PUT, and a skipped unit with its reason in an import."""
    for body in ({"source": "Saya\x00 makan.", "target": "I eat."}, {"source": "Saya makan.", "target": "I\x07 eat."}):
        r = call(server.url + "/v1/reviewed", body, method="PUT", headers=auth(EDITOR))
        assert r.status == 422 and "U+00" in r.body.decode(), (body, r.body)
    data = b"Kontrol\x00 satu.\tControl one.\nKontrol dua.\tControl two.\n"
    r = APPS[server.url].post("/v1/reviewed/import", files={"file": ("c.tsv", data)}, headers=auth(EDITOR))
    assert r.status_code == 200, r.text
    assert (r.json()["added"], r.json()["skipped"]) == (1, 1) and "line 1" in r.text and "control character" in r.text


def test_import_over_http_counts_and_export_gives_tmx_back(server: App) -> None:
    from tests.test_exchange import BAD, toolkit_tmx

    client = APPS[server.url]
    data = toolkit_tmx([("Impor satu.", "Import one."), ("Impor dua.", "Import two.")])
    r = client.post("/v1/reviewed/import", files={"file": ("news.tmx", data)}, headers=auth(EDITOR))
    assert r.status_code == 200, r.text
    assert (r.json()["added"], r.json()["updated"], r.json()["skipped"]) == (2, 0, 0)
    refused = client.post("/v1/reviewed/import", files={"file": ("x.tmx", data)}, headers=auth(READER))
    assert refused.status_code == 403
    for case, (bad, message) in BAD.items():
        r = client.post("/v1/reviewed/import", files={"file": ("bad.tmx", bad)}, headers=auth(EDITOR))
        assert r.status_code == 400 and message in r.json()["error"]["message"], case
    huge = client.post("/v1/reviewed/import", files={"file": ("big.tsv", b"a\tb\n" * 300_000)}, headers=auth(EDITOR))
    assert huge.status_code == 413, huge.text
    exported = client.get("/v1/reviewed/export", headers=auth(READER))
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/x-tmx+xml")
    units = {(u.source, u.target) for u in tmx.tmxfile(exported.content).units}
    assert {("Impor satu.", "Import one."), ("Impor dua.", "Import two.")} <= units


def test_documents_carry_fuzzy_suggestions_never_applied_and_weblate_reads_them(
    server: App, pairs: list[dict[str, str]]
) -> None:
    source = pairs[5]["source"]
    near = source.replace(source.split()[-1], "berbeda.")  # its last word changed
    assert save(server.url, near, "A reviewed neighbour.").status == 200
    body = {"documents": [{"id": "a", "text": source}]}
    whole = call(server.url + "/v1/documents", body, headers=auth(READER)).json()
    (sentence,) = whole["documents"][0]["paragraphs"][0]["sentences"]
    assert sentence["target"] == pairs[5]["target"] and sentence["origin"] == "model"  # not applied
    (suggestion,) = sentence["suggestions"]
    assert suggestion["source"] == near and suggestion["target"] == "A reviewed neighbour."
    assert 75 <= suggestion["score"] < 100
    streamed = call(server.url + "/v1/documents", {**body, "stream": True}, headers=auth(READER))
    lines = [json.loads(line) for line in streamed.body.decode().splitlines()]
    assert [line["paragraph"] for line in lines if "paragraph" in line] == whole["documents"][0]["paragraphs"]

    unit = call(server.url + "/tmserver/id/en/unit/" + urllib.parse.quote(source), headers=auth(READER))
    assert unit.json() == [{"source": near, "target": "A reviewed neighbour.", "quality": suggestion["score"]}]
    exact = call(server.url + "/tmserver/id/en_US/unit/" + urllib.parse.quote(near), headers=auth(READER)).json()
    assert exact[0] == {"source": near, "target": "A reviewed neighbour.", "quality": 100.0}
    assert call(server.url + "/tmserver/de/en/unit/Hallo", headers=auth(READER)).json() == []
    languages = call(server.url + "/tmserver/languages/", headers=auth(READER)).json()
    assert languages == {"sourceLanguages": ["id"], "targetLanguages": ["en"]}
    reviewed_one = call(server.url + "/v1/documents", {"documents": [{"id": "b", "text": near}]}, headers=auth(READER))
    assert "suggestions" not in reviewed_one.json()["documents"][0]["paragraphs"][0]["sentences"][0]


def test_32_clients_saving_while_32_translate_lose_no_write_and_see_no_5xx(
    server: App, pairs: list[dict[str, str]]
) -> None:
    sentences = [p["source"] for p in pairs[10:18]]
    saved: dict[str, set[str]] = {s: set() for s in sentences}
    start = threading.Barrier(64)

    def writer(n: int) -> list[int]:
        start.wait()
        statuses = []
        for round_ in range(3):
            sentence = sentences[(n + round_) % len(sentences)]
            english = f"Correction {n}.{round_}"
            saved[sentence].add(english)
            statuses.append(save(server.url, sentence, english).status)
        return statuses

    def reader(n: int) -> list[int]:
        start.wait()
        statuses = []
        for round_ in range(3):
            text = " ".join(sentences[(n + round_) % 8 : (n + round_) % 8 + 3])
            r = call(server.url + "/v1/translate", {"texts": [text]}, headers=auth(READER))
            statuses.append(r.status)
            if r.status == 200:
                english = r.json()["translations"][0]
                assert english  # machine or reviewed English, whole
        return statuses

    with ThreadPoolExecutor(64) as pool:
        futures = [pool.submit(writer, n) for n in range(32)] + [pool.submit(reader, n) for n in range(32)]
        statuses = [s for f in futures for s in f.result()]
    assert set(statuses) == {200}, sorted(set(statuses))
    store = server.app.state.reviewed
    for sentence in sentences:
        history = store.history(sentence)
        assert {c.new for c in history} == saved[sentence]  # every write is in the history
        assert [c.old for c in history[1:]] == [c.new for c in history[:-1]]  # each saw the one before it
        assert store.english([sentence]) == [history[-1].new]  # the last write won
    assert sum(len(store.history(s)) for s in sentences) == 96
    for sentence in sentences:
        forget(server.url, sentence)
