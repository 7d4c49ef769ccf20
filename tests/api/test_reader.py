"""The reader: the page, its stream and its errors in-process; then one headless chromium against the app
served in a thread (`Hosted`), at 1280 and 390 px: rows aligned, the views, the keyboard, the flags, the
stream's progress and cancel, errors on the page and the key field. Screenshots go to $READER_SCREENSHOTS
(else a pytest temporary folder; the path is printed)."""

from __future__ import annotations

import io
import json
import os
import re
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from urllib3 import encode_multipart_formdata

from api.batcher import QueueFull
from tests.api.conftest import App, Hosted, app_fixture, call, settings_of
from translator import Translator, TranslatorConfig
from translator.quality import MEANINGS
from translator.writers import page as pages
from translator.writers.base import Finished

server = app_fixture()
tight = app_fixture(TRANSLATOR_MAX_TEXT_CHARS="80", TRANSLATOR_MAX_BODY_BYTES="4096")
slow = app_fixture(TRANSLATOR_REQUEST_TIMEOUT_S="0.000001")
keyed = app_fixture(TRANSLATOR_API_KEYS="sesame")
INJECTION = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
STREAM = {"Accept": "application/x-ndjson"}
FORM = "application/x-www-form-urlencoded"
LONG = " ".join(["kata"] * 300)  # one sentence over the model's length: cut, and split


def form(**fields: str) -> str:
    return urllib.parse.urlencode(fields)


def lines(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.decode().splitlines()]


def test_get_with_text_renders_a_row_per_sentence_pair_and_escapes(server: App, pairs: list[dict[str, str]]) -> None:
    text = pairs[0]["source"] + pairs[1]["source"] + "\n\n" + pairs[2]["source"] + " " + INJECTION
    r = call(server.url + "/?" + urllib.parse.urlencode({"text": text}))
    assert r.status == 200
    page = r.body.decode()
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert str(escape(INJECTION)) in page  # shown as text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert page.count('<section class="para"') == 2
    for i, sid in enumerate(["p0s0", "p0s1", "p1s0"]):
        row = re.search(rf'<span class="pair[^"]*" id="{sid}" tabindex="0">(.*?)</a></span>\n</span>', page, re.DOTALL)
        assert row, sid
        assert f'<span class="src" lang="id"><span class="said">{escape(pairs[i]["source"])}</span>' in row[1]
        assert f'<span class="text">{escape(pairs[i]["target"])}</span>' in row[1]
        assert f'href="#{sid}"' in row[1]
    assert "tiny-id-en@" in page and " ·  · " not in page


def test_flags_are_marked_named_and_summed_up(server: App, pairs: list[dict[str, str]]) -> None:
    text = pairs[0]["source"] + " " + LONG + "."
    [doc] = call(server.url + "/v1/documents", {"documents": [{"id": "x", "text": text}]}).json()["documents"]
    counts = doc["summary"]["flags"]
    assert counts, "the long sentence should be flagged"
    page = call(server.url + "/", form(text=text), content_type=FORM).body.decode()
    flagged = sum(1 for p in doc["paragraphs"] for s in p["sentences"] if s["flags"])
    listed = ", ".join(f"{name} {n}" for name, n in counts.items())
    assert f'<summary class="summary">{flagged} of 2 sentences flagged: {listed}</summary>' in page
    for name in counts:
        assert f'<mark class="flag" title="{escape(MEANINGS[name])}">{name}</mark>' in page  # the name, visible
        assert f"<dd>{escape(MEANINGS[name])}</dd>" in page  # and in the legend
    assert page.count("<dt>") == len(counts)


def test_one_sentence_is_one_sentence(server: App, pairs: list[dict[str, str]]) -> None:
    page = call(server.url + "/", form(text=pairs[0]["source"]), content_type=FORM).body.decode()
    assert '<p class="summary">1 sentence, none flagged</p>' in page and 'class="legend"' not in page


def test_the_stream_sends_the_frame_each_paragraph_and_the_summary_as_the_page_renders_them(
    server: App, pairs: list[dict[str, str]]
) -> None:
    text = "\n\n".join(p["source"] for p in pairs[3:6])
    records = lines(call(server.url + "/", form(text=text), content_type=FORM, headers=STREAM).body)
    whole = call(server.url + "/", form(text=text), content_type=FORM).body.decode()
    assert records[0]["paragraphs"] == 3 and '<div class="pairs"' in records[0]["html"]
    assert [r["paragraph"] for r in records[1:4]] == [0, 1, 2]
    for r in records[1:4]:
        assert r["html"] in whole  # one template: a streamed paragraph is the page's paragraph
    assert records[4]["done"] is True and records[4]["html"].strip() in whole
    assert len(records) == 5


SHAPES = ["page", "stream"]


def refused(app: App, shape: str, body: bytes | str, content_type: str = FORM, **headers: str) -> tuple[int, str]:
    r = call(
        app.url + "/", body, content_type=content_type, headers={**headers, **(STREAM if shape == "stream" else {})}
    )
    if shape == "stream":
        [said] = [record["error"] for record in lines(r.body) if "error" in record]
        return r.status, said
    page = r.body.decode()
    found = re.search(r'<p id="error" class="error" role="alert">(.*?)</p>', page, re.DOTALL)
    assert found and r.headers["content-type"].startswith("text/html"), page[:300]
    return r.status, found[1]


def upload(data: bytes, name: str = "berita.txt") -> tuple[bytes, str]:
    body = (
        f'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\nContent-Type: text/plain\r\n\r\n'
    ).encode()
    return body + data + b"\r\n--XyZ--\r\n", "multipart/form-data; boundary=XyZ"


@pytest.mark.parametrize("shape", SHAPES)
def test_errors_are_sentences_on_the_page(shape: str, tight: App, slow: App, monkeypatch: pytest.MonkeyPatch) -> None:
    assert refused(tight, shape, form(text="  \n ")) == (
        400,
        "There is nothing to translate: paste Indonesian text or choose a text file.",
    )
    status, said = refused(tight, shape, *upload(b"\xff\xfe\x00abc"))
    assert status == 400 and said.startswith("berita.txt is not UTF-8 text")
    status, said = refused(tight, shape, form(text="kata " * 20))
    assert status == 413 and said == "The text has 100 characters; this server translates at most 80 at once."
    status, said = refused(tight, shape, *upload(b"kata " * 1000))
    assert status == 413 and "(4,096 bytes)" in said
    status, said = refused(slow, shape, form(text="Saya suka makan nasi goreng."))
    assert status == (200 if shape == "stream" else 504)  # a stream has begun when its deadline passes
    assert said.startswith("The translation took longer than this server allows")

    def full(*args: object) -> None:
        raise QueueFull(retry_after_s=7)

    monkeypatch.setattr(tight.app.state.service.batcher, "submit", full)
    r = call(tight.url + "/", form(text="Halo."), content_type=FORM, headers=STREAM if shape == "stream" else {})
    assert r.status == 503 and r.headers["retry-after"] == "7"
    assert "busy with other translations: try again in 7 s" in r.body.decode()


