"""Word documents: reopened with python-docx after translation, the same paragraphs, styles, first-run
formatting, links, fields, breaks and images; corrupt files and zip bombs refused before python-docx reads them."""

from __future__ import annotations

import base64
import io
import re
import struct
import tracemalloc
import zipfile
import zlib
from functools import cache

import docx
import pytest
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml

from translator.errors import InputError
from translator.files import Options, parse, translate_file
from translator.files import docx as word
from translator.pipeline import Translator

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = f'xmlns:w="{W}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def shout(texts: list[str]) -> list[str]:
    return [text.upper() for text in texts]


def paragraph_xml(inner: str) -> str:
    return f"<w:p {NS}>{inner}</w:p>"


@cache
def sample() -> bytes:
    d = docx.Document()
    d.add_heading("Judul berita", level=1)
    p = d.add_paragraph(style="List Bullet")
    p.add_run("Presiden ").italic = True
    p.add_run("Joko Widodo").bold = True
    p.add_run(" berkata\tdi Jakarta.")
    p.add_run().add_break()
    p.add_run("Baris baru.")
    d.add_paragraph()
    link = d.part.relate_to("https://example.com/berita", RT.HYPERLINK, is_external=True)
    d.element.body.sectPr.addprevious(
        parse_xml(
            paragraph_xml(
                '<w:r><w:t xml:space="preserve">Baca </w:t></w:r>'
                f'<w:hyperlink r:id="{link}"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr>'
                '<w:t>berita</w:t></w:r><w:r><w:t xml:space="preserve"> ini</w:t></w:r></w:hyperlink>'
                '<w:r><w:t xml:space="preserve"> di situs kami.</w:t></w:r>'
            )
        )
    )
    d.element.body.sectPr.addprevious(
        parse_xml(
            paragraph_xml(
                '<w:r><w:t xml:space="preserve">Halaman </w:t></w:r>'
                '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>satu</w:t></w:r>'
                '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> dari tiga, </w:t></w:r>'
                "<w:r><w:t>Covid</w:t></w:r><w:r><w:noBreakHyphen/><w:t>19</w:t></w:r>"
            )
        )
    )
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Sel satu"
    table.cell(0, 1).add_table(rows=1, cols=1).cell(0, 0).text = "Sel bersarang"
    caption = d.add_paragraph()
    caption.add_run().add_picture(io.BytesIO(PNG))
    caption.add_run("Keterangan foto")
    section = d.sections[0]
    section.header.paragraphs[0].text = "Kepala halaman"
    section.footer.paragraphs[0]._p.append(
        parse_xml(f'<w:fldSimple {NS} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>')
    )
    section.footer.paragraphs[0].add_run("Kaki halaman")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def reopen(data: bytes) -> Document:
    return docx.Document(io.BytesIO(data))


def test_the_texts_are_the_sentences_of_each_paragraph_whatever_runs_links_and_fields_cut_them() -> None:
    parsed = parse("a.docx", sample())
    assert parsed.texts == [
        "Judul berita",
        "Presiden Joko Widodo berkata di Jakarta.",  # three runs, a tab: one sentence
        "Baris baru.",  # after the line break
        "Baca berita ini di situs kami.",  # a hyperlink in mid-sentence cuts nothing
        "Halaman dari tiga, Covid-19",  # a page number is kept (Word renews it); the no-break hyphen is "-"
        "Sel satu",
        "Sel bersarang",  # nested table
        "Keterangan foto",
        "Kepala halaman",
        "Kaki halaman",
    ]
    assert parsed.characters == sum(map(len, parsed.texts))
    assert parsed.media_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_structure_styles_and_each_runs_formatting_survive_on_the_aligned_words() -> None:
    source, english = reopen(sample()), reopen(translate_file("a.docx", sample(), shout))
    assert len(english.paragraphs) == len(source.paragraphs)
    assert [p.style.name for p in english.paragraphs] == [p.style.name for p in source.paragraphs]
    assert [p.text for p in english.paragraphs] == [
        "JUDUL BERITA",
        "PRESIDEN JOKO WIDODO BERKATA\tDI JAKARTA.\nBARIS BARU.",
        "",
        "BACA BERITA INI DI SITUS KAMI.",
        "HALAMAN satu DARI TIGA, COVID-19",  # the page number kept, spaced as in the source
        "KETERANGAN FOTO",
    ]
    runs = [(r.text, r.italic, r.bold) for r in english.paragraphs[1].runs]
    assert runs == [
        ("PRESIDEN ", True, None),  # a space between two runs goes with the run that had it in the source
        ("JOKO WIDODO", None, True),
        (" BERKATA\tDI JAKARTA.\nBARIS BARU.", None, None),  # one tab, one break, no copies
    ]
    cell = english.tables[0].cell(0, 1)
    assert (english.tables[0].cell(0, 0).text, cell.tables[0].cell(0, 0).text) == ("SEL SATU", "SEL BERSARANG")
    section = english.sections[0]
    assert (section.header.paragraphs[0].text, section.footer.paragraphs[0].text) == ("KEPALA HALAMAN", "KAKI HALAMAN")


