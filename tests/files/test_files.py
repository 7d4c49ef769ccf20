"""The file registry, plain text and HTML pages: bytes in, the same file back with its text translated."""

from __future__ import annotations

import codecs
import re

import pytest

from tests.files.test_docx import formatted
from tests.files.test_srt import STYLED
from tests.files.test_xliff import XLIFF
from translator import markup, quality
from translator.errors import InputError
from translator.files import SUFFIXES, Options, parse, translate_file


def shout(texts: list[str]) -> list[str]:
    return [text.upper() for text in texts]


@pytest.mark.parametrize("name", ["a.pdf", "a", "a.txt.gz"])
def test_an_unsupported_type_is_refused_naming_the_supported_ones(name: str) -> None:
    with pytest.raises(InputError, match=re.escape("supported are .txt, .html, .htm, .docx, .srt, .xlf, .xliff")):
        parse(name, b"teks")


def test_the_suffix_is_read_in_any_case() -> None:
    assert translate_file("BERITA.TXT", b"halo", shout) == b"HALO"
    assert SUFFIXES == (".txt", ".html", ".htm", ".docx", ".srt", ".xlf", ".xliff", ".md", ".markdown")


def test_text_keeps_its_bom_and_crlf_and_is_one_text() -> None:
    data = codecs.BOM_UTF8 + "\r\nSatu dua.\r\nTiga.\r\n\r\nEmpat é.\r\n".encode()
    parsed = parse("a.txt", data)
    assert parsed.texts == ["Satu dua.\nTiga.\n\nEmpat é."]  # line ends as the segmenter expects them
    assert parsed.characters == len(parsed.texts[0])
    assert parsed.media_type == "text/plain; charset=utf-8"
    # the whitespace around the text is the file's, whatever the translator does with it
    english = codecs.BOM_UTF8 + b"\r\nOne two.\r\nThree.\r\n\r\nFour.\r\n"
    assert parsed.rebuild(["One two.\nThree.\n\nFour."]) == parsed.rebuild([" One two.\nThree.\n\nFour.\n"]) == english


@pytest.mark.parametrize("data", [b"", b" \r\n\t\r\n"])
@pytest.mark.parametrize("name", ["a.txt", "a.html"])
def test_an_empty_file_comes_back_as_it_was(name: str, data: bytes) -> None:
    assert parse(name, data).characters == 0
    assert translate_file(name, data, shout) == data


@pytest.mark.parametrize("name", ["a.txt", "a.html", "a.srt"])
def test_bytes_that_are_not_utf8_are_refused_saying_where(name: str) -> None:
    with pytest.raises(InputError, match=r"not UTF-8 text \(byte 9\)"):
        parse(name, b"1\nBerita \xe9 lagi\n")


@pytest.mark.parametrize("name", ["a.md", "a.MARKDOWN"])
def test_markdown_is_plain_text_served_as_markdown(name: str) -> None:
    parsed = parse(name, b"# Judul\r\n\r\n*Halo* dunia.\r\n")
    assert parsed.texts == ["# Judul\n\n*Halo* dunia."] and parsed.media_type == "text/markdown; charset=utf-8"
    assert parsed.build(["# Title\n\n*Hello* world."]) == b"# Title\r\n\r\n*Hello* world.\r\n"


def test_a_huge_single_line_is_one_text_and_comes_back_whole() -> None:
    line = "kata " * 400_000
    assert translate_file("a.txt", line.encode(), shout) == line.upper().encode()


PAGE = (
    '\ufeff<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8"><title>Berita &amp; opini</title>\n'
    "<script>if(a<b){x='<p>'}</script><style>p>b{}</style></head>\n"
    "<body><!-- catatan --><h1 class='judul'>Harga naik</h1>\r\n<p>Kata <b>Budi</b>, &lt;lagi&gt;.</p>"
    '<img alt="gambar" src="a.png"><pre>kode</pre></body></html>\n'
)