def test_a_file_is_translated(server: App, pairs: list[dict[str, str]]) -> None:
    body, content_type = upload(pairs[3]["source"].encode("utf-8-sig"))
    ok = call(server.url + "/", body, content_type=content_type)
    assert ok.status == 200 and f'<span class="text">{escape(pairs[3]["target"])}</span>' in ok.body.decode()


@pytest.mark.parametrize("shape", SHAPES)
def test_with_keys_the_page_asks_for_one(shape: str, keyed: App, pairs: list[dict[str, str]]) -> None:
    empty = call(keyed.url + "/")
    assert empty.status == 200 and 'id="api-key"' in empty.body.decode()  # the page, to enter a key in
    text = form(text=pairs[0]["source"])
    assert refused(keyed, shape, text) == (
        401,
        "This server needs an API key to translate: enter yours in the key field.",
    )
    assert refused(keyed, shape, text, **{"X-API-Key": "nope"}) == (
        403,
        "That API key is not valid: check it and try again.",
    )
    headers = {"X-API-Key": "sesame", **(STREAM if shape == "stream" else {})}
    good = call(keyed.url + "/", text, content_type=FORM, headers=headers)
    assert good.status == 200 and str(escape(pairs[0]["target"])) in good.body.decode()
    as_field = call(keyed.url + "/", form(text=pairs[0]["source"], api_key="sesame"), content_type=FORM)
    assert as_field.status == 200  # the form's own field, for a browser without script


@pytest.fixture(scope="module")
def metered(served: Callable[[TranslatorConfig], Translator]) -> Iterator[App]:
    """Keys with limits: 40 characters a month, and one request in 100 s (no refill between two requests)."""
    app = App(served, keys="small 40\n" + "".join(f"slow-{shape} 1000000 0.01\n" for shape in SHAPES))
    yield app
    app.stop()


@pytest.mark.parametrize("shape", SHAPES)
def test_a_key_over_its_limits_is_told_so(shape: str, metered: App, pairs: list[dict[str, str]]) -> None:
    status, said = refused(metered, shape, form(text=pairs[1]["source"]), **{"X-API-Key": "small"})
    assert status == 429 and said.startswith("This text would take the key over its 40 characters a month")
    slow = {"X-API-Key": f"slow-{shape}", **(STREAM if shape == "stream" else {})}
    first = call(metered.url + "/", form(text=pairs[0]["source"]), content_type=FORM, headers=slow)
    assert first.status == 200
    status, said = refused(metered, shape, form(text=pairs[0]["source"]), **{"X-API-Key": f"slow-{shape}"})
    assert status == 429 and said.startswith("Too many translations with this key just now: try again in ")


def test_the_archive_page_and_the_reader_render_a_document_alike(
    server: App, served: Callable[[TranslatorConfig], Translator], pairs: list[dict[str, str]]
) -> None:
    text = pairs[0]["source"] + "\n\n" + pairs[1]["source"]
    reader = call(server.url + "/", form(text=text), content_type=FORM).body.decode()
    archived = pages.document(served(server.settings.translator_config()).translate_document(text, doc_id="a"), {})
    sections = [re.findall(r'<section class="para".*?</section>', html, re.DOTALL) for html in (reader, archived)]
    assert len(sections[0]) == 2 and sections[0] == sections[1]


def markdown(pairs: list[dict[str, str]]) -> str:
    """A heading, a paragraph, a bulleted and a numbered list and a quote: p0 to p4."""
    return (
        f"# {pairs[2]['source']}\n\n{pairs[0]['source']} {pairs[1]['source']}\n\n- {pairs[5]['source']}\n"
        f"- {pairs[6]['source']}\n\n1. {pairs[7]['source']}\n2. {pairs[8]['source']}\n\n> {pairs[9]['source']}"
    )


def test_markdown_keeps_its_structure_and_no_marker_is_in_the_text(server: App, pairs: list[dict[str, str]]) -> None:
    page = call(server.url + "/?" + urllib.parse.urlencode({"text": markdown(pairs)})).body.decode()
    blocks = {
        kind: re.findall(rf'<{kind} class="block">(.*?)</{kind}>', page, re.DOTALL)
        for kind in ("h2", "p", "ul", "ol", "blockquote")
    }
    assert [re.findall(r'id="(p\d+s\d+)"', b) for b in blocks["h2"]] == [["p0s0"]]
    assert [re.findall(r'id="(p\d+s\d+)"', b) for b in blocks["p"]] == [["p1s0", "p1s1"]]
    [bullets] = blocks["ul"]
    assert re.findall(r'<li><span class="pair[^"]*" id="(p2s\d)"', bullets) == ["p2s0", "p2s1"]
    assert bullets.count('<span class="src" lang="id" data-mark="•">') == 2
    [numbered] = blocks["ol"]
    assert re.findall(r'<li value="(\d)"><span class="pair[^"]*" id="(p3s\d)"', numbered) == [
        ("1", "p3s0"),
        ("2", "p3s1"),
    ]
    assert 'data-mark="2."' in numbered
    assert [re.findall(r'id="(p\d+s\d+)"', b) for b in blocks["blockquote"]] == [["p4s0"]]
    texts = re.findall(r'<span class="(?:said|text)">(.*?)</span>', page)
    assert len(texts) == 2 * 8 and not any(t.startswith(("#", "-", "1.", "2.", "&gt;")) for t in texts)
    assert 'href="#p0s0" aria-label="Link to sentence p0s0"></a>' in page  # the link: no "#" in the text


def test_download_writes_the_document_with_its_edits(server: App, pairs: list[dict[str, str]]) -> None:
    text = pairs[0]["source"] + " " + pairs[1]["source"]
    [doc] = call(server.url + "/v1/documents", {"documents": [{"id": "berita/1", "text": text}]}).json()["documents"]
    edited = {"p0s1": {"target": "A person's English & more.", "origin": "reviewed"}}
    for fmt, suffix, escaped in [("html", ".html", "&amp;"), ("tmx", ".tmx", "&amp;"), ("xliff", ".xlf", "&amp;")]:
        r = call(server.url + "/download", {"document": doc, "format": fmt, "edited": edited})
        assert r.status == 200, r.body[:300]
        assert r.headers["content-disposition"] == f'attachment; filename="berita-1{suffix}"'
        body = r.body.decode().replace("&#39;", "'").replace("&apos;", "'")  # an apostrophe, as each writes it
        assert f"A person's English {escaped} more." in body
        assert str(escape(pairs[0]["target"])).replace("&#39;", "'") in body
        assert pairs[1]["target"] not in body
    page = call(server.url + "/download", {"document": doc, "format": "html", "edited": edited}).body.decode()
    assert re.search(r'<span class="pair reviewed" id="p0s1"', page) and 'class="reviewed-mark"' in page
    plain = call(server.url + "/download", {"document": doc, "format": "tmx"})
    assert plain.status == 200 and pairs[1]["target"] in plain.body.decode()
    for bad in [{"document": {"id": "x"}, "format": "tmx"}, {"document": doc, "format": "pdf"}, [1, 2]]:
        r = call(server.url + "/download", bad)
        assert r.status == 400 and "cannot write the download" in r.body.decode(), r.body
    assert call(server.url + "/download", b"{not json").status == 400


