"""Hostile input at the edge: unpaired surrogates, wrong types and deep nesting are 400/422 naming the field,
never 5xx; the schema nits (strict types, one too_large code, Allow, auto-detected English, docs behind
keys). In-process on the tiny model; tests/api/test_edge.py sends a sample to a real uvicorn process."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import TINY_MODEL
from translator import Translator
from translator.settings import Settings

LIBRE = ("/translate", "/detect")
DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture(scope="module")
def client(tiny: Translator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data = tmp_path_factory.mktemp("inputs")
    settings = Settings(model=str(TINY_MODEL), api_keys="", max_body_bytes=20_000, data_dir=data)
    with TestClient(create_app(settings, tiny)) as client:
        yield client


def post_json(client: TestClient, path: str, raw: str) -> Any:
    return client.post(path, content=raw.encode("utf-8", "surrogatepass"), headers={"content-type": "application/json"})


def field_error(response: Any, path: str, field: str) -> str:
    """The message of a 400 (LibreTranslate routes) or 422 (ours) that names `field`."""
    body = response.json()
    if path in LIBRE:
        assert response.status_code == 400, body
        assert body["error"].startswith(field), body
        return str(body["error"])
    assert response.status_code == 422, body
    assert body["error"]["code"] == "invalid_request" and body["error"]["field"] == field, body
    return str(body["error"]["message"])


HOSTILE = [
    ("/v1/translate", '{"texts": ["Halo.", "a\\ud800b"]}', "texts.1", "surrogate"),
    ("/v1/translate", '{"texts": ["Halo.", "a\ud800b"]}', "texts.1", "surrogate"),  # raw bytes ED A0 80
    ("/v1/documents", '{"documents": [{"id": "a", "text": "\\udfff"}], "stream": true}', "documents.0.text", "surr"),
    ("/v1/documents", '{"documents": [{"id": "\\ud800", "text": "x"}]}', "documents.0.id", "surrogate"),
    ("/translate", '{"q": "<i title=\\"\\ud800\\">x</i>", "source": "id", "target": "en", "format": "html"}', "q", "s"),
    ("/translate", '{"q": "Halo.", "source": "id", "target": "en", "api_key": "\\ud800"}', "api_key", "surrogate"),
    ("/detect", '{"q": ["a", "\\ud800"]}', "q.1", "surrogate"),
    ("/translate", '{"q": ' + DEEP + ', "source": "id", "target": "en"}', "body", "nested deeper than 8"),
    ("/detect", '{"q": ' + DEEP + "}", "body", "nested deeper than 8"),
    ("/v1/translate", '{"texts": [[[[[[[[[["a"]]]]]]]]]]}', "texts", "nested deeper than 8"),
    ("/v1/translate", '{"texts": ["a"], "options": {"beam_size": ' + "9" * 5000 + "}}", "body", "number too long"),
    ("/translate", '{"q": "a", "source": "id", "target": "en", "x": ' + "9" * 5000 + "}", "body", "number too long"),
    ("/detect", '{"q": [1, 2]}', "Invalid request: q", "must be a string or a list of strings"),
    ("/translate", '{"q": "a", "source": 1, "target": "en"}', "Invalid request: source", "valid string"),
    ("/v1/translate", '{"texts": ["Halo."], "options": {"beam_size": true}}', "options.beam_size", "valid integer"),
    ("/v1/translate", '{"texts": ["Halo."], "options": {"beam_size": "2"}}', "options.beam_size", "valid integer"),
    ("/v1/documents", '{"documents": [], "stream": 0}', "stream", "valid boolean"),
    ("/v1/documents", '{"documents": [], "stream": "yes"}', "stream", "valid boolean"),
]


@pytest.mark.parametrize(("path", "raw", "field", "problem"), HOSTILE, ids=[f"{p} {f}" for p, _, f, _ in HOSTILE])
def test_hostile_json_names_the_field(client: TestClient, path: str, raw: str, field: str, problem: str) -> None:
    assert problem in field_error(post_json(client, path, raw), path, field)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32-be", "utf-8-sig"])
def test_json_in_other_encodings_is_checked_too(client: TestClient, encoding: str) -> None:
    raw = '{"texts": ["Halo.", "a\\ud800b"]}'.encode(encoding)
    r = client.post("/v1/translate", content=raw, headers={"content-type": "application/json"})
    assert "surrogate" in field_error(r, "/v1/translate", "texts.1")


@pytest.mark.parametrize("path", ["/", "/detect"])
def test_multipart_in_a_charset_that_makes_surrogates(client: TestClient, path: str) -> None:
    name = "text" if path == "/" else "q"
    body = f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n+2AA-\r\n--b--\r\n'.encode()
    r = client.post(path, content=body, headers={"content-type": "multipart/form-data; boundary=b; charset=utf-7"})
    if path == "/":  # the reader says it on its page
        assert r.status_code == 422 and "text: unpaired surrogate U+D800" in r.text
    else:
        assert "surrogate" in field_error(r, path, name)


def test_query_strings_and_urlencoded_forms_cannot_carry_surrogates(client: TestClient) -> None:
    # percent-encoded surrogate bytes are not UTF-8: Starlette decodes them to U+FFFD, which is text
    r = client.post("/detect?q=%ED%A0%80", content=b"")
    assert r.status_code == 200
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert client.post("/detect", content=b"q=%ED%A0%80", headers=form).status_code == 200


def test_strict_types_still_accept_the_right_ones(client: TestClient) -> None:
    r = client.post("/v1/documents", json={"documents": [], "stream": False, "options": {"beam_size": 2}})
    assert r.status_code == 200 and r.json() == {"documents": []}


@pytest.mark.parametrize(("path", "status"), [("/v1/translate", 413), ("/translate", 400)])
def test_body_limit_is_one_code_declared_or_chunked_and_counted_under_the_route(
    client: TestClient, path: str, status: int
) -> None:
    counted = re.compile(rf'translator_requests_total{{method="POST",route="{path}",status="{status}"}} (\d+)')
    before = counted.search(client.get("/metrics").text)
    big = json.dumps({"texts": ["a" * 30_000], "q": "a" * 30_000}).encode()
    declared = client.post(path, content=big, headers={"content-type": "application/json"})
    json_type = {"content-type": "application/json"}
    chunked = client.post(path, content=iter([big[:10_000], big[10_000:]]), headers=json_type)
    for r in (declared, chunked):
        assert r.status_code == status
        error = r.json()["error"]
        message = error if path in LIBRE else error["message"]
        assert "TRANSLATOR_MAX_BODY_BYTES" in message
        if path not in LIBRE:
            assert error["code"] == "too_large" and error["limit"] == "max_body_bytes"
    metrics = client.get("/metrics").text
    assert int(counted.search(metrics)[1]) == (int(before[1]) if before else 0) + 2  # type: ignore[index]
    assert 'route="unmatched"' not in metrics


def test_405_allows_every_method_of_the_path(client: TestClient) -> None:
    r = client.put("/")
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
    assert client.delete("/languages").headers["allow"] == "GET, POST"
    head = client.head("/healthz")
    assert head.status_code == 405 and head.headers["allow"] == "GET"  # only what is served


def test_auto_detected_english_is_returned_unchanged(client: TestClient, pairs: list[dict[str, str]]) -> None:
    english = "I like fried rice very much."
    r = client.post("/translate", json={"q": [english, pairs[0]["source"]], "source": "auto", "target": "en"})
    assert r.status_code == 200
    assert r.json()["translatedText"] == [english, pairs[0]["target"]]
    assert [d["language"] for d in r.json()["detectedLanguage"]] == ["en", "id"]


def test_docs_and_schema_need_a_key_when_keys_are_set(tiny: Translator, tmp_path: Path) -> None:
    settings = Settings(model=str(TINY_MODEL), api_keys="k&'1", data_dir=tmp_path)
    with TestClient(create_app(settings, tiny)) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 401
            assert client.get(path, headers={"X-API-Key": "nope"}).status_code == 403
        page = client.get("/docs", params={"api_key": "k&'1"})
        assert page.status_code == 200 and "/openapi.json?api_key=k%26%271" in page.text
        assert "/openapi.json?api_key=k%26%271" in client.get("/redoc", params={"api_key": "k&'1"}).text
        schema = client.get("/openapi.json?api_key=k%26%271")
        assert schema.status_code == 200 and "/translate" in schema.json()["paths"]
        assert client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200


def test_libretranslate_bodies_are_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in LIBRE:
        content = paths[path]["post"]["requestBody"]["content"]
        for kind in ("application/json", "application/x-www-form-urlencoded"):
            assert "q" in content[kind]["schema"]["properties"]