def test_a_page_keeps_its_markup_byte_for_byte_and_translates_its_sentences_whole() -> None:
    parsed = parse("a.HTM", PAGE.encode())
    assert parsed.markup and parsed.media_type == "text/html; charset=utf-8"
    assert markup.parse(parsed.texts[0]).sources() == ["Berita & opini", "Harga naik", "Kata Budi, <lagi>."]
    assert parsed.characters == len("Berita & opiniHarga naikKata Budi, <lagi>.gambar")  # the alt text too
    expected = (
        PAGE.replace("Berita &amp; opini", "BERITA &amp; OPINI")
        .replace("Harga naik", "HARGA NAIK")
        .replace("Kata <b>Budi</b>, &lt;lagi&gt;.", "KATA <b>BUDI</b>, &lt;LAGI&gt;.")
        .replace('alt="gambar"', 'alt="GAMBAR"')
        .replace("</body>", "<!-- translator: left as written: 1 pre --></body>")
    )
    assert translate_file("a.html", PAGE.encode(), shout) == expected.encode()


def test_markup_is_translated_in_one_call_over_all_its_text_nodes() -> None:
    calls: list[list[str]] = []

    def record(texts: list[str]) -> list[str]:
        calls.append(texts)
        return shout(texts)

    assert translate_file("a.html", b"<p>satu</p><p>dua</p>", record) == b"<p>SATU</p><p>DUA</p>"
    assert calls == [["satu", "dua"]]


NOTES = (
    "---\ntitle: Catatan rapat\n---\n\n# Judul\n\nKata Budi.\n\n"
    '```python\nprint("jangan diterjemahkan")\n```\n\nLalu ~~~ bukan pagar.\n\n'
    "~~~~\nkode ~~~ tetap\n~~~~\n\nAkhir.\n\n```\npagar tanpa penutup\n"
)


def test_markdown_code_blocks_and_front_matter_are_kept_byte_for_byte() -> None:
    """A fenced code block (``` or ~~~, to its closing fence or the end of the file, as CommonMark reads it) and
    a YAML front matter are not prose: the model never sees them, and they come back as they were."""
    parsed = parse("notes.md", NOTES.replace("\n", "\r\n").encode())
    assert parsed.sources() == ["", "# Judul\n\nKata Budi.", "Lalu ~~~ bukan pagar.", "Akhir.", ""]  # "": as itself
    english = parsed.build(shout(parsed.sources())).decode()
    assert english == NOTES.replace("\n", "\r\n").replace("Kata Budi", "KATA BUDI").replace(
        "# Judul", "# JUDUL"
    ).replace("Lalu ~~~ bukan pagar", "LALU ~~~ BUKAN PAGAR").replace("Akhir.", "AKHIR.")
    assert translate_file("a.md", b"Teks saja.\n", shout) == b"TEKS SAJA.\n"  # no fence: one text, as before


@pytest.mark.parametrize(
    ("name", "data", "tagged"),
    [
        ("a.html", b"<p>Saya suka <b>nasi goreng</b> di Jakarta.</p><p>Tidak ada tag.</p>", 1),
        ("a.docx", formatted(), 1),
        ("a.srt", STYLED.encode(), 3),
        ("a.xlf", XLIFF, 1),
    ],
)
def test_a_file_result_counts_the_sentences_whose_markup_was_placed_by_a_guess(
    name: str, data: bytes, tagged: int
) -> None:
    """One count for every format with inline markup: English sharing no word with the source leaves each tag's
    place a guess (each sentence holding a tag is counted once); the source's own words place every tag surely."""
    parsed = parse(name, data)
    unrelated = parsed.translated(["Zebra quokka walrus." for _ in parsed.sources()])
    assert unrelated.flags == {quality.MARKUP_MOVED: tagged}
    assert unrelated.data == parsed.build(["Zebra quokka walrus." for _ in parsed.sources()])
    assert parsed.translated(parsed.sources()).flags == {}
    assert parse("a.txt", b"Halo.").translated(["Hello."]).flags == {}  # no markup: nothing to count


def test_a_request_s_markup_options_reach_an_html_file_and_no_other_format() -> None:
    page = b"<p>Saya suka <x>nasi goreng</x> di <b>Jakarta</b>. Dia makan.</p>"
    asked = Options(markup=markup.Options(xml=True, ignored=frozenset({"x"}), splitting=frozenset({"b"})))
    assert parse("a.html", page).sources() == ["Saya suka nasi goreng di Jakarta.", "Dia makan."]
    # x kept with its content, b ends a sentence's text; read as HTML (the file says what it is) whatever was asked
    assert parse("a.html", page, asked).sources() == ["Saya suka di", "Jakarta", ".", "Dia makan."]
    assert parse("a.docx", formatted(), asked).texts == parse("a.docx", formatted()).texts
