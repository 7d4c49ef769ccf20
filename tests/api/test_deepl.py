"""DeepL API v2 compatibility: the official `deepl` client against a real server with keys; in-process, what
the client does not send (forms, repeated text, legacy auth_key, limits, errors)."""

from __future__ import annotations

import io
import urllib.parse
from pathlib import Path

import deepl
import docx
import pytest

from tests.api.conftest import App, Server, app_fixture, call, server_fixture
from tests.files.test_docx import annotated, formatted
from tests.files.test_srt import STYLED

KEY = "deepl-key"
# one real uvicorn for the module: the client speaks HTTP itself; a key with a quota of 10 characters a month,
# and one allowed a request every 100 s
real = server_fixture(keys=f"{KEY}\nquota-key 10\nrate-key - 0.01\n")
server = app_fixture(TRANSLATOR_API_KEYS=KEY)
AUTH = {"Authorization": f"DeepL-Auth-Key {KEY}"}
FORM = "application/x-www-form-urlencoded"


def ours(server: App | Server, texts: list[str]) -> list[str]:
    r = call(server.url + "/v1/translate", {"texts": texts}, headers={"Authorization": f"Bearer {KEY}"})
    assert r.status == 200
    return list(r.json()["translations"])


def test_official_client_translates_as_v1_does(real: Server, pairs: list[dict[str, str]]) -> None:
    client = deepl.Translator(KEY, server_url=real.url)
    one = client.translate_text(pairs[0]["source"], target_lang="EN-US")
    assert isinstance(one, deepl.TextResult)
    assert one.text == pairs[0]["target"] and one.detected_source_lang == "ID"
    assert one.billed_characters == len(pairs[0]["source"])
    texts = [pairs[1]["source"], pairs[2]["source"] + " " + pairs[3]["source"], pairs[4]["source"]]
    many = client.translate_text(texts, source_lang="ID", target_lang="EN-GB", formality="default")
    assert [r.text for r in many] == ours(real, texts)
    detected = client.translate_text(texts, source_lang=None, target_lang="en-us", split_sentences="nonewlines")
    assert [(r.text, r.detected_source_lang) for r in detected] == [(r.text, "ID") for r in many]
    whole = client.translate_text(pairs[5]["source"], target_lang="EN-US", split_sentences="0")
    assert whole.text == pairs[5]["target"]
    html = f'<p class="a">{pairs[6]["source"]}</p><br/><code>Iya benar</code>'
    tagged = client.translate_text(html, target_lang="EN-US", tag_handling="html")
    assert tagged.text == f'<p class="a">{ours(real, [pairs[6]["source"]])[0]}</p><br/><code>Iya benar</code>'


def test_official_client_usage_languages_and_a_wrong_key(real: Server) -> None:
    client = deepl.Translator(KEY, server_url=real.url)
    usage = client.get_usage()
    assert usage.character.valid and not usage.any_limit_reached
    assert [(lang.code, lang.name) for lang in client.get_source_languages()] == [("ID", "Indonesian")]
    targets = client.get_target_languages()  # type=target in a GET's form body
    assert [lang.code for lang in targets] == ["EN-GB", "EN-US"]
    assert all(lang.supports_formality is False for lang in targets)
    assert [(p.source_lang, p.target_lang) for p in client.get_glossary_languages()] == [("id", "en")]
    with pytest.raises(deepl.AuthorizationException):
        deepl.Translator("wrong", server_url=real.url).translate_text("Halo", target_lang="EN-US")
    with pytest.raises(deepl.DeepLException, match="Bad request"):
        client.translate_text([], target_lang="EN-US")


