"""Word documents (.docx, python-docx): every paragraph of the body, its tables (nested too), text boxes,
headers and footers, footnotes, endnotes and comments is translated in place, so that paragraph styles,
numbering, images and layout survive. Footnotes, endnotes and comments are translated unless Options.skip
names their family (TRANSLATOR_DOCUMENT_SKIP); then each note or comment with text is counted as left.

A paragraph is translated in pieces, cut at tabs, line breaks, page and column breaks, hyperlinks, content
controls and fields (which keep their places); a piece's English goes into its first text run, keeping that
run's character formatting, and the piece's other text runs are emptied. A field's result is translated as a
piece of its own (a date, a hyperlink's words, a table of contents), its code never; the results of fields
that compute a number (PAGE, NUMPAGES, SEQ, PAGEREF, = …) are kept as they are, since Word renews them.
Runs without text (images, tabs, breaks, note marks), bookmarks, comment marks and everything outside
paragraphs are left alone; parts python-docx does not parse (images, embedded objects…) are copied byte for
byte.

What is left untranslated, and counted in the result (`untranslated`): the families skipped; tracked
deletions (`tracked_deletions`, w:del with text); field results kept that hold letters (`field_results`,
"PAGE \\* CardText"); charts (`charts`) and SmartArt (`smartart`) parts, whose text lives in DrawingML; image
descriptions (`image_descriptions`, alt text).

What is lost (finer formatting):
- character formatting that changes inside a piece: the English has the first run's font, size, colour,
  bold, italic and so on throughout, so a bold or italic word in mid-sentence is no longer marked;
- the flow of a sentence cut by a tab, a line break, a hyperlink, a content control or a field: each piece is
  translated on its own;
- language marks: runs and styles still say Indonesian, so Word spell-checks the English as Indonesian.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import io
import re
import sys
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import docx
from docx.document import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import PartFactory, XmlPart
from lxml import etree

from translator.errors import InputError
from translator.files import Options, Parsed
from translator.xmlchars import Replacements

MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # all members as they really inflate, images too
# The XML python-docx parses, of all the members: its trees and the pieces take about 26 times the XML
# (31 MiB of it: 5.5 s and 0.9 GB), while a 500-page book's document.xml is about 10 MB.
MAX_XML_BYTES = 32 * 1024 * 1024
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_TEXT = f"{_W}t"
_HYPHENS = {f"{_W}noBreakHyphen": "-", f"{_W}softHyphen": ""}  # text that lives in elements of its own
_BREAKS = {f"{_W}{name}" for name in ("tab", "ptab", "br", "cr")}
_FIELD_CHAR = f"{_W}fldChar"
_INSTRUCTION = f"{_W}instrText"
_FIELD = f"{_W}fldSimple"
_ISLANDS = {f"{_W}hyperlink", f"{_W}sdt", _FIELD}  # a piece of their own, so a link keeps its words
# fields whose result is a number Word computes again: kept as they are, never sent to the model
_NUMBERS = {
    "PAGE", "NUMPAGES", "SECTIONPAGES", "SECTION", "SEQ", "PAGEREF", "NOTEREF", "=", "LISTNUM", "AUTONUM",
    "AUTONUMLGL", "AUTONUMOUT", "NUMWORDS", "NUMCHARS", "FILESIZE", "REVNUM", "EDITTIME",
}  # fmt: skip
_LETTER = re.compile(r"[^\W\d_]")
# the parts beside the body, by relationship, and the family of FAMILIES (translator/files) each belongs to
# (in this order, after the body, headers and footers), and the element of one note or comment
_BESIDE = {
    RT.FOOTNOTES: ("footnotes", f"{_W}footnote"),
    RT.ENDNOTES: ("endnotes", f"{_W}endnote"),
    RT.COMMENTS: ("comments", f"{_W}comment"),
}
# python-docx parses no footnotes or endnotes: registered as XML parts (its own extension point), so that they
# are read, checked and written back as the body is
PartFactory.part_type_for.setdefault(CT.WML_FOOTNOTES, XmlPart)
PartFactory.part_type_for.setdefault(CT.WML_ENDNOTES, XmlPart)
_DRAWINGS = {CT.DML_CHART: "charts", CT.DML_DIAGRAM_DATA: "smartart"}  # parts whose text stays, counted
_PICTURE = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
# Anything else (tracked deletions, bookmarks, math, proofing marks…) is neither read nor a cut.
_THROUGH = {f"{_W}{name}" for name in ("ins", "moveTo", "smartTag", "customXml", "sdtContent", "dir", "bdo")}
# what zipfile and python-docx, which trusts what it reads, raise on a malformed package
_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
    NotImplementedError,
    etree.XMLSyntaxError,
    AttributeError,
    TypeError,
)
_CONTENT_TYPES = "[Content_Types].xml"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_CHUNK = 64 * 1024
_INFLATE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what Word writes; both inflate a chunk at a time
_ENCRYPTED = 0x1  # a member's flag (Word encrypts a whole document otherwise, as no zip)

Piece = list[etree._Element]  # w:t and hyphen elements whose text is read, and written, as one


def parse(data: bytes, options: Options) -> Parsed:
    def rebuild(english: Sequence[str]) -> bytes:
        document, reading = _open(data, options)  # afresh: the Parsed holds no tree, and rebuild may run again
        for piece, text in zip(reading.pieces, english, strict=True):
            _write(piece, text)
        return _save(document)

    document, reading = _open(data, options)
    _save(document)  # a package python-docx cannot write back is refused now, not once it is translated
    texts = [_text(piece).strip() for piece in reading.pieces]
    return Parsed(texts, False, rebuild, MEDIA_TYPE, dict(sorted(reading.left.items())))


@dataclass
class _Field:
    """A field being read (w:fldChar begin … separate … end): its code, and whether its result has begun."""

    code: list[str] = field(default_factory=list)
    result: bool = False
    left: bool = False  # a kept result that holds letters

    @property
    def translated(self) -> bool:
        """Whether its result is translated: a field that does not compute a number, once its result began."""
        words = "".join(self.code).split()
        return self.result and (not words or words[0].upper() not in _NUMBERS)


@dataclass
class _Reading:
    """What reading a document finds: the pieces with text, in document order, and what is left, by kind."""

    pieces: list[Piece] = field(default_factory=list)
    left: collections.Counter[str] = field(default_factory=collections.Counter)


def _open(data: bytes, options: Options) -> tuple[Document, _Reading]:
    """The document and what reading it finds, or InputError saying why the file is none python-docx can be
    trusted with."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ERRORS as exc:
        raise InputError(f"not a .docx file (not a zip archive: {exc})") from exc
    with _corrupt():
        with archive:
            _check_sizes(archive)
        document = docx.Document(io.BytesIO(data))
        return document, _read(document, options)


