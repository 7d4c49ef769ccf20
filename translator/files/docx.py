"""Word documents (.docx, python-docx): every paragraph of the body, its tables (nested too), text boxes,
headers and footers, footnotes, endnotes and comments is translated in place, so that paragraph styles,
numbering, images and layout survive. Footnotes, endnotes and comments are translated unless Options.skip
names their family (TRANSLATOR_DOCUMENT_SKIP); then each note or comment with text is counted as left.

A paragraph's sentences are translated whole, whatever runs, hyperlinks, content controls, fields or tracked
changes cut them, and its runs, links and marks are placed back on the aligned English words
(translator/files/paragraphs.py, on translator/inline.py): a bold word's English is bold, a hyperlink keeps its
target around the English of its words. A field's result is translated (a date, a hyperlink's words), its code
never; the results of fields that compute a number (PAGE, NUMPAGES, SEQ, PAGEREF, = …) are kept, since Word
renews them. Parts python-docx does not parse (images, embedded objects…) are copied byte for byte.

What is left untranslated, and counted in the result (`untranslated`): the families skipped; tracked
deletions (`tracked_deletions`, w:del with text, kept whole at their aligned place); field results kept that
hold letters (`field_results`, "PAGE \\* CardText"); charts (`charts`) and SmartArt (`smartart`) parts, whose
text lives in DrawingML; image descriptions (`image_descriptions`, alt text).

What is lost:
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
from translator.files.paragraphs import Block, Story
from translator.xmlchars import Replacements

MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # all members as they really inflate, images too
# The XML python-docx parses, of all the members: its trees and the pieces take about 26 times the XML
# (31 MiB of it: 5.5 s and 0.9 GB), while a 500-page book's document.xml is about 10 MB.
MAX_XML_BYTES = 32 * 1024 * 1024
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT = f"{_W}t"
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


def parse(data: bytes, options: Options) -> Parsed:
    def rebuild(english: Sequence[str]) -> bytes:
        document, reading = _open(data, options)  # afresh: the Parsed holds no tree, and rebuild may run again
        counts = [len(block.sentences) for block in reading.blocks]
        if sum(counts) != len(english):
            raise ValueError(f"{len(english)} translations for {sum(counts)} sentences")
        sentences = iter(Replacements().clean("target", text) for text in english)  # whatever the model wrote
        for block, count in zip(reading.blocks, counts, strict=True):
            block.write([next(sentences) for _ in range(count)])
        return _save(document)

    document, reading = _open(data, options)
    _save(document)  # a package python-docx cannot write back is refused now, not once it is translated
    texts = [sentence for block in reading.blocks for sentence in block.sentences]
    return Parsed(texts, False, rebuild, MEDIA_TYPE, dict(sorted(reading.left.items())), whole=True)


@dataclass
class _Reading:
    """What reading a document finds: its paragraphs with sentences, in document order, and what is left
    untranslated, by kind."""

    blocks: list[Block] = field(default_factory=list)
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
    """The paragraphs of the body, every header and footer, and of the footnotes, endnotes and comments not
    skipped, in document order; and what is left untranslated, by kind."""
    reading = _Reading()
    for part in _stories(document, options.skip, reading.left):
        story = Story(reading.left)
        paragraphs = list(part.iter(f"{_W}p"))  # first: writing one moves what it holds (a text box)
        reading.blocks += [block for block in map(story.read, paragraphs) if block.sentences]
        for picture in part.iter(_PICTURE):
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
            items = rel.target_part.element.iter(item)
            left[family] += sum(any(_LETTER.search(t.text or "") for t in i.iter(_TEXT)) for i in items)
        else:
            stories.append(rel.target_part.element)
    return stories