def test_official_client_translates_documents(real: Server, pairs: list[dict[str, str]], tmp_path: Path) -> None:
    """translate_document on .txt, .html, .docx and .srt: each output opened and checked against the English
    /v1/translate gives for the same sentences, and its structure against the input's."""
    client = deepl.Translator(KEY, server_url=real.url)
    say = [pairs[i]["source"] for i in range(10, 16)]
    hear = ours(real, say)

    txt = client.translate_document(
        f"{say[0]}\n\n{say[1]}\n".encode(), out := io.BytesIO(), target_lang="EN-US", filename="a.txt"
    )
    assert txt.done and txt.billed_characters == len(say[0]) + 2 + len(say[1])  # the blank line between too
    assert out.getvalue().decode() == f"{hear[0]}\n\n{hear[1]}\n"

    page = f'<!DOCTYPE html><html><head><title>{say[2]}</title></head><body><p class="x">{say[3]}</p></body></html>'
    client.translate_document(page.encode(), out := io.BytesIO(), target_lang="EN-GB", filename="a.html")
    assert out.getvalue().decode() == page.replace(say[2], hear[2]).replace(say[3], hear[3])

    document = docx.Document()
    document.add_heading(say[4], level=1)
    bold = document.add_paragraph().add_run(say[5])
    bold.bold = True
    document.save(tmp_path / "in.docx")
    client.translate_document_from_filepath(tmp_path / "in.docx", tmp_path / "out.docx", target_lang="EN-US")
    english = docx.Document(str(tmp_path / "out.docx"))
    assert [(p.text, p.style.name) for p in english.paragraphs] == [(hear[4], "Heading 1"), (hear[5], "Normal")]
    assert english.paragraphs[1].runs[0].bold

    cues = f"1\n00:00:01,000 --> 00:00:02,000\n{say[0]}\n\n2\n00:00:03,000 --> 00:00:04,500\n{say[1]}\n"
    client.translate_document(cues.encode(), out := io.BytesIO(), target_lang="EN-US", filename="a.srt")
    blocks = [block.split("\n") for block in out.getvalue().decode().strip().split("\n\n")]
    assert [block[:2] for block in blocks] == [
        ["1", "00:00:01,000 --> 00:00:02,000"],
        ["2", "00:00:03,000 --> 00:00:04,500"],
    ]
    assert [" ".join(block[2:]) for block in blocks] == hear[:2]  # wrapped at 42 characters a line

    with pytest.raises(deepl.DeepLException, match=r"cannot translate \.pdf"):
        client.translate_document(b"%PDF", io.BytesIO(), target_lang="EN-US", filename="a.pdf")


def test_official_client_keeps_formatting_inside_a_sentence_and_the_status_says_what_was_left(real: Server) -> None:
    """translate_document on a .docx with a bold word, an italic phrase and a link in mid-sentence, and on an .srt
    with tags around words: each sentence translated whole, its formatting on the aligned English words; a
    .docx with charts, kept fields and tracked deletions: the job's status counts what was left untranslated."""
    client = deepl.Translator(KEY, server_url=real.url)
    client.translate_document(formatted(), out := io.BytesIO(), target_lang="EN-US", filename="a.docx")
    paragraph = docx.Document(io.BytesIO(out.getvalue())).paragraphs[0]
    assert paragraph.text == "I'd like to buy 20 tickets for Persebaya vs Arema showdown tomorrow"
    assert [r.text for r in paragraph.runs if r.bold] == ["20"]
    assert [r.text for r in paragraph.runs if r.italic] == ["Persebaya vs"]
    assert [(link.text, link.address) for link in paragraph.hyperlinks] == [("Arema", "https://example.com/arema")]

    client.translate_document(STYLED.encode(), out := io.BytesIO(), target_lang="EN-US", filename="a.srt")
    lines = out.getvalue().decode().split("\n")
    assert "Because I was hungry, I ordered <i>Indomie</i>" in lines
    assert '<font color="#ffff00">Persebaya</font> vs <u>Arema</u> showdown tomorrow' in lines

    handle = client.translate_document_upload(annotated(), target_lang="EN-US", filename="b.docx")
    assert client.translate_document_wait_until_done(handle).done
    status = call(f"{real.url}/v2/document/{handle.document_id}", {"document_key": handle.document_key}, headers=AUTH)
    assert status.json()["untranslated"] == {
        "charts": 1,
        "field_results": 1,
        "image_descriptions": 1,
        "tracked_deletions": 1,
    }
    plain = client.translate_document_upload(formatted(), target_lang="EN-US", filename="c.docx")
    assert client.translate_document_wait_until_done(plain).done
    said = call(f"{real.url}/v2/document/{plain.document_id}", {"document_key": plain.document_key}, headers=AUTH)
    assert "untranslated" not in said.json()  # nothing left: nothing said