def test_rebuild_starts_from_the_source_each_time() -> None:
    parsed = parse("a.docx", sample())
    first, again = parsed.rebuild(shout(parsed.texts)), parsed.rebuild(parsed.texts)
    assert [p.text for p in reopen(again).paragraphs] == [p.text for p in reopen(sample()).paragraphs]
    assert reopen(first).paragraphs[0].text == "JUDUL BERITA"


def test_links_fields_and_images_are_kept_once() -> None:
    data = translate_file("a.docx", sample(), shout)
    with zipfile.ZipFile(io.BytesIO(sample())) as a, zipfile.ZipFile(io.BytesIO(data)) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        media = [name for name in a.namelist() if name.startswith("word/media/")]
        assert media and all(a.read(name) == b.read(name) for name in media)  # images byte for byte
        before, after = a.read("word/document.xml").decode(), b.read("word/document.xml").decode()
        footer = b.read("word/footer1.xml").decode() if "word/footer1.xml" in b.namelist() else ""
    for tag in ("<w:hyperlink ", "<w:fldChar ", "<w:instrText", "<w:tab/>", "<w:br/>", "<w:drawing>"):
        assert after.count(tag) == before.count(tag), tag
    assert re.search(r'<w:hyperlink r:id="rId\d+">.*?>BERITA</w:t>.*?> INI</w:t></w:r></w:hyperlink>', after)
    assert "<w:noBreakHyphen/>" not in after  # its "-" is in the English
    assert footer.count("<w:fldSimple") == 1 and "<w:t>1</w:t>" in footer  # a field's result as it was


def test_a_text_box_is_translated_and_the_paragraph_holding_it_keeps_its_own_text() -> None:
    d, out = docx.Document(), io.BytesIO()
    box = (
        '<w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent>'
        "<w:p><w:r><w:t>Isi kotak</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict>"
    )
    d.element.body.sectPr.addprevious(parse_xml(paragraph_xml(f"<w:r><w:t>Di luar</w:t>{box}</w:r>")))
    d.save(out)
    parsed = parse("a.docx", out.getvalue())
    assert parsed.texts == ["Di luar", "Isi kotak"]
    with zipfile.ZipFile(io.BytesIO(parsed.rebuild(["Outside", "In the box"]))) as english:
        xml = english.read("word/document.xml").decode()
    assert ">Outside</w:t><w:pict>" in xml and ">In the box</w:t>" in xml


