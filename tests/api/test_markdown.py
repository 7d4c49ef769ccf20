"""Markdown through the service: /v1/translate, /v1/documents plain and streamed, LibreTranslate's /translate
and the reader give the same English, after the same markers, as the library (tests/test_markdown.py)."""

from __future__ import annotations

import html
import json
from urllib.parse import urlencode

from tests.api.conftest import App, app_fixture, call
from tests.test_markdown import article

server = app_fixture()


def test_every_route_gives_the_english_after_the_markers(server: App, pairs: list[dict[str, str]]) -> None:
    text, english = article(pairs)
    translated = call(server.url + "/v1/translate", {"texts": [text, "- " + pairs[1]["source"]]}).json()
    assert translated["translations"] == [english, "- " + pairs[1]["target"]]
    [doc] = call(server.url + "/v1/documents", {"documents": [{"id": "a", "text": text}]}).json()["documents"]
    assert doc["translation"] == english
    assert all(text[s["start"] : s["end"]] == s["source"] for p in doc["paragraphs"] for s in p["sentences"])
    streamed = call(server.url + "/v1/documents", {"documents": [{"id": "a", "text": text}], "stream": True})
    lines = [json.loads(line) for line in streamed.body.decode().splitlines()]
    assert lines[-1]["translation"] == english
    assert [x["paragraph"] for x in lines if "paragraph" in x] == doc["paragraphs"]
    libre = call(server.url + "/translate", {"q": text, "source": "id", "target": "en"}).json()
    assert libre["translatedText"] == english
    page = call(server.url + "/", urlencode({"text": text}), content_type="application/x-www-form-urlencoded")
    assert page.status == 200
    shown = html.unescape(page.body.decode())
    for line in english.splitlines():  # the reader shows each sentence's English, emphasis marks included
        assert line.lstrip("#-*+>12.) _").rstrip("_.") in shown