def test_official_client_over_quota_and_over_rate(real: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    quota = deepl.Translator("quota-key", server_url=real.url)
    quota.translate_text("Halo dunia", target_lang="EN-US")  # 10 characters: the whole quota
    with pytest.raises(deepl.QuotaExceededException):
        quota.translate_text("Halo", target_lang="EN-US")
    usage = quota.get_usage()
    assert usage.character.count == 10 and usage.character.limit == 10 and usage.any_limit_reached
    monkeypatch.setattr(deepl.http_client, "max_network_retries", 2)  # the client's 5 would take 15 s
    rate = deepl.Translator("rate-key", server_url=real.url)
    rate.get_usage()  # its one request a 100 s
    attempts = _count_requests(monkeypatch)
    with pytest.raises(deepl.TooManyRequestsException):
        rate.translate_text("Halo", target_lang="EN-US")
    assert len(attempts) == 3  # the first try and the client's two retries, all 429


def _count_requests(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    sent: list[object] = []
    original = deepl.http_client.HttpClient._internal_request

    def counted(self: object, *args: object, **kwargs: object) -> object:
        sent.append(args)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(deepl.http_client.HttpClient, "_internal_request", counted)
    return sent


def test_form_repeated_text_and_legacy_auth_key(server: App, pairs: list[dict[str, str]]) -> None:
    texts = [pairs[7]["source"], "", pairs[8]["source"]]
    form = urllib.parse.urlencode(
        {"text": texts, "target_lang": "en-US", "show_billed_characters": "1", "auth_key": KEY}, doseq=True
    )
    r = call(server.url + "/v2/translate", form, content_type=FORM)
    assert r.status == 200
    got = r.json()["translations"]
    assert [t["text"] for t in got] == ours(server, texts) and got[1]["text"] == ""
    assert [t["billed_characters"] for t in got] == [len(t) for t in texts]
    bare = call(server.url + "/v2/translate", form.encode(), headers={"Content-Type": ""})  # no content type: a form
    assert bare.status == 200 and bare.json() == r.json()
    query = call(server.url + f"/v2/languages?type=target&auth_key={KEY}")
    assert [lang["language"] for lang in query.json()] == ["EN-GB", "EN-US"]


@pytest.mark.parametrize("target", ["EN", "en", "EN-US", "en-us", "EN-GB"])
def test_english_targets_in_any_case(server: App, target: str) -> None:
    body = {"text": ["Halo."], "target_lang": target, "source_lang": "id"}
    r = call(server.url + "/v2/translate", body, headers=AUTH)
    assert r.status == 200 and r.json()["translations"][0]["detected_source_language"] == "ID"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": ["Halo"], "target_lang": "DE"}, "Value for 'target_lang' not supported."),
        ({"text": ["Halo"]}, "Parameter 'target_lang' not specified."),
        ({"text": ["Halo"], "target_lang": "EN-US", "source_lang": "FR"}, "Value for 'source_lang' not supported."),
        ({"text": [], "target_lang": "EN-US"}, "Parameter 'text' not specified."),
        ({"target_lang": "EN-US"}, "Parameter 'text' not specified."),
        ({"text": [1], "target_lang": "EN-US"}, "Value for 'text' not supported"),
        ({"text": ["a"], "target_lang": "EN-US", "split_sentences": "2"}, "Value for 'split_sentences'"),
        ({"text": ["a"], "target_lang": "EN-US", "tag_handling": "pdf"}, "Value for 'tag_handling'"),
        ({"text": ["a"], "target_lang": "EN-US", "formality": "more"}, "'formality' is not supported"),
        ({"text": ["a"], "target_lang": "EN-US", "preserve_formatting": "maybe"}, "preserve_formatting"),
        ({"text": ["a\ud800"], "target_lang": "EN-US"}, "unpaired surrogate"),
        ({"text": ["a"], "target_lang": ["EN-US"]}, "Value for 'target_lang'"),
    ],
)
def test_errors_are_400_with_a_string_message(server: App, body: dict[str, object], message: str) -> None:
    r = call(server.url + "/v2/translate", body, headers=AUTH)
    assert r.status == 400
    assert list(r.json()) == ["message"] and message in r.json()["message"]


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [(b"{not json", "application/json"), (b"[1]", "application/json"), (b"text=%ED%A0%80", FORM)],
)
def test_undecodable_bodies_are_400(server: App, raw: bytes, content_type: str) -> None:
    r = call(server.url + "/v2/translate", raw, content_type=content_type, headers=AUTH)
    assert r.status == 400 and isinstance(r.json()["message"], str)


