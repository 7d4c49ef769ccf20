"""LibreTranslate compatibility: the real PyPI clients against a real server; the routes' shapes in-process."""

from __future__ import annotations

import urllib.parse

import pytest
from deep_translator import LibreTranslator
from libretranslatepy import LibreTranslateAPI

from tests.api.conftest import App, Server, app_fixture, call

server = app_fixture(TRANSLATOR_MAX_TEXTS="8")  # the PyPI clients, which speak HTTP themselves, use `live`


def ours(server: App | Server, texts: list[str]) -> list[str]:
    r = call(server.url + "/v1/translate", {"texts": texts})
    assert r.status == 200
    return list(r.json()["translations"])


def test_libretranslatepy_translate_languages_detect(live: Server, pairs: list[dict[str, str]]) -> None:
    client = LibreTranslateAPI(live.url)
    texts = [pairs[0]["source"], pairs[1]["source"] + " " + pairs[2]["source"]]
    assert [client.translate(t, "id", "en") for t in texts] == ours(live, texts)
    assert client.translate(pairs[3]["source"], "auto", "en") == pairs[3]["target"]
    codes = {lang["code"]: lang for lang in client.languages()}
    assert codes["id"]["targets"] == ["en"]
    [best, other] = client.detect("Saya sedang makan nasi goreng di rumah bersama keluarga saya.")
    assert best["language"] == "id" and 50 < best["confidence"] <= 100
    assert other["language"] == "en" and best["confidence"] + other["confidence"] == pytest.approx(100)
    [english, _] = client.detect("I am eating fried rice at home with my family.")
    assert english["language"] == "en"


def test_deep_translator_translate_and_batch(live: Server, pairs: list[dict[str, str]]) -> None:
    client = LibreTranslator(source="id", target="en", api_key="unused", custom_url=live.url + "/")
    texts = [pairs[4]["source"], pairs[5]["source"], pairs[6]["source"]]
    assert client.translate(texts[0]) == ours(live, texts[:1])[0]
    assert client.translate_batch(texts) == ours(live, texts)


def test_json_form_and_query_string_and_lists(server: App, pairs: list[dict[str, str]]) -> None:
    q = [pairs[7]["source"], pairs[8]["source"]]
    expected = [pairs[7]["target"], pairs[8]["target"]]
    as_json = call(server.url + "/translate", {"q": q, "source": "id", "target": "en"}).json()
    assert as_json == {"translatedText": expected}
    form = urllib.parse.urlencode({"q": q[0], "source": "auto", "target": "en"})
    as_form = call(server.url + "/translate", form, content_type="application/x-www-form-urlencoded").json()
    assert as_form["translatedText"] == expected[0]
    assert as_form["detectedLanguage"]["language"] == "id"
    query = urllib.parse.urlencode({"q": q[1], "source": "id", "target": "en"})
    as_query = call(server.url + "/translate?" + query, b"", method="POST").json()
    assert as_query == {"translatedText": expected[1]}
    auto_list = call(server.url + "/translate", {"q": q, "source": "auto", "target": "en"}).json()
    assert [d["language"] for d in auto_list["detectedLanguage"]] == ["id", "id"]


def test_html_keeps_tags_and_translates_text_nodes(server: App, pairs: list[dict[str, str]]) -> None:
    html = (
        f"<div class=\"a\"><p>{pairs[9]['source']}</p>\n<p data-x='1'>{pairs[10]['source']}<br/></p>"
        "<script>var x = 'Iya benar';</script><!-- komentar --></div>"
    )
    got = call(server.url + "/translate", {"q": html, "source": "id", "target": "en", "format": "html"}).json()
    assert got["translatedText"] == (
        f'<div class="a"><p>{pairs[9]["target"]}</p>\n'
        f"<p data-x='1'>{pairs[10]['target'].replace('&', '&amp;')}<br/></p>"
        "<script>var x = 'Iya benar';</script><!-- komentar --></div>"
    )


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"source": "id", "target": "en"}, "missing q parameter"),
        ({"q": "a", "target": "en"}, "missing source parameter"),
        ({"q": "a", "source": "id"}, "missing target parameter"),
        ({"q": "a", "source": "fr", "target": "en"}, "fr is not supported"),
        ({"q": "a", "source": "id", "target": "de"}, "de is not supported"),
        ({"q": "a", "source": "id", "target": "en", "format": "pdf"}, "pdf format is not supported"),
        ({"q": ["a"] * 9, "source": "id", "target": "en"}, "over the limit of 8"),
        ({"q": [1], "source": "id", "target": "en"}, "q: must be a string or a list of strings"),
    ],
)
def test_errors_in_libretranslate_shape(server: App, body: dict[str, object], fragment: str) -> None:
    r = call(server.url + "/translate", body)
    assert r.status == 400
    assert fragment in r.json()["error"]


def test_languages_by_post_and_detect_needs_q(server: App) -> None:
    assert call(server.url + "/languages", b"", method="POST").status == 200
    r = call(server.url + "/detect", {})
    assert r.status == 400 and "missing q" in r.json()["error"]
