"""The TMX and XLIFF writers: valid against the TMX 1.4b DTD and the XLIFF 2.0 schema, text back exactly through
translate-toolkit's readers, characters XML cannot hold replaced by U+FFFD and reported, nothing dropped.

tests/fixtures/tmx14.dtd is LISA's TMX 1.4 DTD ("-//LISA OSCAR:1998//DTD for Translation Memory eXchange//EN",
freely distributable, unchanged by 1.4b), as copied in the mgrbyte/python-tmx repository.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from translate.storage import tmx as tt_tmx
from translate.storage import xliff2 as tt_xliff2

from tests.conftest import ROOT, SHARED_DATA, needs_shared_data
from translator.cli import main
from translator.config import DecodeOptions
from translator.memory import TranslationMemory
from translator.types import AlignedDocument, Paragraph, Provenance, Sentence, Translation
from translator.writers import writer_type
from translator.writers.base import Finished

XLF = "{urn:oasis:names:tc:xliff:document:2.0}"
PROVENANCE = {"model": "tiny-id-en", "beam_size": 4}
PROV = Provenance("tiny-id-en", "r1", "hf", 4, "id/1", "0.1.0")
ORDINARY = [
    ("Harga naik 5% & <turun> \"lagi\" 'katanya'.", "Prices rose 5% & <fell> \"again\" 'he said'."),
    ("baris satu\nbaris dua\r\n\tberindentasi ", "line one\nline two\r\n\tindented "),
    ("  spasi di tepi  ", "  spaces at the edges  "),
    ("Emoji 😀👍🏽 dan ]]> dan &amp;", "Emoji 😀👍🏽 and ]]> and &amp;"),
    ("عربي مع English و עברית", "Arabic with English and Hebrew: עברית"),
    ("", ""),
]
# One of each kind XML 1.0 cannot hold: C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates.
INVALID = "\x00\x01\x08\x0b\x0c\x0e\x1b\x1f\ufffe\uffff\ud800\udfff"
INVALID_CODES = "U+0000 U+0001 U+0008 U+000B U+000C U+000E U+001B U+001F U+FFFE U+FFFF U+D800 U+DFFF"
FFFD = {ord(c): "\ufffd" for c in INVALID}


def records(pairs: list[tuple[str, str]], doc_id: str = "doc-1", flags: str = "ok") -> list[AlignedDocument]:
    """Aligned documents: the pairs spread over two documents, two paragraphs in the first."""
    sentences = [Sentence(f"s{i}", 0, len(s), s, t, (flags,)) for i, (s, t) in enumerate(pairs)]
    half = len(sentences) // 2

    def doc(name: str, *paragraphs: list[Sentence]) -> AlignedDocument:
        return AlignedDocument(name, "", tuple(Paragraph(i, 0, 0, tuple(p)) for i, p in enumerate(paragraphs)), PROV)

    return [doc(doc_id, sentences[:1], sentences[1:half]), doc("doc-2", sentences[half:])]


def sentences(recs: list[AlignedDocument]) -> list[tuple[str, Sentence]]:
    return [(r.id, s) for r in recs for s in r.sentences]


def written(export: str, recs: Iterable[AlignedDocument], provenance: dict[str, Any]) -> bytes:
    """What the export's writer of an archive job leaves in its file, given these documents."""
    with tempfile.TemporaryDirectory() as folder:
        writer = writer_type(export)(Path(folder), provenance)
        writer.open({})
        for seq, doc in enumerate(recs):
            writer.write(Finished(seq, doc.id, doc))
        writer.sync()
        writer.close(complete=True)
        return (Path(folder) / writer.FILES[0]).read_bytes()


