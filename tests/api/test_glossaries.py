"""Glossaries over HTTP, in-process: DeepL's v2 and v3 routes as their clients and Weblate call them (the
official client itself, against a real server: test_glossaries_client.py), ours, glossaries named on every
translating route, and hostile glossaries at the edge (a clear 400 or a correct answer, never a 500, never a
hang; nothing stored from a refused body)."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from typing import Any

import pytest

from tests.api.conftest import App, app_fixture, call

KEY, OTHER = "gloss-key", "other-key"
server = app_fixture(TRANSLATOR_API_KEYS=f"{KEY},{OTHER}")
AUTH = {"Authorization": f"DeepL-Auth-Key {KEY}"}
AUTH_OTHER = {"Authorization": f"DeepL-Auth-Key {OTHER}"}
BEARER = {"Authorization": f"Bearer {KEY}"}
FORM = "application/x-www-form-urlencoded"
NEWS_TSV = "DPR\tHouse of Representatives\nPolri\tNational Police\nJokowi\tJokowi\n"
SAY = "Dalam pilkada 2018, polri diminta meningkatkan pengamanan di sekitar tps."  # the tiny model's pair 9
HEAR = "In the 2018 regional elections, National Police was asked to increase their security around polling stations"
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def v2(server: App, name: str = "news", entries: str = NEWS_TSV, **more: str) -> dict[str, Any]:
    body = {"name": name, "source_lang": "ID", "target_lang": "EN", "entries": entries, **more}
    r = call(server.url + "/v2/glossaries", body, headers=AUTH)
    assert r.status == 201, r.body
    return dict(r.json())


def ids(server: App, headers: dict[str, str] = AUTH, version: str = "v2") -> list[str]:
    r = call(server.url + f"/{version}/glossaries", headers=headers)
    assert r.status == 200
    return [g["glossary_id"] for g in r.json()["glossaries"]]


def test_v2_create_list_get_entries_delete(server: App) -> None:
    made = v2(server)
    assert made["name"] == "news" and made["ready"] is True and made["entry_count"] == 3
    assert (made["source_lang"], made["target_lang"]) == ("id", "en") and STAMP.fullmatch(made["creation_time"])
    form = urllib.parse.urlencode(
        {
            "name": "csv",
            "source_lang": "id",
            "target_lang": "en-US",
            "entries_format": "csv",
            "entries": '"Badan Pusat Statistik, BPS",Statistics Indonesia\nKPK,KPK,id,en\nPolizei,police,de,en\n',
        }
    )
    csv = call(server.url + "/v2/glossaries", form, content_type=FORM, headers=AUTH)
    assert csv.status == 201 and csv.json()["entry_count"] == 2
    assert {made["glossary_id"], csv.json()["glossary_id"]} <= set(ids(server))
    one = call(server.url + f"/v2/glossaries/{made['glossary_id']}", headers=AUTH)
    assert one.json() == made
    tsv = call(
        server.url + f"/v2/glossaries/{made['glossary_id']}/entries",
        headers={**AUTH, "Accept": "text/tab-separated-values"},
    )
    assert tsv.status == 200 and tsv.headers["content-type"].startswith("text/tab-separated-values")
    assert tsv.body.decode() == NEWS_TSV
    json_accept = call(
        server.url + f"/v2/glossaries/{made['glossary_id']}/entries", headers={**AUTH, "Accept": "application/json"}
    )
    assert json_accept.status == 415 and json_accept.json() == {
        "message": "No supported media type specified in Accept header"
    }
    pairs = call(server.url + "/v2/glossary-language-pairs", headers=AUTH).json()
    assert pairs == {"supported_languages": [{"source_lang": "id", "target_lang": "en"}]}
    gone = call(server.url + f"/v2/glossaries/{made['glossary_id']}", method="DELETE", headers=AUTH)
    assert gone.status == 204 and gone.body == b""
    assert call(server.url + f"/v2/glossaries/{made['glossary_id']}", headers=AUTH).status == 404
    assert call(server.url + f"/v2/glossaries/{made['glossary_id']}", method="DELETE", headers=AUTH).status == 404


def test_another_keys_glossary_is_not_found_anywhere(server: App) -> None:
    made = v2(server, "mine")
    gid = made["glossary_id"]
    assert gid not in ids(server, AUTH_OTHER) and gid not in ids(server, AUTH_OTHER, "v3")
    for path, method in (
        (f"/v2/glossaries/{gid}", "GET"),
        (f"/v3/glossaries/{gid}", "GET"),
        (f"/v2/glossaries/{gid}/entries", "GET"),
        (f"/v2/glossaries/{gid}", "DELETE"),
    ):
        r = call(server.url + path, method=method, headers=AUTH_OTHER)
        assert r.status == 404 and isinstance(r.json()["message"], str)
    translate = {"text": ["Halo."], "source_lang": "ID", "target_lang": "EN-US", "glossary_id": gid}
    assert call(server.url + "/v2/translate", translate, headers=AUTH_OTHER).status == 404
    ours = call(
        server.url + "/v1/translate",
        {"texts": ["Halo."], "glossary": gid},
        headers={"Authorization": f"Bearer {OTHER}"},
    )
    assert ours.status == 404 and ours.json()["error"]["code"] == "glossary_not_found"
    assert call(server.url + "/v2/translate", translate, headers=AUTH).status == 200  # the owner's works


@pytest.mark.parametrize(
    ("entries", "entries_format", "where"),
    [
        ("DPR\tHouse\nPolri National Police\n", "tsv", "line 2: no tab"),
        ("DPR\tHouse\nDPR\tParliament\n", "tsv", "line 2: the source 'DPR' is a duplicate of line 1's"),
        ("DPR\tHouse \n", "tsv", "line 1: the target 'House ' has whitespace"),
        ('DPR,House\n"open,quote\n', "csv", "line 2: not CSV"),
        ("a,b,c\n", "csv", "line 1: 3 fields"),
        ("a\tb", "xml", "nsupported"),
    ],
)
def test_bad_entries_are_a_400_naming_line_and_rule_and_nothing_is_stored(
    server: App, entries: str, entries_format: str, where: str
) -> None:
    before = ids(server)
    body = {
        "name": "bad",
        "source_lang": "id",
        "target_lang": "en",
        "entries": entries,
        "entries_format": entries_format,
    }
    r = call(server.url + "/v2/glossaries", body, headers=AUTH)
    assert r.status == 400 and where in r.json()["message"] + r.json().get("detail", "")
    v3 = call(
        server.url + "/v3/glossaries",
        {"name": "bad", "dictionaries": [{k: v for k, v in body.items() if k != "name"}]},
        headers=AUTH,
    )
    assert v3.status == 400 and where in v3.json()["message"]
    ours = call(
        server.url + "/v1/glossaries",
        {"name": "bad", "entries": entries, "entries_format": entries_format},
        headers=BEARER,
    )
    assert ours.status in (400, 422) and where in ours.json()["error"]["message"]
    assert ids(server) == before


def test_v3_dictionaries_merge_replace_delete_and_one_id_space(server: App) -> None:
    dictionary = {"source_lang": "id", "target_lang": "en", "entries": NEWS_TSV, "entries_format": "tsv"}
    made = call(server.url + "/v3/glossaries", {"name": "v3", "dictionaries": [dictionary]}, headers=AUTH)
    assert made.status == 201
    gid = made.json()["glossary_id"]
    assert made.json()["dictionaries"] == [{"source_lang": "id", "target_lang": "en", "entry_count": 3}]
    assert gid in ids(server) and call(server.url + f"/v2/glossaries/{gid}", headers=AUTH).json()["entry_count"] == 3
    patch = {"name": "v3b", "dictionaries": [{**dictionary, "entries": "Polri\tIndonesian Police\nKPK\tKPK"}]}
    patched = call(server.url + f"/v3/glossaries/{gid}", patch, method="PATCH", headers=AUTH)
    assert patched.status == 200 and patched.json()["name"] == "v3b"
    assert patched.json()["dictionaries"][0]["entry_count"] == 4
    query = "?source_lang=ID&target_lang=EN"
    got = call(server.url + f"/v3/glossaries/{gid}/entries{query}", headers=AUTH).json()
    assert got == {
        "dictionaries": [
            {
                "source_lang": "id",
                "target_lang": "en",
                "entries_format": "tsv",
                "entries": "DPR\tHouse of Representatives\nPolri\tIndonesian Police\nJokowi\tJokowi\nKPK\tKPK\n",
            }
        ]
    }
    put = call(
        server.url + f"/v3/glossaries/{gid}/dictionaries", {**dictionary, "entries": "a\tb"}, method="PUT", headers=AUTH
    )
    assert put.status == 200 and put.json() == {"source_lang": "id", "target_lang": "en", "entry_count": 1}
    german = call(
        server.url + f"/v3/glossaries/{gid}/dictionaries",
        {**dictionary, "target_lang": "de"},
        method="PUT",
        headers=AUTH,
    )
    assert german.status == 400 and "ID→EN" in german.json()["message"]
    assert call(server.url + f"/v3/glossaries/{gid}/entries?source_lang=en&target_lang=de", headers=AUTH).status == 400
    deleted = call(server.url + f"/v3/glossaries/{gid}/dictionaries{query}", method="DELETE", headers=AUTH)
    assert deleted.status == 204
    assert call(server.url + f"/v3/glossaries/{gid}", headers=AUTH).json()["dictionaries"] == []
    assert call(server.url + f"/v3/glossaries/{gid}/entries{query}", headers=AUTH).status == 404
    assert call(server.url + f"/v3/glossaries/{gid}/dictionaries{query}", method="DELETE", headers=AUTH).status == 404
    assert call(server.url + f"/v3/glossaries/{gid}", method="DELETE", headers=AUTH).status == 204
    assert gid not in ids(server, version="v3")


def test_v3_languages_as_weblate_reads_them(server: App) -> None:
    for resource in ("translate_text", "glossary"):
        languages = call(server.url + f"/v3/languages?resource={resource}", headers=AUTH).json()
        assert [(x["lang"], x["usable_as_source"], x["usable_as_target"]) for x in languages] == [
            ("id", True, False),
            ("en", False, True),
        ]
    assert call(server.url + "/v3/languages?resource=voice", headers=AUTH).status == 400


def test_glossary_ids_rules_on_translate_and_document(server: App) -> None:
    gid = v2(server)["glossary_id"]
    base = {"text": ["Halo."], "target_lang": "EN-US"}
    no_source = call(server.url + "/v2/translate", {**base, "glossary_id": gid}, headers=AUTH)
    assert no_source.status == 400
    assert no_source.json() == {"message": "Use of a glossary requires the source_lang parameter to be specified"}
    both = call(
        server.url + "/v2/translate",
        {**base, "source_lang": "ID", "glossary_id": gid, "glossary_ids": [gid]},
        headers=AUTH,
    )
    assert both.status == 400
    six = call(server.url + "/v2/translate", {**base, "source_lang": "ID", "glossary_ids": [gid] * 6}, headers=AUTH)
    assert six.status == 400 and "at most 5" in six.json()["message"]
    form = f"text=Halo.&target_lang=EN-US&source_lang=ID&glossary_ids={gid},{gid}"
    assert call(server.url + "/v2/translate", form, content_type=FORM, headers=AUTH).status == 200
    unknown = call(server.url + "/v2/translate", {**base, "source_lang": "ID", "glossary_id": "nope"}, headers=AUTH)
    assert unknown.status == 404 and "nope" in unknown.json()["message"]
    files = {"target_lang": "EN-US", "glossary_id": "nope", "source_lang": "ID"}
    boundary = "b0undary"
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in files.items()
    )
    upload = (
        parts
        + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
        + f"Halo.\r\n--{boundary}--\r\n"
    )
    r = call(
        server.url + "/v2/document", upload, content_type=f"multipart/form-data; boundary={boundary}", headers=AUTH
    )
    assert r.status == 404


def test_ours_create_get_entries_replace_delete_and_use(server: App) -> None:
    made = call(
        server.url + "/v1/glossaries",
        {"name": "ours", "entries": {"DPR": "House of Representatives", "<b>x</b>": "<i>y</i> & z"}},
        headers=BEARER,
    )
    assert made.status == 201 and made.json()["entry_count"] == 2
    gid = made.json()["id"]
    assert call(server.url + f"/v1/glossaries/{gid}/entries", headers=BEARER).json() == {
        "entries": {"DPR": "House of Representatives", "<b>x</b>": "<i>y</i> & z"}
    }
    assert gid in ids(server)  # one ID space with DeepL's
    replaced = call(
        server.url + f"/v1/glossaries/{gid}", {"name": "ours2", "entries": "KPK\tKPK\n"}, method="PUT", headers=BEARER
    )
    assert replaced.status == 200 and (replaced.json()["name"], replaced.json()["entry_count"]) == ("ours2", 1)
    for path, body in (
        ("/v1/translate", {"texts": ["Halo."]}),
        ("/v1/documents", {"documents": [{"id": "a", "text": "Halo."}]}),
    ):
        for extra in ({"glossary": gid}, {"terms": {"Halo": "Hello"}}, {"glossary": gid, "terms": {"Halo": "Hello"}}):
            assert call(server.url + path, {**body, **extra}, headers=BEARER).status == 200
    terms = {"pilkada": "regional elections", "polri": "National Police"}
    aligned = call(
        server.url + "/v1/documents", {"documents": [{"id": "a", "text": SAY}], "terms": terms}, headers=BEARER
    )
    sentence = aligned.json()["documents"][0]["paragraphs"][0]["sentences"][0]
    assert sentence["target"] == HEAR and [(t["target"], t["status"]) for t in sentence["terms"]] == [
        ("regional elections", "applied"),
        ("National Police", "applied"),
    ]
    texts = call(server.url + "/v1/translate", {"texts": [SAY, "Halo."], "terms": terms}, headers=BEARER).json()
    assert texts["translations"][0] == HEAR
    stream = call(
        server.url + "/v1/documents",
        {"documents": [{"id": "a", "text": "Halo."}], "stream": True, "glossary": gid},
        headers=BEARER,
    )
    assert stream.status == 200 and json.loads(stream.body.splitlines()[-1])["done"] is True
    bad_terms = call(server.url + "/v1/translate", {"texts": ["Halo."], "terms": {"Halo": ""}}, headers=BEARER)
    assert bad_terms.status == 400 and "entry 1: the target is empty" in bad_terms.json()["error"]["message"]
    libre = call(
        server.url + "/translate", {"q": "Halo.", "source": "id", "target": "en", "glossary": gid, "api_key": KEY}
    )
    assert libre.status == 200
    assert (
        call(
            server.url + "/translate",
            {"q": "Halo.", "source": "id", "target": "en", "glossary": "nope", "api_key": KEY},
        ).status
        == 404
    )
    assert call(server.url + f"/v1/glossaries/{gid}", method="DELETE", headers=BEARER).status == 204
    assert call(server.url + f"/v1/glossaries/{gid}", headers=BEARER).status == 404


def test_hostile_glossaries_at_the_edge(server: App) -> None:
    """10 MiB and 100,000 entries are taken (the glossary routes' own body limit), within seconds; over 10 MiB
    is a 400 naming the limit; the other routes keep their limit; regex metacharacters, RTL marks, zero-width
    joiners, a whole sentence and markup are entries like any other."""
    hundred_thousand = "".join(f"istilah{i}\tterm number {i}\n" for i in range(100_000))
    start = time.monotonic()
    big = v2(server, "100k", hundred_thousand)
    assert big["entry_count"] == 100_000 and time.monotonic() - start < 30
    line = "x" * 100 + "\t" + "y" * 99 + "\n"  # 201 bytes
    ten_mib = "".join(f"{i:08d}{line[8:]}" for i in range(10 * 1024 * 1024 // len(line)))
    assert len(ten_mib) <= 10 * 1024 * 1024 < len(ten_mib) + len(line)
    assert v2(server, "10MiB", ten_mib)["entry_count"] == 10 * 1024 * 1024 // len(line)
    over = call(
        server.url + "/v2/glossaries",
        {"name": "over", "source_lang": "id", "target_lang": "en", "entries": ten_mib + line},
        headers=AUTH,
    )
    assert over.status == 400 and "over the limit of 10485760" in over.json()["message"]
    same_body = call(server.url + "/v1/translate", {"texts": [ten_mib]}, headers=BEARER)
    assert same_body.status == 413 and "TRANSLATOR_MAX_BODY_BYTES" in same_body.json()["error"]["message"]
    huge = call(server.url + "/v2/glossaries", b"x" * (41 * 1024 * 1024 + 1), content_type=FORM, headers=AUTH)
    assert huge.status == 413
    odd = "\n".join(
        [
            "a.*b(c)[d]\\1$^|+?{2}\tregex",
            "\u200fשלום\u200e\tRTL",
            "a\u200db\tZWJ",
            "Presiden meresmikan jalan tol baru di Jawa Tengah pada hari Senin.\tA whole sentence.",
            "<script>alert(1)</script>\t<b>bold</b> &amp;",
            "Joko\tJoko",
            "Joko Widodo\tJoko Widodo",
        ]
    )
    made = v2(server, "odd", odd)
    assert made["entry_count"] == 7
    body = {
        "text": ["a.*b(c)[d] dan Joko Widodo <script>alert(1)</script>."],
        "source_lang": "ID",
        "target_lang": "EN-US",
        "glossary_id": made["glossary_id"],
    }
    assert call(server.url + "/v2/translate", body, headers=AUTH).status == 200
    for gid in (big["glossary_id"], made["glossary_id"]):
        assert call(server.url + f"/v2/glossaries/{gid}", method="DELETE", headers=AUTH).status == 204


def test_weblate_sync_replayed(server: App) -> None:
    """Weblate's DeepL backend (research note §4.1), call by call: the languages, the glossary list, a stale
    glossary's dictionary replaced and its name changed, or another deleted and created anew, then a translation
    with glossary_id, tag_handling=xml and ignore_tags=["x"]; its settings probe (en→de) is refused plainly."""
    headers = {**AUTH, "Accept": "application/json; charset=utf-8", "Referer": "https://weblate.example/"}
    assert call(server.url + "/v3/languages?resource=translate_text", headers=headers).status == 200
    assert call(server.url + "/v3/languages?resource=glossary", headers=headers).status == 200
    tsv = "DPR\tHouse of Representatives\npilkada\tregional elections\n"
    dictionary = {"source_lang": "id", "target_lang": "en", "entries": tsv, "entries_format": "tsv"}
    stale = call(
        server.url + "/v3/glossaries", {"name": "weblate:7:ID:EN:old", "dictionaries": [dictionary]}, headers=headers
    )
    listed = {g["name"]: g for g in call(server.url + "/v3/glossaries", headers=headers).json()["glossaries"]}
    gid = listed["weblate:7:ID:EN:old"]["glossary_id"]
    assert gid == stale.json()["glossary_id"]
    put = call(
        server.url + f"/v3/glossaries/{gid}/dictionaries",
        {**dictionary, "entries": tsv + "polri\tNational Police\n"},
        method="PUT",
        headers=headers,
    )
    assert put.status == 200 and put.json()["entry_count"] == 3
    renamed = call(
        server.url + f"/v3/glossaries/{gid}", {"name": "weblate:7:ID:EN:new"}, method="PATCH", headers=headers
    )
    assert renamed.status == 200 and renamed.json()["name"] == "weblate:7:ID:EN:new"
    assert call(server.url + f"/v3/glossaries/{gid}", method="DELETE", headers=headers).status == 204
    assert call(server.url + f"/v3/glossaries/{gid}", method="DELETE", headers=headers).status == 404  # tolerated
    dictionary["entries"] = tsv + "polri\tNational Police\n"  # the new name's content
    created = call(
        server.url + "/v3/glossaries", {"name": "weblate:7:ID:EN:new", "dictionaries": [dictionary]}, headers=headers
    )
    assert created.status == 201
    listed = {
        g["name"]: g["glossary_id"] for g in call(server.url + "/v3/glossaries", headers=headers).json()["glossaries"]
    }
    body = {
        "text": ['Kata <x id="0"></x> DPR.', f'<x id="1"></x> {SAY}'],
        "source_lang": "id",
        "target_lang": "en",
        "formality": "default",
        "tag_handling": "xml",
        "ignore_tags": ["x"],
        "glossary_id": listed["weblate:7:ID:EN:new"],
    }
    translated = call(server.url + "/v2/translate", body, headers=headers)
    assert translated.status == 200 and len(translated.json()["translations"]) == 2
    english = [t["text"] for t in translated.json()["translations"]]
    assert '<x id="0"></x>' in english[0] and english[1] == f'<x id="1"></x> {HEAR}'  # the terms in the English
    probe = {
        "text": ["test"],
        "source_lang": "en",
        "target_lang": "de",
        "formality": "default",
        "tag_handling": "xml",
        "ignore_tags": ["x"],
    }
    refused = call(server.url + "/v2/translate", probe, headers=headers)
    assert refused.status == 400 and refused.json() == {"message": "Value for 'target_lang' not supported."}