def test_tracked_changes_and_bookmarks_cut_no_sentence_and_stay_once_at_their_aligned_place() -> None:
    d, out = docx.Document(), io.BytesIO()
    inner = (
        '<w:r><w:t xml:space="preserve">Saya </w:t></w:r><w:del w:id="1" w:author="A" w:date="2026-01-01T00:00:00Z">'
        '<w:r><w:delText xml:space="preserve">tidak </w:delText></w:r></w:del><w:bookmarkStart w:id="2" w:name="b"/>'
        '<w:ins w:id="3" w:author="A" w:date="2026-01-01T00:00:00Z"><w:r><w:t xml:space="preserve">sangat </w:t></w:r>'
        '</w:ins><w:r><w:t>suka kopi.</w:t></w:r><w:bookmarkEnd w:id="2"/>'
    )
    d.element.body.sectPr.addprevious(parse_xml(paragraph_xml(inner)))
    d.save(out)
    parsed = parse("a.docx", out.getvalue())
    assert parsed.texts == ["Saya sangat suka kopi."]  # the insertion read, the deletion not
    assert parsed.untranslated == {"tracked_deletions": 1}
    with zipfile.ZipFile(io.BytesIO(parsed.rebuild(["I really like coffee."]))) as english:
        xml = english.read("word/document.xml").decode()
    body = re.search("<w:body>(.*?)</w:p>", xml).group(1)  # type: ignore[union-attr]
    assert "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", body)) == "I really like coffee."  # the words, once
    for mark in ("<w:del ", ">tidak </w:delText>", "<w:bookmarkStart ", "<w:bookmarkEnd ", "<w:ins "):
        assert body.count(mark) == 1, mark
    # nested as in the source: the deletion before the insertion, whose run holds English words
    assert re.search(r"</w:del><w:bookmarkStart [^>]*/><w:ins [^>]*><w:r><w:t[^>]*>\w+</w:t></w:r></w:ins>", body)


def test_characters_xml_cannot_hold_in_the_english_do_not_break_the_file() -> None:
    parsed = parse("a.docx", sample())
    english = reopen(parsed.rebuild([f"x\x0by{i}" for i in range(len(parsed.texts))]))
    assert english.paragraphs[0].text == "x\ufffdy0"


def test_an_empty_document_has_nothing_to_translate() -> None:
    empty, out = docx.Document(), io.BytesIO()
    empty.add_paragraph(style="Title").add_run("  ")
    empty.save(out)
    parsed = parse("a.docx", out.getvalue())
    assert parsed.texts == []
    paragraphs = reopen(parsed.rebuild([])).paragraphs
    assert [(p.text, p.style.name) for p in paragraphs] == [("  ", "Title")]