def valid_tmx(data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    etree.DTD(str(ROOT / "tests" / "fixtures" / "tmx14.dtd")).assertValid(root)
    return root


def valid_xliff(data: bytes) -> etree._Element:
    root = etree.fromstring(data)
    etree.XMLSchema(etree.parse(str(SHARED_DATA / "schemas" / "xliff-core-2.0.xsd"))).assertValid(root)
    return root


def tmx_props(element: etree._Element) -> dict[str, str]:
    return {p.get("type"): p.text or "" for p in element.findall("prop")}


def xliff_notes(element: etree._Element) -> list[str]:
    return [n.text or "" for n in element.findall(f"{XLF}notes/{XLF}note")]


def test_tmx_is_valid_and_gives_back_text_ids_and_provenance() -> None:
    recs = records(ORDINARY)
    data = written("tmx", recs, PROVENANCE)
    root = valid_tmx(data)
    header = root.find("header")
    assert header is not None and header.get("srclang") == "id" and header.get("segtype") == "sentence"
    assert tmx_props(header) == {"x-provenance-model": "tiny-id-en", "x-provenance-beam_size": "4"}
    pairs = sentences(recs)
    units = list(tt_tmx.tmxfile.parsestring(data).unit_iter())
    assert [(u.source, u.target) for u in units] == ORDINARY
    assert [u.xmlelement.get("tuid") for u in units] == [f"{d}#{s.id}" for d, s in pairs]
    expected = [{"x-doc-id": d, "x-sentence-id": s.id, "x-flags": "ok"} for d, s in pairs]
    assert [tmx_props(u.xmlelement) for u in units] == expected
    langs = [[v.get("{http://www.w3.org/XML/1998/namespace}lang") for v in tu.findall("tuv")] for tu in root.iter("tu")]
    assert langs == [["id", "en"]] * len(pairs)


@needs_shared_data()
def test_xliff_is_schema_valid_with_notes_on_the_unit_and_provenance_on_the_file() -> None:
    recs = records(ORDINARY)
    data = written("xliff", recs, PROVENANCE)
    root = valid_xliff(data)
    units = list(tt_xliff2.Xliff2File.parsestring(data).unit_iter())
    assert [(u.source, u.target) for u in units] == ORDINARY
    assert [u.getid() for u in units] == [f"u{i}" for i in range(1, len(ORDINARY) + 1)]
    expected = [[f"doc-id: {d}", f"sentence-id: {s.id}", "flags: ok"] for d, s in sentences(recs)]
    assert [xliff_notes(u) for u in root.iter(f"{XLF}unit")] == expected
    assert xliff_notes(root.find(f"{XLF}file")) == ["provenance: model=tiny-id-en, beam_size=4"]


@needs_shared_data()
def test_no_sentences_still_make_valid_files() -> None:
    valid_tmx(written("tmx", [], PROVENANCE))
    valid_xliff(written("xliff", [], PROVENANCE))


@needs_shared_data()
def test_characters_xml_cannot_hold_become_fffd_and_are_reported() -> None:
    pairs = [("a" + INVALID, INVALID + "b"), ("bersih", "clean"), (INVALID, "x\x0cy")]
    recs = records(pairs, doc_id="doc\x01", flags="f\x1b")
    provenance = {"model": "m\x00"}
    cleaned = [(s.translate(FFFD), t.translate(FFFD)) for s, t in pairs]

    data = written("tmx", recs, provenance)
    root = valid_tmx(data)
    assert tmx_props(root.find("header"))["x-replaced"] == "x-provenance-model U+0000"
    units = list(tt_tmx.tmxfile.parsestring(data).unit_iter())
    assert [(u.source, u.target) for u in units] == cleaned
    assert [u.xmlelement.get("tuid") for u in units] == ["doc\ufffd#s0", "doc-2#s1", "doc-2#s2"]
    assert [tmx_props(u.xmlelement).get("x-replaced") for u in units] == [
        f"tuid U+0001; source {INVALID_CODES}; target {INVALID_CODES}; x-doc-id U+0001; x-flags U+001B",
        "x-flags U+001B",
        f"source {INVALID_CODES}; target U+000C; x-flags U+001B",
    ]

    data = written("xliff", recs, provenance)
    root = valid_xliff(data)
    assert xliff_notes(root.find(f"{XLF}file")) == ["provenance: model=m\ufffd", "replaced: provenance U+0000"]
    assert [(u.source, u.target) for u in tt_xliff2.Xliff2File.parsestring(data).unit_iter()] == cleaned
    assert [xliff_notes(u)[-1] for u in root.iter(f"{XLF}unit")] == [
        f"replaced: source {INVALID_CODES}; target {INVALID_CODES}; doc-id U+0001; flags U+001B",
        "replaced: flags U+001B",
        f"replaced: source {INVALID_CODES}; target U+000C; flags U+001B",
    ]


@pytest.mark.parametrize("export", ["tmx", "xliff"])
def test_units_reach_the_file_as_documents_come(export: str, tmp_path: Path) -> None:
    """The writer streams: each document's units are in the file (not yet complete) when the writer syncs."""
    writer = writer_type(export)(tmp_path, PROVENANCE)
    writer.open({})
    sizes = []
    for i, doc in enumerate(records(ORDINARY)):
        writer.write(Finished(i, doc.id, doc))
        sizes.append(writer.sync()[writer.FILES[0]])
        assert not (tmp_path / writer.FILES[0]).exists()  # only once complete, under its own name
    writer.close(complete=True)
    final = (tmp_path / writer.FILES[0]).read_bytes()
    assert 0 < sizes[0] < sizes[1] < len(final)


def test_memory_export_writes_a_valid_tmx_of_every_entry(tmp_path: Path) -> None:
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    entries = [("k1", "Satu & dua.", Translation("One & two.")), ("k2", "Kontrol\x1b.", Translation("Control."))]
    memory.store(entries, "tiny", "r1", DecodeOptions())
    memory.close()
    assert main(["memory", "export", "--memory", str(tmp_path / "tm.sqlite"), "--tmx", str(tmp_path / "tm.tmx")]) == 0
    data = (tmp_path / "tm.tmx").read_bytes()
    root = valid_tmx(data)
    units = list(tt_tmx.tmxfile.parsestring(data).unit_iter())
    assert [(u.source, u.target) for u in units] == [("Satu & dua.", "One & two."), ("Kontrol\ufffd.", "Control.")]
    assert [tmx_props(tu) for tu in root.iter("tu")] == [
        {"x-model": "tiny@r1"},
        {"x-model": "tiny@r1", "x-replaced": "source U+001B"},
    ]


GOLDEN = ROOT / "tests" / "fixtures" / "bitext"


def golden_records() -> list[AlignedDocument]:
    """Ordinary text and characters XML cannot hold, in ids, flags and the provenance too."""
    bad = records([("a" + INVALID, INVALID + "b"), ("bersih", "clean")], doc_id="doc\x01", flags="f\x1b")
    return records(ORDINARY) + bad


@pytest.mark.parametrize(("export", "suffix"), [("tmx", "tmx"), ("xliff", "xlf")])
def test_bytes_are_those_of_the_golden_files(export: str, suffix: str) -> None:
    """tests/fixtures/bitext/ holds what the writers wrote before the archive streamed TMX and XLIFF: a job's
    outputs must not change a byte however they are produced."""
    provenance = {"model": "m\x00", "beam_size": 4}
    assert written(export, golden_records(), provenance) == (GOLDEN / f"golden.{suffix}").read_bytes()
    assert written(export, [], provenance) == (GOLDEN / f"golden-empty.{suffix}").read_bytes()