def test_download_refuses_an_edit_whose_english_is_not_a_string(server: App, pairs: list[dict[str, str]]) -> None:
    """null or a number as the edited English was written as the words "None" or "5": a 400 instead."""
    [doc] = call(server.url + "/v1/documents", {"documents": [{"id": "d", "text": pairs[0]["source"]}]}).json()[
        "documents"
    ]
    for target in (None, 5, ["x"], {"a": 1}):
        r = call(server.url + "/download", {"document": doc, "format": "tmx", "edited": {"p0s0": {"target": target}}})
        assert r.status == 400 and "cannot write the download" in r.body.decode(), (target, r.body[:300])


def test_reviewed_suggestions_are_offered_beside_the_english_never_applied(
    served: Callable[[TranslatorConfig], Translator], pairs: list[dict[str, str]]
) -> None:
    server = App(served)  # the newest app's reviewed store is the one the session's shared model reads
    try:
        offered_beside_the_english(server, pairs)
    finally:
        server.stop()


def offered_beside_the_english(server: App, pairs: list[dict[str, str]]) -> None:
    near = pairs[3]["source"].replace("karena", "sebab")  # one word apart: a fuzzy match, not an exact one
    assert near != pairs[3]["source"]
    saved = call(server.url + "/v1/reviewed", {"source": near, "target": "A reviewed English."}, method="PUT")
    assert saved.status == 200, saved.body
    for shape in SHAPES:
        r = call(
            server.url + "/",
            form(text=pairs[3]["source"]),
            content_type=FORM,
            headers=STREAM if shape == "stream" else {},
        )
        page = r.body.decode() if shape == "page" else "".join(line.get("html", "") for line in lines(r.body))
        assert f'<span class="text">{escape(pairs[3]["target"])}</span>' in page  # the machine's English stays
        button = r'<button type="button" class="suggestion" title="([^"]*)" data-target="(.*?)">\2</button>'
        offered = re.search(button, page)
        assert offered and offered[2] == "A reviewed English." and offered[1].startswith(str(escape(near)))
        assert re.fullmatch(r".* \(\d\d% alike\)", offered[1]), offered[1]
    exact = call(server.url + "/?" + urllib.parse.urlencode({"text": near})).body.decode()
    assert 'class="suggestion"' not in exact and '<span class="pair reviewed" id="p0s0"' in exact


def test_terms_confidence_and_reviewed_are_marked(served: Callable[[TranslatorConfig], Translator]) -> None:
    from dataclasses import replace

    from translator.types import Term

    doc = served(settings_of().translator_config()).translate_document("Kata satu. Kata dua.", doc_id="x")
    [first, second] = doc.sentences
    terms = (Term(0, 4, "Word", "applied", 0, 4), Term(5, 9, "one", "missing"))
    marked = replace(first, target="Word first <b>", terms=terms, flags=("low_confidence",), confidence=0.123)
    reviewed = replace(second, target="Second.", origin="reviewed", flags=())
    html = pages.document(replace(doc, paragraphs=(replace(doc.paragraphs[0], sentences=(marked, reviewed)),)), {})
    applied = '<mark class="term applied" title="glossary: Word (applied by the glossary)">'
    missing = '<mark class="term missing" title="glossary: one (missing from the English)">'
    assert f'<span class="said">{applied}Kata</mark> {missing}satu</mark>.</span>' in html  # both sides
    assert f'<span class="text">{applied}Word</mark> first &lt;b&gt;</span>' in html
    assert 'class="pair flagged unsure" id="p0s0"' in html and 'title="the model\'s confidence: 0.12"' in html.replace(
        "&#39;", "'"
    )
    assert 'class="pair reviewed" id="p0s1"' in html and '<span class="reviewed-mark" title="reviewed: a person' in html
    assert "; 1 reviewed</summary>" in html


# ---- one real browser -------------------------------------------------------------------------------------


def subtitles(pairs: list[dict[str, str]]) -> str:
    return "".join(f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i},900\n{pairs[20 + i]['source']}\n\n" for i in range(3))


@pytest.mark.parametrize("shape", SHAPES)
def test_the_file_tab_shows_a_document_side_by_side_and_links_its_translation(
    shape: str, server: App, pairs: list[dict[str, str]]
) -> None:
    cues = subtitles(pairs)
    before = call(server.url + "/v1/usage").json()["characters"]
    body, content_type = encode_multipart_formdata({"document": ("film.srt", cues.encode())})
    r = call(server.url + "/", body, content_type=content_type, headers=STREAM if shape == "stream" else {})
    assert r.status == 200
    page = r.body.decode() if shape == "page" else "".join(line.get("html", "") for line in lines(r.body))
    for i in range(3):
        assert f'<span class="text">{escape(pairs[20 + i]["target"])}</span>' in page
    if shape == "page":
        link = re.search(r'<p id="download"><a href="([^"]+)" download>Download film.srt in English</a>', page)
        assert link, page
        url = link[1]
    else:
        first = lines(r.body)[0]
        assert first["name"] == "film.srt"
        url = first["download"]
    got = call(server.url + url.removeprefix("http://testserver"))
    assert got.status == 200 and "film.srt" in got.headers["content-disposition"]
    blocks = [block.split("\n") for block in got.body.decode().strip().split("\n\n")]
    assert [b[:2] for b in blocks] == [c.split("\n")[:2] for c in cues.strip().split("\n\n")]
    assert [" ".join(b[2:]) for b in blocks] == [pairs[20 + i]["target"] for i in range(3)]
    spent = sum(len(pairs[20 + i]["source"]) for i in range(3))
    assert call(server.url + "/v1/usage").json()["characters"] == before + spent  # once, by the job
    bad, content_type = encode_multipart_formdata({"document": ("scan.pdf", b"%PDF-1.4")})
    refused = call(server.url + "/", bad, content_type=content_type, headers=STREAM if shape == "stream" else {})
    assert refused.status == 400 and "cannot translate .pdf" in refused.body.decode()