def _save(document: Document) -> bytes:
    out = io.BytesIO()
    with _corrupt():
        document.save(out)
    return out.getvalue()


@contextlib.contextmanager
def _corrupt() -> Iterator[None]:
    """What zipfile and python-docx raise on a malformed package, as InputError."""
    try:
        yield
    except _ERRORS as exc:
        raise InputError(f"corrupt .docx file: {type(exc).__name__}: {exc}") from exc


def _check_sizes(archive: zipfile.ZipFile) -> None:
    """Refuses a zip bomb: members that inflate to over MAX_UNPACKED_BYTES in all, or XML parts (what
    python-docx parses) to over MAX_XML_BYTES, counted as they really inflate, whatever sizes the archive
    declares."""
    xml = _xml_members(archive)
    unpacked = unpacked_xml = 0
    for member in archive.infolist():
        if member.flag_bits & _ENCRYPTED:
            raise InputError(f"corrupt .docx file: /{member.filename} is encrypted")
        if member.compress_type not in _INFLATE:
            raise InputError(
                f"corrupt .docx file: /{member.filename} is compressed with method {member.compress_type}, "
                "not deflate as Word does"
            )
        is_xml = member.filename in xml
        budget = min(MAX_UNPACKED_BYTES - unpacked, MAX_XML_BYTES - unpacked_xml if is_xml else MAX_UNPACKED_BYTES)
        size = sum(len(chunk) for chunk in _inflate(archive, member, budget))
        unpacked, unpacked_xml = unpacked + size, unpacked_xml + size * is_xml
        if unpacked_xml > MAX_XML_BYTES:
            raise InputError(
                f"refused: the .docx's XML parts unpack to over {MAX_XML_BYTES:,} bytes, the limit for XML"
            )
        if unpacked > MAX_UNPACKED_BYTES:
            raise InputError(f"refused: the .docx unpacks to over {MAX_UNPACKED_BYTES:,} bytes, the limit")


