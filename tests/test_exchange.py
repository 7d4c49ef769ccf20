"""Reviewed translations in and out as files (translator/exchange.py; `translator memory import`, `memory export
--reviewed`): TMX 1.4 as translate-toolkit writes it, XLIFF 2 reviewed or final targets, TSV; all or nothing per
file; bad files refused in one line with nothing imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from translate.storage import tmx

from tests.conftest import run_main
from translator import exchange
from translator.exchange import ImportRefused
from translator.reviewed import ReviewedStore
from translator.store import layout


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("TRANSLATOR_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def store(tmp_path: Path) -> ReviewedStore:
    return ReviewedStore(tmp_path / "reviewed.sqlite3")


def toolkit_tmx(pairs: list[tuple[str, str]]) -> bytes:
    """A TMX as translate-toolkit writes it (with its DOCTYPE line)."""
    file = tmx.tmxfile(sourcelanguage="id", targetlanguage="en")
    for source, target in pairs:
        file.addsourceunit(source).target = target
    return bytes(file)


XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="id" trgLang="en">
 <file id="f1">
  <unit id="u1"><segment state="final"><source>Satu kalimat.</source><target>One sentence.</target></segment></unit>
  <unit id="u2"><segment state="reviewed"><source>Dua <pc id="b">kalimat</pc>.</source>
   <target>Two <pc id="b">sentences</pc>.</target></segment></unit>
  <unit id="u3"><segment state="translated"><source>Tiga.</source><target>Three.</target></segment></unit>
  <unit id="u4"><segment><source>Empat.</source></segment></unit>
 </file>
</xliff>
"""


def test_a_translate_toolkit_tmx_imports_and_a_second_import_updates(store: ReviewedStore) -> None:
    first = exchange.import_file(store, "a.tmx", toolkit_tmx([("Halo dunia.", "Hello world."), ("Ya.", "Yes.")]), "cli")
    assert (first.added, first.updated, first.skipped) == (2, 0, [])
    again = exchange.import_file(
        store, "b.tmx", toolkit_tmx([("Halo  dunia.", "Hello, world."), ("Ya.", "Yes.")]), "cli"
    )
    assert (again.added, again.updated) == (0, 1)
    assert again.to_dict()["reasons"] == {"the store has this English already": 1}
    assert store.english(["Halo dunia.", "Ya."]) == ["Hello, world.", "Yes."]
    assert {e.origin for e in store.entries()} == {"import a.tmx", "import b.tmx"}


def test_xliff_2_imports_only_reviewed_and_final_targets(store: ReviewedStore) -> None:
    done = exchange.import_file(store, "r.xlf", XLIFF.encode(), "key-x")
    assert (done.added, done.updated) == (2, 0)
    assert sorted(done.skipped) == [("unit u3", "state translated, not reviewed or final"), ("unit u4", "no target")]
    assert store.english(["Satu kalimat.", "Dua kalimat.", "Tiga."]) == ["One sentence.", "Two sentences.", None]


def test_tsv_with_a_header_or_two_columns_imports(store: ReviewedStore) -> None:
    ours = "doc_id\tsentence_id\tsource\ttarget\tflags\nd\ts1\tSatu.\tOne.\t\nd\ts2\tDua\\tdua.\tTwo\\ttwo.\t\n"
    assert exchange.import_file(store, "pairs.tsv", ours.encode(), "cli").added == 2
    assert exchange.import_file(store, "plain.tsv", b"Tiga.\tThree.\n\nEmpat.\t \n", "cli").added == 1
    assert store.english(["Dua\tdua.", "Tiga.", "Empat."]) == ["Two\ttwo.", "Three.", None]


BAD = {
    "not XML": (b"<tmx version='1.4'><body><tu>", "not well-formed XML"),
    "another TMX version": (b'<tmx version="1.1"><header/><body/></tmx>', "only TMX 1.4"),
    "XLIFF 1.2": (b'<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2"/>', "only XLIFF 2"),
    "an external entity": (
        b'<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<tmx version="1.4"><body><tu><tuv xml:lang="id"><seg>&x;</seg></tuv></tu></body></tmx>',
        "declarations of its own",
    ),
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]><tmx version="1.4"><body><tu><tuv xml:lang="id">'
        b"<seg>&lol3;</seg></tuv></tu></body></tmx>",
        "declarations of its own",
    ),
    "a parameter entity": (
        b'<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
        b'<tmx version="1.4"><body/></tmx>',
        "declarations of its own",
    ),
    "an undeclared entity": (b'<tmx version="1.4"><body><tu><seg>&x;</seg></tu></body></tmx>', "not well-formed"),
    "other XML": (b"<html><body/></html>", "neither TMX nor XLIFF"),
    "binary": (b"\x00\xff\xfe binary", "neither XML nor UTF-8 TSV"),
    "a TSV of one column": (b"just one column\n", "expected source and target"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_is_refused_whole_in_one_line(store: ReviewedStore, case: str) -> None:
    data, message = BAD[case]
    good = toolkit_tmx([("Halo dunia.", "Hello world.")])
    with pytest.raises(ImportRefused, match=message) as refused:
        exchange.import_file(store, "bad", data, "cli")
    assert "\n" not in str(refused.value)
    # all or nothing: a good file's entries with a broken unit after them import nothing
    broken = good.replace(b"</body>", b"<tu><tuv xml:lang='id'><seg>Dua.</seg></tuv></tu></body>") + data
    with pytest.raises(ImportRefused):
        exchange.import_file(store, "half.tmx", broken, "cli")
    assert store.entries() == []


def test_over_the_size_limit_is_refused_before_parsing(store: ReviewedStore) -> None:
    with pytest.raises(ImportRefused, match="over the limit"):
        exchange.import_file(store, "big.tsv", b"a\tb\n" * 1000, "cli", limit=1024)


def test_the_command_line_imports_into_the_data_folder_and_exports_tmx(data: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.tmx"
    source.write_bytes(toolkit_tmx([("Halo dunia.", "Hello world."), ("Ya.", "Yes.")]))
    done = run_main(["memory", "import", str(source)])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == 2
    store = ReviewedStore(layout.reviewed_file(data))
    assert {(e.who, e.origin) for e in store.entries()} == {("cli", "import in.tmx")}
    out = tmp_path / "out.tmx"
    assert run_main(["memory", "export", "--reviewed", "--tmx", str(out)]).returncode == 0
    back = tmx.tmxfile(out.read_bytes())
    assert sorted((u.source, u.target) for u in back.units) == [("Halo dunia.", "Hello world."), ("Ya.", "Yes.")]
    big = tmp_path / "big.tsv"
    with big.open("wb") as fh:
        fh.truncate(100 * 1000 * 1000)  # 100 MB (sparse): refused at the edge, never read
    refused = run_main(["memory", "import", str(big)])
    assert refused.returncode == 1 and b"over the limit" in refused.stderr
    assert len(refused.stderr.decode().strip().splitlines()) == 1
    bad = tmp_path / "bad.xml"
    bad.write_bytes(BAD["billion laughs"][0])
    assert run_main(["memory", "import", str(bad)]).returncode == 1
    assert len(store.entries()) == 2