def test_keys_limits_and_unknown_parameters(server: App) -> None:
    body = {"text": ["Halo."], "target_lang": "EN-US"}
    assert call(server.url + "/v2/translate", body).status == 403  # no key: 403, never 401
    assert call(server.url + "/v2/usage", headers={"Authorization": "DeepL-Auth-Key nope"}).status == 403
    extra = {**body, "foo": 1, "model_type": "latency_optimized", "context": "c", "formality": "prefer_less"}
    answered = call(server.url + "/v2/translate", extra, headers=AUTH)
    assert answered.status == 200 and answered.json()["translations"][0]["model_type_used"] == "latency_optimized"
    assert "model_type_used" not in call(server.url + "/v2/translate", body, headers=AUTH).json()["translations"][0]
    tags = {**body, "ignore_tags": "x,y"}  # comma-joined, as deepl-node sends it: xml handling
    kept = call(server.url + "/v2/translate", {**tags, "text": ["<x>Iya benar</x> Halo."]}, headers=AUTH)
    assert kept.json()["translations"][0]["text"].startswith("<x>Iya benar</x> ")
    fifty = call(server.url + "/v2/translate", {**body, "text": ["Halo."] * 50}, headers=AUTH)
    assert fifty.status == 200 and len(fifty.json()["translations"]) == 50
    over = call(server.url + "/v2/translate", {**body, "text": ["Halo."] * 51}, headers=AUTH)
    assert over.status == 413 and "limit of 50" in over.json()["message"]
    huge = call(server.url + "/v2/translate", {**body, "text": ["a" * 140_000]}, headers=AUTH)
    assert huge.status == 413 and isinstance(huge.json()["message"], str)
    bad_type = call(server.url + "/v2/languages?type=foo", headers=AUTH)
    assert bad_type.status == 400 and "'type' is invalid" in bad_type.json()["message"]
    usage = call(server.url + "/v2/usage", b"", method="POST", headers=AUTH).json()
    assert usage["character_count"] > 0 and usage["character_limit"] == 10**12  # counted; no quota: huge, not 0


def test_each_api_says_its_errors_in_its_own_shape_even_off_its_routes(server: App) -> None:
    """The dialect comes from the route (or, for a path no route serves, from its folder's routes)."""
    assert call(server.url + "/v2/nowhere").json() == {"message": "Not Found"}  # DeepL's folder
    put = call(server.url + "/v2/translate", method="PUT")
    assert put.status == 405 and put.json() == {"message": "Method Not Allowed"}
    assert call(server.url + "/translate", method="GET").json() == {"error": "Method Not Allowed"}  # LibreTranslate
    assert call(server.url + "/download_file/x").json() == {"error": "Not Found"}
    assert call(server.url + "/v1/nothing").json()["error"]["code"] == "http_404"  # ours