def _inflate(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int) -> Iterator[bytes]:
    """The member as it really inflates, a chunk at a time, until it is over `budget` bytes."""
    unbounded = copy.copy(member)
    # zipfile stops at the size the member declares, but python-docx's read inflates all of it at once first
    unbounded.file_size = sys.maxsize
    inflated = 0
    with archive.open(unbounded) as stream:
        while inflated <= budget and (chunk := stream.read(_CHUNK)):
            inflated += len(chunk)
            yield chunk


def _xml_members(archive: zipfile.ZipFile) -> set[str]:
    """The members python-docx may parse: [Content_Types].xml, the relationships, and every member it gives
    an XML content type (by part name or extension, as python-docx reads it), whatever the member is named."""
    member = archive.getinfo(_CONTENT_TYPES)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    types = etree.fromstring(b"".join(_inflate(archive, member, MAX_XML_BYTES)), parser)
    overrides: dict[str, str] = {
        o.get("PartName", "").lower(): o.get("ContentType", "") for o in types.iter(f"{_CT}Override")
    }
    defaults: dict[str, str] = {
        d.get("Extension", "").lower(): d.get("ContentType", "") for d in types.iter(f"{_CT}Default")
    }

    def content_type(name: str) -> str:
        return overrides.get(f"/{name}".lower()) or defaults.get(PurePosixPath(name).suffix[1:].lower(), "")

    return {
        name
        for name in archive.namelist()
        if name == _CONTENT_TYPES or name.endswith(".rels") or content_type(name).endswith("xml")
    }


def _read(document: Document, options: Options) -> _Reading:
    """The pieces with text of every paragraph of the body, every header and footer, and of the footnotes,
    endnotes and comments not skipped, in document order; and what is left untranslated, by kind."""
    reading = _Reading()
    for story in _stories(document, options.skip, reading.left):
        reading.pieces += [piece for piece in _story(story, reading.left) if _content(piece)]
        for deletion in story.iter(f"{_W}del"):
            reading.left["tracked_deletions"] += any(
                _LETTER.search(t.text or "") for t in deletion.iter(f"{_W}delText")
            )
        for picture in story.iter(_PICTURE):
            reading.left["image_descriptions"] += bool(_LETTER.search(picture.get("descr", "")))
    for part in document.part.package.iter_parts():
        if kind := _DRAWINGS.get(part.content_type):
            reading.left[kind] += 1
    reading.left = +reading.left  # kinds with nothing left are not said
    return reading


def _stories(document: Document, skip: frozenset[str], left: collections.Counter[str]) -> list[etree._Element]:
    """The body, every header and footer, and the footnotes, endnotes and comments unless `skip` names their
    family (then each note or comment with text is counted in `left`); InputError for a package python-docx
    reads but that is no Word document it can write back."""
    main = document.part
    for part in main.package.iter_parts():
        if isinstance(part, XmlPart) and part.element.getroottree().docinfo.doctype:
            # python-docx would write its entities back without the DTD that defines them
            raise InputError(f"corrupt .docx file: {part.partname} has a DTD (<!DOCTYPE …>), which Word refuses")
    if main.element.tag != f"{_W}document":
        raise InputError(
            f"corrupt .docx file: {main.partname} is a <{etree.QName(main.element).localname}>, not a <w:document>"
        )
    body = main.element.find(f"{_W}body")
    if body is None:
        raise InputError(f"corrupt .docx file: {main.partname} has no <w:body>")
    kinds = [RT.HEADER, RT.FOOTER, *_BESIDE]
    rels = sorted(
        (rel for rel in main.rels.values() if rel.reltype in kinds and not rel.is_external),
        key=lambda rel: max(1, kinds.index(rel.reltype)),  # headers and footers as they come, then the rest
    )
    stories = [body]
    for rel in rels:
        family, item = _BESIDE.get(rel.reltype, ("header or footer", ""))
        if not isinstance(rel.target_part, XmlPart):
            raise InputError(
                f"corrupt .docx file: the {family} {rel.target_part.partname} is not XML (its content type is "
                f"{rel.target_part.content_type})"
            )
        if family in skip:
            texts = (_text(list(i.iter(_TEXT, *_HYPHENS))) for i in rel.target_part.element.iter(item))
            left[family] += sum(bool(_LETTER.search(text)) for text in texts)
        else:
            stories.append(rel.target_part.element)
    return stories