class Gate:
    """The session's translator, its model calls held at a gate: `allow(n)` lets n more through, then holds
    the next until told; `allow(None)` opens it."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator
        self.passes: int | None = None
        self.changed = threading.Condition()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.translator, name)

    def decode(self, rows: Any, options: Any = None) -> Any:
        with self.changed:
            if not self.changed.wait_for(lambda: self.passes is None or self.passes > 0, timeout=120):
                raise RuntimeError("the gate stayed shut")
            if self.passes is not None:
                self.passes -= 1
        return self.translator.decode(rows, options)

    def allow(self, calls: int | None) -> None:
        with self.changed:
            self.passes = calls
            self.changed.notify_all()


@pytest.fixture(scope="module")
def gate(served: Callable[[TranslatorConfig], Translator]) -> Gate:
    return Gate(served(settings_of().translator_config()))


@pytest.fixture(scope="module")
def site(gate: Gate) -> Iterator[Hosted]:
    """One model call a piece (the batch budget of one token), so that paragraphs arrive one by one."""
    hosted = Hosted(gate, TRANSLATOR_BATCH_TOKENS="1", TRANSLATOR_EXPRESS_TOKENS="0")  # type: ignore[arg-type]
    yield hosted
    gate.allow(None)
    hosted.stop()


@pytest.fixture(scope="module")
def locked_site(served: Callable[[TranslatorConfig], Translator]) -> Iterator[Hosted]:
    hosted = Hosted(served(settings_of().translator_config()), TRANSLATOR_API_KEYS="sesame")
    yield hosted
    hosted.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    folder = Path(os.environ.get("READER_SCREENSHOTS") or tmp_path_factory.mktemp("reader-screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    reporter = pytestconfig.pluginmanager.getplugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"reader screenshots: {folder}")
    return folder


class Page:
    """The browser on one of the hosted apps, with the waits and measures the tests share."""

    def __init__(self, browser: Any, url: str, shots: Path) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.b, self.url, self.shots = browser, url, shots
        self.wait = WebDriverWait(browser, 60)  # generous: two cores, shared

    def open(self, path: str = "/", width: int = 1280, fresh: bool = True) -> None:
        if width < 700:
            self.b.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": 844, "deviceScaleFactor": 2, "mobile": True},
            )
        else:
            self.b.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            self.b.set_window_size(width, 900)
        self.b.get(self.url + path)
        if fresh:
            self.b.execute_script("localStorage.clear(); sessionStorage.clear()")
            self.b.get(self.url + path)
        self.wait.until(lambda b: b.execute_script("return document.readyState") == "complete")

    def js(self, script: str, *args: Any) -> Any:
        return self.b.execute_script(script, *args)

    def by_id(self, element_id: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.b.find_element(By.ID, element_id)

    def all(self, css: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.b.find_elements(By.CSS_SELECTOR, css))

    def submit(self, text: str) -> None:
        self.js("document.getElementById('text').value = arguments[0]", text)
        self.by_id("submit").click()

    def finished(self) -> None:
        self.wait.until(lambda b: self.all(".outcome .summary") or self.by_id("error").is_displayed())

    def error(self) -> str:
        self.wait.until(lambda b: self.by_id("error").is_displayed())
        return str(self.by_id("error").text)

    def shot(self, name: str) -> None:
        path = self.shots / f"{name}.png"
        assert self.b.save_screenshot(str(path)) and path.stat().st_size > 1000

    def boxes(self, pair: str) -> tuple[dict[str, float], dict[str, float]]:
        return tuple(self.js("return arguments[0].getBoundingClientRect().toJSON()", e) for e in self.parts(pair))  # type: ignore[return-value]

    def parts(self, pair: str) -> list[Any]:
        return [self.b.find_element("css selector", f"#{pair} > .{side}") for side in ("src", "tgt")]


TEXT_HEIGHT = (  # the height of an element's text, not of its box (a grid row stretches both sides' boxes)
    "var r = document.createRange(); r.selectNodeContents(arguments[0]); return r.getBoundingClientRect().height"
)


def article(pairs: list[dict[str, str]]) -> tuple[str, list[str]]:
    """Two paragraphs of pairs whose Indonesian and English differ in length, the injection in the second."""
    text = " ".join(p["source"] for p in pairs[16:19]) + "\n\n" + pairs[22]["source"] + " " + INJECTION
    return text, ["p0s0", "p0s1", "p0s2", "p1s0", "p1s1"]


def test_side_by_side_rows_align_and_the_views_switch(
    browser: Any, site: Hosted, shots: Path, pairs: list[dict[str, str]]
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    page = Page(browser, site.url, shots)
    page.open()
    text, ids = article(pairs)
    page.submit(text)
    page.finished()
    assert page.js("return document.documentElement.dataset.view") == "side"
    assert len(page.all(".para")) == 2
    heights = []
    for pair in ids:
        src, tgt = page.boxes(pair)
        assert abs(src["top"] - tgt["top"]) <= 3, (pair, src, tgt)  # the row's two sides start together
        assert tgt["left"] >= src["right"], pair  # side by side
        heights.append([page.js(TEXT_HEIGHT, part) for part in page.parts(pair)])
    assert any(abs(s - t) > 5 for s, t in heights), "no row tested alignment across texts of unequal heights"
    assert page.js("return window.__pwned === undefined") is True
    assert INJECTION in page.by_id("p1s1").text + page.by_id("p1s0").text
    page.shot("side-by-side-1280")

    page.all('.views button[data-view="interleaved"]')[0].click()
    page.wait.until(lambda b: page.js("return document.documentElement.dataset.view") == "interleaved")
    for pair in ids:
        src, tgt = page.boxes(pair)
        assert tgt["top"] >= src["bottom"] - 1 and abs(tgt["left"] - src["left"]) <= 1, pair  # beneath
    assert "view=interleaved" in browser.current_url
    page.shot("interleaved-1280")

    page.all('.views button[data-view="english"]')[0].click()
    page.wait.until(lambda b: not page.parts("p0s1")[0].is_displayed())

    def hovering(element: Any) -> Any:
        # the pointer is moved again at each look: a row that shifts under it (its source showing, a slow
        # layout on a loaded machine) would otherwise leave it over another element
        return ActionChains(browser).move_to_element(element).perform()

    page.wait.until(lambda b: hovering(page.parts("p0s1")[1]) or page.parts("p0s1")[0].is_displayed())  # hover
    assert not page.parts("p0s0")[0].is_displayed()
    page.shot("english-only-hover-1280")
    heading = page.b.find_element("css selector", "h1")
    page.wait.until(lambda b: hovering(heading) or not page.parts("p0s1")[0].is_displayed())
    page.parts("p1s0")[1].click()  # a tap: the pair takes the focus, and shows its source
    page.wait.until(lambda b: page.parts("p1s0")[0].is_displayed())

    page.open("/", fresh=False)  # remembered without the URL's ?view=
    assert page.js("return document.documentElement.dataset.view") == "english"
    assert page.js("return localStorage.getItem('reader.view')") == "english"
    page.open("/?view=side", fresh=False)  # the URL wins
    assert page.js("return document.documentElement.dataset.view") == "side"


def test_keyboard_moves_between_pairs_and_copies_the_english(
    browser: Any, site: Hosted, shots: Path, pairs: list[dict[str, str]]
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    page = Page(browser, site.url, shots)
    text, ids = article(pairs)
    page.open("/?" + urllib.parse.urlencode({"text": text}))  # the page rendered whole by the server
    ActionChains(browser).move_to_element(page.b.find_element("css selector", "h1")).perform()  # no hover
    page.js(
        "window.__copied = []; navigator.clipboard.writeText = function (t) {"
        " window.__copied.push(t); return Promise.resolve(); }"
    )
    keys = ActionChains(browser)

    def focused() -> str:
        return str(page.js("return document.activeElement.id"))

    page.all('.views button[data-view="side"]')[0].click()  # a button keeps the focus; the keys still move
    keys.send_keys("j").perform()
    page.wait.until(lambda b: focused() == ids[0])
    keys.send_keys("j").perform()
    page.wait.until(lambda b: focused() == ids[1])
    ActionChains(browser).send_keys(Keys.ARROW_DOWN).perform()
    page.wait.until(lambda b: focused() == ids[2])
    ActionChains(browser).send_keys("k").perform()
    page.wait.until(lambda b: focused() == ids[1])
    backgrounds = [page.js("return getComputedStyle(arguments[0]).backgroundColor", e) for e in page.parts(ids[1])]
    others = [page.js("return getComputedStyle(arguments[0]).backgroundColor", e) for e in page.parts(ids[0])]
    assert backgrounds[0] == backgrounds[1] == "rgb(255, 243, 168)" and backgrounds[0] not in others
    page.shot("keyboard-focus-1280")

    ActionChains(browser).send_keys("c").perform()
    page.wait.until(lambda b: page.js("return window.__copied.length") == 1)
    assert page.js("return window.__copied[0]") == pairs[17]["target"]
    assert page.all(".copy-status")[0].text == f"Sentence {ids[1]} copied"
    page.all(".copy-en")[0].click()
    page.wait.until(lambda b: page.js("return window.__copied.length") == 2)
    assert page.js("return window.__copied[1]").startswith(pairs[16]["target"])

    page.js("document.activeElement.blur(); location.hash = arguments[0]", ids[3])  # a permalink
    target = "rgb(215, 236, 255)"
    page.wait.until(
        lambda b: page.js("return getComputedStyle(arguments[0]).backgroundColor", page.parts(ids[3])[0]) == target
    )
    assert page.js("return getComputedStyle(arguments[0]).backgroundColor", page.parts(ids[3])[1]) == target


def test_a_narrow_screen_gets_the_interleaved_view(
    browser: Any, site: Hosted, shots: Path, pairs: list[dict[str, str]]
) -> None:
    page = Page(browser, site.url, shots)
    text, ids = article(pairs)
    page.open("/?" + urllib.parse.urlencode({"text": text}), width=390)
    try:
        assert page.js("return window.innerWidth") == 390
        assert page.js("return document.documentElement.dataset.view") == "interleaved"
        for pair in ids:
            src, tgt = page.boxes(pair)
            assert tgt["top"] >= src["bottom"] - 1 and src["width"] > 300, pair  # stacked, the screen's width
        assert page.js("return document.documentElement.scrollWidth <= window.innerWidth") is True
        page.shot("interleaved-390")
    finally:
        page.js("localStorage.clear()")
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_flags_show_their_names_a_legend_and_a_summary(
    browser: Any, site: Hosted, shots: Path, pairs: list[dict[str, str]]
) -> None:
    page = Page(browser, site.url, shots)
    page.open()
    english = "The minister said the meeting would continue tomorrow morning."  # passed through, flagged
    text = pairs[0]["source"] + " " + pairs[18]["source"] + "\n\n" + english  # pairs[18]: its English differs
    page.submit(text)
    page.finished()
    [doc] = call(site.url + "/v1/documents", {"documents": [{"id": "x", "text": text}]}).json()["documents"]
    meanings = call(site.url + "/v1/models").json()["models"][0]["flags"]
    counts = doc["summary"]["flags"]
    marks = page.all(".pair.flagged .flag")
    assert marks and all(m.is_displayed() for m in marks)
    assert sorted({m.text for m in marks}) == sorted(counts)
    legend = {dt.text: dd.text for dt, dd in zip(page.all(".legend dt"), page.all(".legend dd"), strict=True)}
    assert legend == {name: meanings[name] for name in counts}
    flagged = sum(1 for p in doc["paragraphs"] for s in p["sentences"] if s["flags"])
    total = doc["summary"]["sentences"]
    expected = f"{flagged} of {total} sentences flagged: " + ", ".join(f"{n} {k}" for n, k in counts.items())
    assert page.all(".summary")[0].text == expected
    text_part = page.b.find_element("css selector", ".pair.flagged .tgt .text")
    assert page.js("return getComputedStyle(arguments[0]).textDecorationLine", text_part) == "none"  # no wavy line
    page.shot("flags-1280")


def test_the_stream_shows_progress_and_can_be_cancelled(
    browser: Any, site: Hosted, gate: Gate, shots: Path, pairs: list[dict[str, str]]
) -> None:
    page = Page(browser, site.url, shots)
    page.open()
    progress = page.by_id("progress-text")
    gate.allow(1)  # the first paragraph's one sentence, then the gate holds
    try:
        page.submit("\n\n".join(p["source"] for p in pairs[24:27]))
        page.wait.until(lambda b: progress.text == "1 of 3 paragraphs")
        assert page.by_id("progress").is_displayed() and len(page.all(".para")) == 1
        assert page.all("#p0s0 .text")[0].text == pairs[24]["target"]
        page.shot("stream-progress-1280")
        gate.allow(None)
        page.finished()
        page.wait.until(lambda b: not page.by_id("progress").is_displayed())
        assert len(page.all(".para")) == 3

        cancelled = re.compile(r"^translator_cancelled_pieces_total (\S+)$", re.MULTILINE)

        def cancelled_pieces() -> float:
            found = cancelled.search(call(site.url + "/metrics").body.decode())
            return float(found[1]) if found else 0.0

        before = cancelled_pieces()
        gate.allow(0)
        page.submit("\n\n".join(p["source"] for p in pairs[28:31]))
        page.wait.until(lambda b: progress.text == "0 of 3 paragraphs")
        page.by_id("cancel").click()
        page.wait.until(lambda b: progress.text == "0 of 3 paragraphs: cancelled")
        page.wait.until(lambda b: cancelled_pieces() > before)  # the server dropped the rest of the work
        assert not page.all(".para") and not page.by_id("error").is_displayed()
    finally:
        gate.allow(None)


def test_errors_are_shown_in_words(browser: Any, site: Hosted, shots: Path, tmp_path: Path) -> None:
    page = Page(browser, site.url, shots)
    page.open()
    page.submit("   ")
    assert page.error() == "There is nothing to translate: paste Indonesian text or choose a text file."
    assert not page.by_id("progress").is_displayed()  # refused before it began: no progress to show
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\xff\xfe\x00\x01 not text")
    page.by_id("file").send_keys(str(binary))
    page.by_id("submit").click()
    page.wait.until(lambda b: "scan.txt" in page.error())
    assert page.error().startswith("scan.txt is not UTF-8 text")
    big = tmp_path / "big.txt"
    big.write_text("kata " * 40_000, encoding="utf-8")  # 200,000 bytes, over the 131,072 a request
    page.js("document.getElementById('file').value = ''")
    page.by_id("file").send_keys(str(big))
    page.by_id("submit").click()
    page.wait.until(lambda b: "131,072 bytes" in page.error())
    assert not page.error().startswith("{")
    page.shot("error-too-large-1280")


def test_the_file_tab_uploads_a_docx_and_offers_it_in_english(
    browser: Any, site: Hosted, shots: Path, tmp_path: Path, pairs: list[dict[str, str]]
) -> None:
    import docx

    source = docx.Document()
    source.add_heading(pairs[24]["source"], level=1)
    source.add_paragraph(pairs[25]["source"])
    source.save(tmp_path / "berita.docx")
    page = Page(browser, site.url, shots)
    page.open()
    assert not page.by_id("source-file").is_displayed() and not page.by_id("download").is_displayed()
    page.by_id("tab-file").click()
    assert page.by_id("source-file").is_displayed() and not page.by_id("source-text").is_displayed()
    page.by_id("document").send_keys(str(tmp_path / "berita.docx"))
    page.by_id("submit").click()
    page.finished()
    link = page.by_id("download").find_element("css selector", "a")
    assert link.text == "Download berita.docx in English"
    targets = [e.text for e in page.all(".tgt .text")]
    assert targets == [pairs[24]["target"], pairs[25]["target"]]
    page.shot("file-tab-1280")
    with urllib.request.urlopen(link.get_attribute("href"), timeout=60) as answer:
        english = docx.Document(io.BytesIO(answer.read()))
    assert [(p.text, p.style.name) for p in english.paragraphs] == [
        (pairs[24]["target"], "Heading 1"),
        (pairs[25]["target"], "Normal"),
    ]


def test_with_keys_the_page_offers_a_key_field(
    browser: Any, locked_site: Hosted, shots: Path, pairs: list[dict[str, str]]
) -> None:
    page = Page(browser, locked_site.url, shots)
    page.open()
    key = page.by_id("api-key")
    assert key.is_displayed()
    page.submit(pairs[5]["source"])
    assert page.error() == "This server needs an API key to translate: enter yours in the key field."
    key.send_keys("wrong")
    page.by_id("submit").click()
    page.wait.until(lambda b: page.error() == "That API key is not valid: check it and try again.")
    key.clear()
    key.send_keys("sesame")
    page.by_id("submit").click()
    page.finished()
    assert page.all("#p0s0 .text")[0].text == pairs[5]["target"] and not page.by_id("error").is_displayed()
    assert page.js("return sessionStorage.getItem('reader.apiKey')") == "sesame"
    assert "sesame" not in browser.current_url
    page.shot("key-field-1280")
    page.open(fresh=False)  # kept for the tab
    assert page.by_id("api-key").get_attribute("value") == "sesame"


def test_an_archive_page_reads_like_the_reader(
    browser: Any,
    served: Callable[[TranslatorConfig], Translator],
    shots: Path,
    tmp_path: Path,
    pairs: list[dict[str, str]],
) -> None:
    translator = served(settings_of().translator_config())
    doc = translator.translate_document(" ".join(p["source"] for p in pairs[16:19]), doc_id="news/a.txt")
    writer = pages.Writer(tmp_path, {})
    writer.open({})
    writer.write(Finished(0, "news/a.txt", doc, {"title": "Berita"}))
    writer.write(Finished(1, "news/b.txt", reason="empty file"))
    writer.sync()
    writer.close(complete=True)
    page = Page(browser, (tmp_path / "html").as_uri(), shots)
    page.open("/index.html", width=390)
    try:
        listed = [li.text for li in page.all(".documents li")]
        assert listed == ["Berita 3 sentences", "news/b.txt not translated: empty file"]
        page.all(".documents li a")[0].click()
        page.wait.until(lambda b: page.all(".pair"))
        assert page.js("return document.documentElement.dataset.view") == "interleaved"  # page.js runs here too
        src, tgt = page.boxes("p0s1")
        assert tgt["top"] >= src["bottom"] - 1 and page.js("return window.innerWidth") == 390
        page.shot("archive-page-390")
        page.all('.views button[data-view="side"]')[0].click()  # a file:// page can switch too
        page.wait.until(lambda b: page.js("return document.documentElement.dataset.view") == "side")
        assert "view=side" in browser.current_url
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.fixture(scope="module")
def editing_site(served: Callable[[TranslatorConfig], Translator]) -> Iterator[Hosted]:
    """With a key, so that the editor's saves go through the key field as a reader's would."""
    hosted = Hosted(served(settings_of().translator_config()), TRANSLATOR_API_KEYS="sesame")
    yield hosted
    hosted.stop()


def test_an_edit_is_saved_reviewed_everywhere_and_given_back(
    browser: Any, editing_site: Hosted, shots: Path, pairs: list[dict[str, str]]
) -> None:
    import deepl
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    site, key = editing_site, {"X-API-Key": "sesame"}
    source, machine, reviewed = pairs[17]["source"], pairs[17]["target"], "Keep going, sir: tear apart our unity."
    text = pairs[16]["source"] + " " + source
    page = Page(browser, site.url, shots)
    page.open()
    page.by_id("api-key").send_keys("sesame")
    page.submit(text)
    page.finished()
    pair = page.by_id("p0s1")
    pair.click()  # the first click gives the pair the focus; a click on the focused pair opens its editor
    page.wait.until(lambda b: page.js("return document.activeElement.id") == "p0s1")
    page.parts("p0s1")[1].click()
    page.wait.until(lambda b: page.js("return document.activeElement.tagName") == "TEXTAREA")
    area = page.b.switch_to.active_element
    assert area.get_attribute("value") == machine
    assert area.get_attribute("aria-label") == "English for sentence p0s1 (Control+Enter saves, Escape cancels)"
    area.send_keys(Keys.CONTROL, "a")
    area.send_keys("Not this.")
    ActionChains(browser).send_keys(Keys.ESCAPE).perform()  # cancelled: nothing changes, the pair has the focus
    page.wait.until(lambda b: not page.all("#p0s1 .editor"))
    assert page.all("#p0s1 .text")[0].text == machine and page.js("return document.activeElement.id") == "p0s1"
    ActionChains(browser).send_keys(Keys.ENTER).perform()  # the keyboard opens it too
    page.wait.until(lambda b: page.js("return document.activeElement.tagName") == "TEXTAREA")
    area = page.b.switch_to.active_element
    area.send_keys(Keys.CONTROL, "a")
    area.send_keys(reviewed)
    page.shot("editing-1280")
    ActionChains(browser).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()
    page.wait.until(lambda b: "reviewed" in pair.get_attribute("class") and not page.all("#p0s1 .editor"))
    assert page.all("#p0s1 .text")[0].text == reviewed
    page.js(  # the Text tab's Download and share, caught where they would leave the page
        "window.__copied = []; navigator.clipboard.writeText = function (t) {"
        " window.__copied.push(t); return Promise.resolve(); };"
        " window.__saved = []; HTMLAnchorElement.prototype.click = function () {"
        " window.__saved.push([this.download, this.href]); };"
        " window.__blobs = []; var made = URL.createObjectURL; URL.createObjectURL = function (blob) {"
        " window.__blobs.push(blob); return made(blob); };"  # read back from here: the CSP allows no fetch()
    )
    page.by_id("share").click()
    page.wait.until(lambda b: page.js("return window.__copied.length") == 1)
    assert page.js("return window.__copied[0]") == site.url + "/?" + urllib.parse.urlencode(
        {"text": text, "view": "side"}
    )
    from selenium.webdriver.support.ui import Select

    Select(page.by_id("download-format")).select_by_value("tmx")
    page.by_id("download-button").click()
    page.wait.until(lambda b: page.js("return window.__saved.length") == 1)
    name, link = page.js("return window.__saved[0]")
    tmx = page.b.execute_async_script("window.__blobs[0].text().then(arguments[0])")
    assert link.startswith("blob:")
    assert name == "reader.tmx" and f"<seg>{reviewed}</seg>" in tmx and "<seg>" + pairs[16]["target"] in tmx

    page.b.refresh()  # reloaded, the same text translated again: the reviewed English, marked
    page.wait.until(lambda b: page.js("return document.readyState") == "complete")
    page.submit(text)
    page.finished()
    assert page.all("#p0s1 .text")[0].text == reviewed and page.all("#p0s1 .reviewed-mark")[0].is_displayed()
    assert "reviewed" not in page.by_id("p0s0").get_attribute("class")
    assert page.all(".outcome .summary")[0].text.endswith("; 1 reviewed")
    for view in ("interleaved", "english"):  # marked in every view
        page.all(f'.views button[data-view="{view}"]')[0].click()
        page.wait.until(lambda b, v=view: page.js("return document.documentElement.dataset.view") == v)
        mark = page.all("#p0s1 .reviewed-mark")[0]
        assert mark.is_displayed() and mark.get_attribute("textContent") == "reviewed"
    page.shot("reviewed-english-1280")

    assert call(site.url + "/v1/translate", {"texts": [source]}, headers=key).json()["translations"] == [reviewed]
    libre = call(site.url + "/translate", {"q": source, "source": "id", "target": "en", "api_key": "sesame"})
    assert libre.json()["translatedText"] == reviewed
    ours = call(
        site.url + "/v2/translate",
        {"text": [source], "target_lang": "EN"},
        headers={"Authorization": "DeepL-Auth-Key sesame"},
    )
    assert ours.json()["translations"][0]["text"] == reviewed
    assert deepl.Translator("sesame", server_url=site.url).translate_text(source, target_lang="EN-US").text == reviewed

    page.all('.views button[data-view="side"]')[0].click()
    page.by_id("p0s1").click()
    page.wait.until(lambda b: page.js("return document.activeElement.id") == "p0s1")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    page.wait.until(lambda b: page.all("#p0s1 .editor .restore"))
    page.all("#p0s1 .editor .restore")[0].click()  # undo: the machine's English again
    page.wait.until(lambda b: page.all("#p0s1 .text")[0].text == machine)
    assert "reviewed" not in page.by_id("p0s1").get_attribute("class") and not page.all("#p0s1 .reviewed-mark")
    assert call(site.url + "/v1/translate", {"texts": [source]}, headers=key).json()["translations"] == [machine]


VIEW_NAMES = {"side": "side by side", "interleaved": "interleaved", "english": "English only"}


def rect(page: Page, css: str) -> list[float]:
    """Where an element is on the page (not in the window, which may have scrolled)."""
    script = "var r = document.querySelector(arguments[0]).getBoundingClientRect();"
    script += " return [r.left + scrollX, r.top + scrollY, r.width, r.height]"
    return page.js(script, css)  # type: ignore[no-any-return]


def test_the_reader_reads_as_prose_and_keeps_the_structure(
    browser: Any, site: Hosted, shots: Path, pairs: list[dict[str, str]]
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    page = Page(browser, site.url, shots)
    text = markdown(pairs) + "\n\n" + pairs[3]["source"] + " " + LONG + "."  # p5s1: flagged
    page.open("/?" + urllib.parse.urlencode({"text": text}))
    for view, name in VIEW_NAMES.items():  # the structure in every view, the heading naming the view
        page.all(f'.views button[data-view="{view}"]')[0].click()
        page.wait.until(lambda b, v=view: page.js("return document.documentElement.dataset.view") == v)
        assert page.all("h1")[0].text == f"Indonesian → English, {name}"
        assert [e.is_displayed() for e in page.all(".pairs h2.block, .pairs ul.block li, .pairs ol.block li")] == [
            True
        ] * 5
        assert page.all(".pairs blockquote.block")[0].is_displayed()
        for sid, mark in [("p2s0", "•"), ("p3s1", "2.")]:  # each item's marker, shown before its English
            tgt = page.all(f"#{sid} > .tgt")[0]
            shown = page.js("return getComputedStyle(arguments[0], '::before').display", tgt)
            assert tgt.get_attribute("data-mark") == mark and shown != "none", (view, sid)
    # English only: prose without "#", a flag a quiet marker, the source over the text moving nothing
    english = page.js("return document.querySelector('.pairs').innerText")
    assert "#" not in english and pairs[0]["target"] in english and "Indonesian" not in english
    assert not page.all("#p5s1 .flag")[0].is_displayed() and page.all("#p5s1 .flags")[0].is_displayed()
    assert not page.all("#p5s1 .note")[0].is_displayed()
    before = [rect(page, f"#{sid} > .tgt") for sid in ("p1s1", "p5s0", "p5s1")]
    heading = page.all("h1")[0]
    page.wait.until(
        lambda b: (
            ActionChains(browser).move_to_element(page.all("#p5s1 > .tgt")[0]).perform()
            or page.all("#p5s1 > .src")[0].is_displayed()
        )
    )
    note = page.all("#p5s1 .note")[0]
    names = [m.get_attribute("textContent") for m in page.all("#p5s1 .flag")]
    assert note.is_displayed() and names and note.text.splitlines() == [f"{n}: {MEANINGS[n]}" for n in names]
    assert [rect(page, f"#{sid} > .tgt") for sid in ("p1s1", "p5s0", "p5s1")] == before  # nothing moved
    page.shot("english-prose-hover-1280")
    ActionChains(browser).move_to_element(heading).perform()
    anchor = page.all("#p1s0 .anchor")[0]
    assert not anchor.is_displayed()  # the sentence's link: on hover or focus only
    page.by_id("p1s0").click()
    page.wait.until(lambda b: anchor.is_displayed())
    assert anchor.get_attribute("href").endswith("#p1s0")
    legend = page.all(".legend-box")[0]
    assert legend.get_attribute("open") is not None and page.all(".legend")[0].is_displayed()  # wide: open

    page.open("/?" + urllib.parse.urlencode({"text": text}), width=390)
    try:
        summary = page.all(".legend-box > summary")[0]
        assert summary.is_displayed() and summary.text.startswith("1 of 10 sentences flagged")
        assert page.all(".legend-box")[0].get_attribute("open") is None and not page.all(".legend")[0].is_displayed()
        first = page.all(".legend-box")[0].rect["y"]
        assert first < 844  # the summary on the first screen, the legend folded into it
        page.shot("legend-folded-390")
        summary.click()  # a tap opens it
        page.wait.until(lambda b: page.all(".legend")[0].is_displayed())
        assert page.js("return document.documentElement.scrollWidth <= window.innerWidth") is True
    finally:
        page.js("localStorage.clear()")
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory, tiny: Translator, pairs: list[dict[str, str]]) -> Path:
    """An archive job's output: three documents, the last with a flagged sentence, and one that failed."""
    from translator.archive import JobOptions, run

    root = tmp_path_factory.mktemp("archived")
    (root / "in").mkdir()
    english = "The minister said the meeting would continue tomorrow morning."  # passed through, flagged
    texts = [" ".join(p["source"] for p in pairs[0:4]), markdown(pairs), pairs[0]["source"] + " " + english]
    for i, text in enumerate(texts):
        (root / "in" / f"berita {i}.md").write_text(text, encoding="utf-8")
    (root / "in" / "kosong.txt").write_text("", encoding="utf-8")
    run(JobOptions([root / "in"], root / "out", ("jsonl", "html")), lambda: tiny)
    return root / "out"


