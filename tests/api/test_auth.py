"""API keys: with keys set, every route but the health checks needs one, the OpenAPI document and its pages
included; 401 without, 403 with a wrong one. In-process (tests/api/test_edge.py sends hostile input, key or
not, through a real uvicorn process)."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.api.conftest import App, call


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, served):  # type: ignore[no-untyped-def]
    keys_file = tmp_path_factory.mktemp("keys") / "keys.txt"
    keys_file.write_text("# one key a line\nfile-key\n", encoding="utf-8")
    server = App(served, TRANSLATOR_API_KEYS="key-one, key-two", TRANSLATOR_API_KEYS_FILE=str(keys_file))
    yield server
    server.stop()


ROUTES = [
    ("POST", "/v1/translate", {"texts": ["Halo."]}),
    ("POST", "/v1/documents", {"documents": [{"id": "a", "text": "Halo."}]}),
    ("GET", "/v1/models", None),
    ("GET", "/metrics", None),
    ("GET", "/?text=Halo.", None),  # the reader translating; the empty page is served without a key
    ("POST", "/translate", {"q": "Halo.", "source": "id", "target": "en"}),
    ("GET", "/languages", None),
    ("POST", "/detect", {"q": "Halo."}),
    ("GET", "/openapi.json", None),
    ("GET", "/docs", None),
    ("GET", "/redoc", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_missing_key_is_401_and_wrong_key_is_403(server: App, method: str, path: str, body: object) -> None:
    missing = call(server.url + path, body, method=method)
    assert missing.status == 401
    wrong = call(server.url + path, body, method=method, headers={"Authorization": "Bearer nope"})
    assert wrong.status == 403
    good = call(server.url + path, body, method=method, headers={"Authorization": "Bearer key-two"})
    assert good.status == 200
    if path in ("/translate", "/languages", "/detect"):
        assert isinstance(wrong.json()["error"], str)  # LibreTranslate's error shape
    elif path not in ("/?text=Halo.", "/docs", "/redoc"):
        assert wrong.json()["error"]["code"] == "key_invalid"
    assert "nope" not in wrong.body.decode()


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_needs_no_key(server: App, path: str) -> None:
    assert call(server.url + path).status == 200


def test_the_empty_reader_needs_no_key_to_offer_its_key_field(server: App) -> None:
    page = call(server.url + "/")
    assert page.status == 200 and 'id="api-key"' in page.body.decode()


@pytest.mark.parametrize(
    ("how", "kwargs"),
    [
        ("x-api-key header", {"headers": {"X-API-Key": "key-one"}}),
        ("keys file", {"headers": {"Authorization": "Bearer file-key"}}),
        ("json body", {"body": {"q": "Halo.", "source": "id", "target": "en", "api_key": "key-one"}}),
        (
            "form body",
            {
                "body": urllib.parse.urlencode({"q": "Halo.", "source": "id", "target": "en", "api_key": "key-one"}),
                "content_type": "application/x-www-form-urlencoded",
            },
        ),
    ],
)
def test_key_may_come_as_header_field_or_from_the_file(server: App, how: str, kwargs: dict[str, object]) -> None:
    body = kwargs.pop("body", {"q": "Halo.", "source": "id", "target": "en"})
    assert call(server.url + "/translate", body, **kwargs).status == 200, how  # type: ignore[arg-type]


def test_key_in_query_string(server: App) -> None:
    assert call(server.url + "/translate?api_key=key-one&q=Halo.&source=id&target=en", b"", method="POST").status == 200


def test_keys_never_reach_metrics(server: App) -> None:
    call(server.url + "/v1/models", headers={"Authorization": "Bearer wrong-secret"})
    text = call(server.url + "/metrics", headers={"Authorization": "Bearer key-one"}).body.decode()
    assert "key-one" not in text and "wrong-secret" not in text and "file-key" not in text


def test_docs_page_passes_its_key_to_the_schema_fetch(server: App) -> None:
    page = call(server.url + "/docs?api_key=key-one")
    assert page.status == 200 and "/openapi.json?api_key=key-one" in page.body.decode()