def _story(story: etree._Element, left: collections.Counter[str]) -> Iterator[Piece]:
    """The pieces of every paragraph in the story. A field (begin … end) may run over paragraphs, as a table
    of contents does, so the fields open are carried from one paragraph to the next."""
    fields: list[_Field] = []  # the innermost last
    for paragraph in story.iter(f"{_W}p"):
        pieces: list[Piece] = [[]]
        _walk(paragraph, pieces, fields, left)
        yield from pieces


def _walk(element: etree._Element, pieces: list[Piece], fields: list[_Field], left: collections.Counter[str]) -> None:
    for child in element:
        if child.tag == f"{_W}r":
            _run(child, pieces, fields, left)
        elif child.tag in _ISLANDS:
            pieces.append([])
            if child.tag == _FIELD:  # a simple field: its code in an attribute, its result the runs inside
                fields.append(_Field([child.get(f"{_W}instr", "")], result=True))
                _walk(child, pieces, fields, left)
                left["field_results"] += fields.pop().left
            else:
                _walk(child, pieces, fields, left)
            pieces.append([])
        elif child.tag in _THROUGH:
            _walk(child, pieces, fields, left)


def _run(run: etree._Element, pieces: list[Piece], fields: list[_Field], left: collections.Counter[str]) -> None:
    for child in run:
        if child.tag == _FIELD_CHAR:
            kind = child.get(f"{_W}fldCharType")
            if kind == "begin":
                fields.append(_Field())
            elif kind == "separate" and fields:
                fields[-1].result = True
            elif kind == "end" and fields:
                left["field_results"] += fields.pop().left
            pieces.append([])
        elif child.tag == _INSTRUCTION and fields and not fields[-1].result:
            fields[-1].code.append(child.text or "")
        elif not all(f.translated for f in fields):  # a field's code, or a result that is kept
            if child.tag == _TEXT and all(f.result for f in fields) and _LETTER.search(child.text or ""):
                next(f for f in reversed(fields) if not f.translated).left = True
        elif child.tag == _TEXT or child.tag in _HYPHENS:
            pieces[-1].append(child)
        elif child.tag in _BREAKS:
            pieces.append([])


def _text(piece: Piece) -> str:
    return "".join(el.text or "" if el.tag == _TEXT else _HYPHENS[el.tag] for el in piece)


def _content(piece: Piece) -> list[int]:
    """Indices of the piece's w:t elements that hold more than whitespace."""
    return [i for i, el in enumerate(piece) if el.tag == _TEXT and (el.text or "").strip()]


def _write(piece: Piece, english: str) -> None:
    """The English into the piece's first text, with the whitespace around the piece's text kept; the other
    texts between its first and last and its hyphens removed."""
    content = _content(piece)
    first, last = piece[content[0]], piece[content[-1]]
    before, after = first.text or "", last.text or ""
    lead, trail = before[: len(before) - len(before.lstrip())], after[len(after.rstrip()) :]
    for index, el in enumerate(piece):
        if el is not first and (el.tag != _TEXT or content[0] < index <= content[-1]):
            el.getparent().remove(el)
    first.text = lead + Replacements().clean("target", english) + trail  # whatever the model wrote, XML holds it
    first.set(_XML_SPACE, "preserve")