def test_archive_pages_have_previous_next_search_and_a_flag_filter(
    browser: Any, archived: Path, shots: Path, pairs: list[dict[str, str]]
) -> None:
    from tests.conftest import run_main

    page = Page(browser, (archived / "html").as_uri(), shots)
    page.open("/index.html")
    totals = page.all(".totals")[0]
    assert totals.is_displayed() and totals.text.startswith("3 documents, 14 sentences, 1 flagged; 1 not translated")
    assert totals.rect["y"] < page.all("ol.documents")[0].rect["y"]  # above the list
    names = [a.get_attribute("href").rsplit("/", 1)[1] for a in page.all(".documents li a")]
    assert len(names) == 3 and all(re.fullmatch(r"in-berita-\d-md-[0-9a-f]{8}\.html", n) for n in names)

    def hits() -> list[str]:
        return [a.get_attribute("href").rsplit("/", 1)[1] for a in page.all("#hits li a")]

    def cli(*args: str) -> list[str]:
        found = run_main(["search", str(archived), *args]).stdout.decode().splitlines()
        return [f"{pages.page_name(doc)}#{sid}" for doc, sid, *_ in (line.split("\t") for line in found)]

    search = page.by_id("find")
    search.send_keys("WARUNG jaga")
    page.wait.until(lambda b: page.by_id("hits").is_displayed() and hits())
    assert hits() == cli("WARUNG", "jaga") and len(hits()) == 3  # the same hits as the command line
    assert page.all(".hit-count")[0].text == "3 sentences" and not page.all("ol.documents")[0].is_displayed()
    search.clear()
    search.send_keys(pairs[1]["target"].split()[2])  # English words find their pairs too
    page.wait.until(lambda b: hits() == cli(pairs[1]["target"].split()[2]))
    page.shot("archive-search-1280")
    search.clear()
    page.js("var s = document.getElementById('find'); s.dispatchEvent(new Event('input'))")
    page.wait.until(lambda b: page.all("ol.documents")[0].is_displayed())
    options = [o.get_attribute("value") for o in page.all("#flag option")][1:]
    docs = [json.loads(line) for line in (archived / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert options == sorted({f for d in docs for f in d["summary"]["flags"]}) and options
    from selenium.webdriver.support.ui import Select

    Select(page.by_id("flag")).select_by_value(options[0])
    page.wait.until(lambda b: hits())
    assert hits() == cli("--flag", options[0]) and len(hits()) == 1

    page.open("/" + names[0])  # previous and next, from file:// with no server
    assert not page.all("a.prev") and page.all("header a.next")[0].get_attribute("href").endswith(names[1])
    page.all("header a.next")[0].click()
    page.wait.until(lambda b: b.current_url.endswith(names[1]))
    page.wait.until(lambda b: page.all("header a.prev"))
    assert page.all("header a.prev")[0].get_attribute("href").endswith(names[0])
    assert page.all("header a.next")[0].get_attribute("href").endswith(names[2])
    assert len(page.all("a.next")) == 2  # at the top and at the end
    assert page.all(".pairs h2.block") and len(page.all(".pairs ul.block li")) == 2  # the Markdown's structure
    page.shot("archive-prev-next-1280")
    page.open("/" + names[2])
    assert page.all("a.prev") and not page.all("a.next")


AXE = Path(
    os.environ.get("AXE_CORE_JS") or Path(__file__).resolve().parents[2] / ".ci/axe/node_modules/axe-core/axe.min.js"
)
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = (
    "var done = arguments[arguments.length - 1];"
    " axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}}).then(function (r) {"
    "   done(r.violations.map(function (v) {"
    "     return v.id + ': ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', '); })); },"
    " function (e) { done(['axe failed: ' + e]); });"
)


def violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it stands (the rule and the elements)."""
    page.js(AXE.read_text(encoding="utf-8"))
    page.b.set_script_timeout(60)
    return page.b.execute_async_script(AXE_RUN, WCAG_AA)  # type: ignore[no-any-return]


def test_no_wcag_aa_violations_in_any_view_the_editor_or_the_archive(
    browser: Any, editing_site: Hosted, archived: Path, shots: Path, pairs: list[dict[str, str]]
) -> None:
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI must install axe-core from npm (see .ci/run): {AXE} is missing")
        pytest.skip(f"axe-core not found at {AXE} (.ci/run installs it from npm; or set AXE_CORE_JS)")
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    key = {"X-API-Key": "sesame"}
    assert (
        call(
            editing_site.url + "/v1/reviewed",
            {"source": pairs[5]["source"], "target": "Reviewed."},
            method="PUT",
            headers=key,
        ).status
        == 200
    )
    english = "The minister said the meeting would continue tomorrow morning."
    text = markdown(pairs) + "\n\n" + pairs[3]["source"] + " " + english
    page = Page(browser, editing_site.url, shots)
    found: dict[str, list[str]] = {}
    for width in (1280, 390):
        page.open("/?" + urllib.parse.urlencode({"text": text, "api_key": "sesame"}), width=width)
        try:
            for view in VIEW_NAMES:
                page.all(f'.views button[data-view="{view}"]')[0].click()
                page.wait.until(lambda b, v=view: page.js("return document.documentElement.dataset.view") == v)
                found[f"{view}-{width}"] = violations(page)
        finally:
            browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert page.all("#p2s0.reviewed")  # a reviewed sentence was among them
    page.by_id("p1s0").click()
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    page.wait.until(lambda b: page.all("#p1s0 .editor textarea"))
    found["editor"] = violations(page)
    archive = Page(browser, (archived / "html").as_uri(), shots)
    archive.open("/index.html")
    found["archive-index"] = violations(archive)
    archive.by_id("find").send_keys("jaga")
    archive.wait.until(lambda b: archive.all("#hits li"))
    found["archive-search"] = violations(archive)
    archive.open("/" + pages.page_name("in/berita 1.md"))  # the Markdown one
    archive.wait.until(lambda b: archive.all("a.next"))
    found["archive-page"] = violations(archive)
    assert found == {name: [] for name in found}
    archive.js("document.body.appendChild(document.createElement('input'))")  # axe does see a problem
    assert [v for v in violations(archive) if v.startswith("label: ")]