def rezipped(data: bytes, replace: dict[str, str | bytes | None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name not in replace:
                target.writestr(name, source.read(name))
        for name, content in replace.items():
            if content is not None:
                target.writestr(name, content)
    return out.getvalue()


def patched(data: bytes, name: str, **fields: int) -> bytes:
    """The archive with the member `name`'s flags, crc or size replaced in its local header and in the
    central directory, whatever it holds."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
    central = next(
        m.start() for m in re.finditer(b"PK\x01\x02", data) if data[m.start() + 46 :].startswith(name.encode())
    )
    for field, value in fields.items():
        at, central_at, form = {"flags": (6, 8, "<H"), "crc": (14, 16, "<I"), "size": (22, 24, "<I")}[field]
        struct.pack_into(form, out, local + at, value)
        struct.pack_into(form, out, central + central_at, value)
    return bytes(out)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a .docx file"),
        (b"%PDF-1.7 bukan zip", "not a .docx file"),
        (sample()[:2000], "not a .docx file"),  # cut short: no central directory
        (rezipped(sample(), {"word/document.xml": None}), "corrupt .docx file"),
        (rezipped(sample(), {"word/document.xml": b"<w:document"}), "corrupt .docx file"),
        (rezipped(sample(), {"[Content_Types].xml": None}), "corrupt .docx file"),
        (
            patched(sample(), "word/document.xml", flags=1),
            "corrupt .docx file: /word/document.xml is encrypted",
        ),
    ],
)
def test_corrupt_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        parse("a.docx", data)


def part(name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(sample())) as archive:
        return archive.read(name).decode()


def typed(name: str, content_type: str) -> bytes:
    """The sample with the content type [Content_Types].xml gives the part `name` replaced."""
    types = re.sub(f'(PartName="/{name}" ContentType=")[^"]*', rf"\g<1>{content_type}", part("[Content_Types].xml"))
    return rezipped(sample(), {"[Content_Types].xml": types.encode()})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (typed("word/header1.xml", "application/foo+xml"), "the header or footer /word/header1.xml is not XML"),
        (typed("word/footer1.xml", "image/png"), "the header or footer /word/footer1.xml is not XML"),
        (
            rezipped(sample(), {"word/document.xml": re.sub("<w:body>.*</w:body>", "", part("word/document.xml"))}),
            "/word/document.xml has no <w:body>",
        ),
        (rezipped(sample(), {"word/document.xml": b"<x/>"}), "/word/document.xml is a <x>, not a <w:document>"),
        (
            rezipped(sample(), {"word/document.xml": f"<w:hdr {NS}><w:p><w:r><w:t>a</w:t></w:r></w:p></w:hdr>"}),
            "/word/document.xml is a <hdr>, not a <w:document>",
        ),
        (  # python-docx reads it, but could not write it back
            rezipped(
                sample(),
                {
                    "word/_rels/document.xml.rels": re.sub(
                        r'Type="[^"]*/header"', "", part("word/_rels/document.xml.rels")
                    )
                },
            ),
            "TypeError",
        ),
    ],
)
def test_unexpected_structures_are_refused_as_corrupt(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(f"corrupt .docx file: {message}")):
        parse("a.docx", data)


def test_a_dtd_is_refused_since_the_rebuilt_file_could_not_hold_its_entities() -> None:
    document = part("word/document.xml").replace("Judul berita", "&a;")
    document = document.replace("<w:document", '<!DOCTYPE x [<!ENTITY a "Judul berita">]><w:document', 1)
    with pytest.raises(InputError, match=re.escape("/word/document.xml has a DTD (<!DOCTYPE …>)")):
        parse("a.docx", rezipped(sample(), {"word/document.xml": document}))


def big_document(paragraphs: int) -> str:
    body = "<w:p><w:r><w:t>a</w:t></w:r></w:p>" * paragraphs
    return re.sub("<w:body>.*</w:body>", f"<w:body>{body}</w:body>", part("word/document.xml"), flags=re.S)


def test_the_xml_is_refused_over_its_own_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(word, "MAX_XML_BYTES", 1_000_000)
    limit = re.escape("the .docx's XML parts unpack to over 1,000,000 bytes, the limit for XML")
    with pytest.raises(InputError, match=limit):
        parse("a.docx", rezipped(sample(), {"word/document.xml": big_document(10_000)}))
    # named as no XML, it is still XML if its content type says so, and python-docx parses it as such
    rels = part("word/_rels/document.xml.rels")
    assert 'Target="header1.xml"' in rels
    renamed = rezipped(
        typed("word/header1.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"),
        {
            "word/header1.xml": None,
            "word/header1.bin": part("word/header1.xml").replace("</w:hdr>", "<w:p/>" * 40_000 + "</w:hdr>"),
            "word/_rels/document.xml.rels": rels.replace('Target="header1.xml"', 'Target="header1.bin"'),
            "[Content_Types].xml": part("[Content_Types].xml").replace("/word/header1.xml", "/word/header1.bin"),
        },
    )
    with pytest.raises(InputError, match=limit):
        parse("a.docx", renamed)
    # the rest (images…) only counts towards the whole
    assert parse("a.docx", rezipped(sample(), {"word/media/big.png": bytes(300_000)})).texts


def test_a_zip_bomb_is_refused_by_what_it_really_inflates_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(word, "MAX_UNPACKED_BYTES", 4_000_000)
    bomb = rezipped(sample(), {"word/media/bomb.bin": bytes(5_000_000)})
    assert len(bomb) < 100_000
    with pytest.raises(InputError, match=re.escape("the .docx unpacks to over 4,000,000 bytes, the limit")):
        parse("a.docx", bomb)


def test_a_zip_bomb_that_lies_about_its_sizes_is_refused_without_inflating_it_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(word, "MAX_UNPACKED_BYTES", 4_000_000)
    real = b"<" + bytes(8_000_000)  # says 5,000 bytes, with the checksum of its first 5,000: zipfile would agree
    bomb = patched(
        rezipped(sample(), {"word/document.xml": real}), "word/document.xml", size=5_000, crc=zlib.crc32(real[:5_000])
    )
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert archive.getinfo("word/document.xml").file_size == 5_000
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=re.escape("the .docx unpacks to over 4,000,000 bytes, the limit")):
            parse("a.docx", bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # inflated a piece at a time, never all of it at once


def test_a_member_compressed_other_than_word_does_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(sample())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():  # bzip2 and lzma inflate a read's worth of input without any bound
            method = zipfile.ZIP_BZIP2 if info.filename == "word/document.xml" else zipfile.ZIP_DEFLATED
            target.writestr(info.filename, source.read(info), compress_type=method)
    with pytest.raises(InputError, match=re.escape("/document.xml is compressed with method 12")):
        parse("a.docx", out.getvalue())


def notes_xml(kind: str, text: str) -> str:
    """A footnotes or endnotes part: Word's two separators, then note 1 holding `text`."""
    separators = "".join(
        f'<w:{kind} w:type="{t}" w:id="{i}"><w:p><w:r><w:{t}/></w:r></w:p></w:{kind}>'
        for i, t in ((-1, "separator"), (0, "continuationSeparator"))
    )
    mark = f'<w:r><w:rPr><w:rStyle w:val="{kind.capitalize()}Reference"/></w:rPr><w:{kind}Ref/></w:r>'
    note = f'<w:{kind} w:id="1"><w:p>{mark}<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:{kind}>'
    return f"<w:{kind}s {NS}>{separators}{note}</w:{kind}s>"


FIELDS = (
    '<w:r><w:t xml:space="preserve">Diperbarui </w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DATE \\@ "d MMMM yyyy" </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>6 Desember 2026</w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    '<w:r><w:t xml:space="preserve">, halaman </w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE \\* CardText </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>satu</w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    '<w:fldSimple w:instr=" HYPERLINK &quot;https://example.com&quot; "><w:r><w:t>situs kami</w:t></w:r></w:fldSimple>'
)


@cache
def annotated() -> bytes:
    """A body sentence with a footnote, an endnote and a comment; fields with results; a tracked deletion and
    an image with alt text; a chart part."""
    d = docx.Document()
    p = d.add_paragraph()
    p.add_run("Harga beras naik")
    p.add_run()._r.append(parse_xml(f'<w:footnoteReference {NS} w:id="1"/>'))
    p.add_run()._r.append(parse_xml(f'<w:endnoteReference {NS} w:id="1"/>'))
    commented = p.add_run(" lagi.")
    d.add_comment(commented, text="Periksa angka ini.", author="Redaksi")
    d.element.body.sectPr.addprevious(parse_xml(paragraph_xml(FIELDS)))
    deletion = (
        '<w:del w:id="7" w:author="A" w:date="2026-01-01T00:00:00Z"><w:r><w:delText>dihapus</w:delText></w:r></w:del>'
    )
    d.element.body.sectPr.addprevious(parse_xml(paragraph_xml(f"<w:r><w:t>Tetap.</w:t></w:r>{deletion}")))
    d.add_paragraph().add_run().add_picture(io.BytesIO(PNG))
    d.inline_shapes[0]._inline.docPr.set("descr", "Foto pasar")
    out = io.BytesIO()
    d.save(out)
    rels = part_of(out.getvalue(), "word/_rels/document.xml.rels").replace(
        "</Relationships>",
        f'<Relationship Id="rIdF" Type="{RT.FOOTNOTES}" Target="footnotes.xml"/>'
        f'<Relationship Id="rIdE" Type="{RT.ENDNOTES}" Target="endnotes.xml"/>'
        f'<Relationship Id="rIdC" Type="{RT.CHART}" Target="charts/chart1.xml"/></Relationships>',
    )
    ct = "application/vnd.openxmlformats-officedocument"
    types = part_of(out.getvalue(), "[Content_Types].xml").replace(
        "</Types>",
        f'<Override PartName="/word/footnotes.xml" ContentType="{ct}.wordprocessingml.footnotes+xml"/>'
        f'<Override PartName="/word/endnotes.xml" ContentType="{ct}.wordprocessingml.endnotes+xml"/>'
        f'<Override PartName="/word/charts/chart1.xml" ContentType="{ct}.drawingml.chart+xml"/></Types>',
    )
    chart = '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"/>'
    return rezipped(
        out.getvalue(),
        {
            "word/_rels/document.xml.rels": rels,
            "[Content_Types].xml": types,
            "word/footnotes.xml": notes_xml("footnote", "Sumber: BPS."),
            "word/endnotes.xml": notes_xml("endnote", "Catatan akhir."),
            "word/charts/chart1.xml": chart,
        },
    )


def part_of(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode()


def test_footnotes_endnotes_comments_and_field_results_are_translated_by_default() -> None:
    parsed = parse("a.docx", annotated())
    assert parsed.texts == [
        "Harga beras naik lagi.",  # note marks and comment marks cut nothing
        "Diperbarui 6 Desember 2026, halaman situs kami",  # a date's result and a hyperlink field's words read
        "Tetap.",
        "Sumber: BPS.",
        "Catatan akhir.",
        "Periksa angka ini.",
    ]
    english = parsed.build(shout(parsed.sources()))
    assert "SUMBER: BPS." in part_of(english, "word/footnotes.xml")
    assert "CATATAN AKHIR." in part_of(english, "word/endnotes.xml")
    assert [c.text for c in reopen(english).comments] == ["PERIKSA ANGKA INI."]
    fields = reopen(english).paragraphs[1]
    assert fields.text == "DIPERBARUI 6 DESEMBER 2026, HALAMAN satu"  # PAGE's card text kept: Word renews it
    document = part_of(english, "word/document.xml")
    assert ">SITUS KAMI<" in document and "DATE \\@" in document
    marks = ("<w:footnoteReference ", "<w:endnoteReference ", "<w:commentRangeStart ", "<w:commentRangeEnd ")
    assert [document.count(mark) for mark in (*marks, "<w:commentReference ")] == [1] * 5  # each mark once
    # the comment still spans the English of the words it was on
    assert re.search(r"<w:commentRangeStart [^>]*/>.*LAGI\.</w:t>.*<w:commentRangeEnd ", document)
    # what a reader sees and is left, said
    assert parsed.untranslated == {
        "charts": 1,
        "field_results": 1,
        "image_descriptions": 1,
        "tracked_deletions": 1,
    }


@pytest.mark.parametrize("skip", [{"footnotes"}, {"endnotes", "comments"}, {"footnotes", "endnotes", "comments"}])
def test_a_setting_leaves_each_family_as_it_was_and_counts_it(skip: set[str]) -> None:
    parsed = parse("a.docx", annotated(), Options(frozenset(skip)))
    families = {"footnotes": "Sumber: BPS.", "endnotes": "Catatan akhir.", "comments": "Periksa angka ini."}
    assert [text for text in parsed.texts if text in families.values()] == [
        text for name, text in families.items() if name not in skip
    ]
    assert {kind: parsed.untranslated.get(kind) for kind in families} == {
        name: 1 if name in skip else None for name in families
    }
    english = parsed.build(shout(parsed.sources()))
    assert ("Sumber: BPS." in part_of(english, "word/footnotes.xml")) == ("footnotes" in skip)
    assert [c.text for c in reopen(english).comments] == [
        "Periksa angka ini." if "comments" in skip else "PERIKSA ANGKA INI."
    ]


def formatted() -> bytes:
    """A sentence the tiny model knows, with a bold number, an italic phrase and a hyperlink in mid-sentence,
    and a word Word split over two runs of the same formatting (a spell-check mark, another editing session)."""
    d = docx.Document()
    p = d.add_paragraph()
    p.add_run("Saya ingin beli ")
    p.add_run("20").bold = True
    p._p.append(parse_xml(f'<w:r {NS} w:rsidR="00A1"><w:t xml:space="preserve"> tik</w:t></w:r>'))
    p._p.append(parse_xml(f'<w:proofErr {NS} w:type="spellStart"/>'))
    p._p.append(parse_xml(f'<w:r {NS} w:rsidR="00B2"><w:t xml:space="preserve">et untuk laga </w:t></w:r>'))
    p.add_run("persebaya vs").italic = True
    p.add_run(" ")
    link = d.part.relate_to("https://example.com/arema", RT.HYPERLINK, is_external=True)
    p._p.append(
        parse_xml(
            f'<w:hyperlink {NS} r:id="{link}"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr>'
            "<w:t>arema</w:t></w:r></w:hyperlink>"
        )
    )
    p.add_run(" besok.")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_bold_italic_and_a_link_in_mid_sentence_land_on_the_aligned_english_words(tiny: Translator) -> None:
    parsed = parse("a.docx", formatted())
    assert parsed.texts == ["Saya ingin beli 20 tiket untuk laga persebaya vs arema besok."]  # one sentence
    paragraph = reopen(translate_file("a.docx", formatted(), tiny.translate)).paragraphs[0]
    english = "I'd like to buy 20 tickets for Persebaya vs Arema showdown tomorrow"
    assert paragraph.text == english  # the model's English of the whole sentence, its words untouched
    runs = [(r.text, bool(r.bold), bool(r.italic)) for r in paragraph.runs]
    assert [text for text, bold, _ in runs if bold] == ["20"]
    assert [text for text, _, italic in runs if italic] == ["Persebaya vs"]
    (link,) = paragraph.hyperlinks
    assert (link.text, link.address) == ("Arema", "https://example.com/arema")  # the target kept
    assert [text for text, bold, italic in runs if not bold and not italic] == [
        "I'd like to buy ",
        " tickets for ",  # the two runs Word split, one run
        " ",
        " showdown tomorrow",
    ]


def test_a_content_control_cuts_no_sentence_and_a_field_over_paragraphs_keeps_its_code() -> None:
    d, out = docx.Document(), io.BytesIO()
    control = (
        '<w:r><w:t xml:space="preserve">Rapat di </w:t></w:r><w:sdt><w:sdtPr><w:alias w:val="Kota"/></w:sdtPr>'
        "<w:sdtContent><w:r><w:t>Jakarta</w:t></w:r></w:sdtContent></w:sdt>"
        '<w:r><w:t xml:space="preserve"> besok.</w:t></w:r>'
    )
    d.element.body.sectPr.addprevious(parse_xml(paragraph_xml(control)))
    begin = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> TOC \\o "1-3" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    )
    d.element.body.sectPr.addprevious(parse_xml(paragraph_xml(f"{begin}<w:r><w:t>Bab satu</w:t></w:r>")))
    end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    d.element.body.sectPr.addprevious(parse_xml(paragraph_xml(f"<w:r><w:t>Bab dua</w:t></w:r>{end}")))
    d.save(out)
    parsed = parse("a.docx", out.getvalue())
    assert parsed.texts == ["Rapat di Jakarta besok.", "Bab satu", "Bab dua"]
    english = parsed.build(shout(parsed.sources()))
    words = ["".join(t.text for t in p._p.iter(f"{{{W}}}t")) for p in reopen(english).paragraphs]
    assert words == ["RAPAT DI JAKARTA BESOK.", "BAB SATU", "BAB DUA"]  # (python-docx's text leaves out controls)
    xml = part_of(english, "word/document.xml")
    assert re.search(r'<w:sdt><w:sdtPr><w:alias w:val="Kota"/></w:sdtPr><w:sdtContent><w:r><w:t[^>]*>JAKARTA<', xml)
    assert xml.count("<w:fldChar ") == 3 and '> TOC \\o "1-3" </w:instrText>' in xml
