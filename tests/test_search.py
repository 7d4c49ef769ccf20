"""The archive's html/ as people use it without a server: pages named from their documents' ids, the lists
beside them that previous/next, the search box and the flag filter read (documents.js, sentences.js), the
index's totals; and `translator search OUT WORDS`, which finds what the search box finds (the browser side
of both is in tests/api/test_reader.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_main
from translator import Translator
from translator.archive import JobOptions, run
from translator.search import matches
from translator.writers.page import page_name


def script_list(path: Path) -> list[Any]:
    """The list a documents.js or sentences.js assigns."""
    text = path.read_text(encoding="utf-8")
    body = re.fullmatch(r"window\.\w+ = \[\n(.*)\];\n", text, re.DOTALL)
    assert body, text[:200]
    return [json.loads(line.rstrip(",").replace("<\\/", "</")) for line in body[1].splitlines()]


def test_page_names_are_safe_slugs_of_the_id_and_unique() -> None:
    ids = ["news/a.txt", "news a.txt", "News/A.txt", "a-b", "a b", "index", "Berita Ekonomi: harga naik!", "ä/é", ""]
    names = [page_name(i) for i in ids]
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*\.html", n) for n in names), names
    assert len(set(names)) == len(ids) and "index.html" not in names
    assert page_name("a-b") == "a-b.html"  # an id that is a slug already keeps it
    assert page_name("news/a.txt").startswith("news-a-txt-") and page_name("ä/é").startswith("a-e-")
    assert page_name("x" * 300) == page_name("x" * 300) and len(page_name("x" * 300)) <= 60 + 9 + 5


def test_search_rule() -> None:
    assert matches(["WARUNG", "store"], "Iya benar, dia sedang jaga warung.", "he's looking after the store")
    assert not matches(["warung", "pasar"], "Iya benar, dia sedang jaga warung.", "the store")
    assert matches([], "a", "b")


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory, pairs: list[dict[str, str]], tiny: Translator) -> Path:
    """Four documents, the first twice as long, one failing."""
    root = tmp_path_factory.mktemp("search")
    (root / "in").mkdir()
    for i in range(3):
        text = " ".join(p["source"] for p in pairs[i * 4 : i * 4 + 3 + (i == 0) * 3])
        (root / "in" / f"berita {i}.txt").write_text(text, encoding="utf-8")
    (root / "in" / "kosong.txt").write_text("", encoding="utf-8")
    (root / "in" / "lagi.txt").write_text(pairs[0]["source"] + " " + LONG, encoding="utf-8")
    run(JobOptions([root / "in"], root / "out", ("jsonl", "html")), lambda: tiny)
    return root / "out"


LONG = " ".join(["kata"] * 300) + "."  # flagged


def test_the_lists_and_totals_beside_the_pages(job: Path) -> None:
    docs = [json.loads(line) for line in (job / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    listed = script_list(job / "html" / "documents.js")
    assert [d[0] for d in listed] == [page_name(d["id"]) for d in docs]
    assert all((job / "html" / d[0]).is_file() for d in listed)
    assert [d[2] for d in listed] == [d["id"] for d in docs]
    assert [d[3] for d in listed] == [d["summary"]["sentences"] for d in docs]
    assert [d[4] for d in listed] == [d["summary"]["flags"] for d in docs]
    sentences = script_list(job / "html" / "sentences.js")
    assert sentences == [
        [
            page_name(d["id"]),
            [[s["id"], s["source"], s["target"], s["flags"]] for p in d["paragraphs"] for s in p["sentences"]],
        ]
        for d in docs
    ]
    index = (job / "html" / "index.html").read_text(encoding="utf-8")
    total = sum(d["summary"]["sentences"] for d in docs)
    flagged = sum(1 for d in docs for p in d["paragraphs"] for s in p["sentences"] if s["flags"])
    flags = {}
    for d in docs:
        for name, n in d["summary"]["flags"].items():
            flags[name] = flags.get(name, 0) + n
    assert flagged and flags
    said = re.search(r'<p class="totals">(.*?)</p>', index, re.DOTALL)
    assert said and re.sub(r"<[^>]+>", "", said[1]) == (
        f"4 documents, {total} sentences, {flagged} flagged; 1 not translated ("
        + ", ".join(f"{name} {n}" for name, n in sorted(flags.items()))
        + ")"
    )
    assert 'meta name="archive-page"' in (job / "html" / listed[1][0]).read_text(encoding="utf-8")


def test_translator_search_finds_the_pairs_with_every_word(job: Path, pairs: list[dict[str, str]]) -> None:
    docs = [json.loads(line) for line in (job / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    everything = [(d["id"], s) for d in docs for p in d["paragraphs"] for s in p["sentences"]]
    word = pairs[0]["source"].split()[-1].strip(".").upper()  # in two documents, in another case
    done = run_main(["search", str(job), word, "jaga"])
    assert done.returncode == 0, done.stderr
    expected = [(i, s) for i, s in everything if matches([word, "jaga"], s["source"], s["target"])]
    assert len(expected) == 2
    assert done.stdout.decode().splitlines() == [f"{i}\t{s['id']}\t{s['source']}\t{s['target']}" for i, s in expected]
    [flag, *_] = [f for _, s in everything for f in s["flags"]]  # the long sentence's
    flagged = run_main(["search", str(job), "--flag", flag]).stdout.decode().splitlines()
    assert [line.split("\t")[:2] for line in flagged] == [[i, s["id"]] for i, s in everything if flag in s["flags"]]
    assert flagged
    english = run_main(["search", str(job), pairs[1]["target"].split()[2]]).stdout.decode()
    assert pairs[1]["source"] in english  # the English side is searched too
    missing = run_main(["search", str(job / "nothing"), "x"])
    assert missing.returncode == 1 and missing.stderr.decode().startswith("translator: error: cannot search")
    assert missing.stderr.decode().count("\n") == 1
