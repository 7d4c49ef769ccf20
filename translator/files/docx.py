"""Word documents (.docx, python-docx): every paragraph of the body, its tables (nested too), text boxes,
headers and footers is translated in place, so that paragraph styles, numbering, images and layout survive.

A paragraph is translated in pieces, cut at tabs, line breaks, page and column breaks, hyperlinks, content
controls and fields (which keep their places); a piece's English goes into its first text run, keeping that
run's character formatting, and the piece's other text runs are emptied. Runs without text (images, tabs,
breaks, footnote marks), bookmarks, comment marks and everything outside paragraphs are left alone; parts
python-docx does not parse (images, embedded objects, footnotes…) are copied byte for byte.

What is lost (finer formatting):
- character formatting that changes inside a piece: the English has the first run's font, size, colour,
  bold, italic and so on throughout, so a bold or italic word in mid-sentence is no longer marked;
- the flow of a sentence cut by a tab, a line break, a hyperlink, a content control or a field: each piece is
  translated on its own;
- no translation for field results (page numbers, dates, cross-references, tables of contents, old-style
  hyperlink fields), footnotes, endnotes, comments, charts, SmartArt or text in tracked deletions: they stay
  as they were, in Indonesian (Word's "Update field" renews field results);
- language marks: runs and styles still say Indonesian, so Word spell-checks the English as Indonesian.
"""

from __future__ import annotations

import contextlib
import copy
import io
import sys
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import PurePosixPath

import docx
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import XmlPart
from lxml import etree

from translator.errors import InputError
from translator.files import Parsed
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
_ISLANDS = {f"{_W}hyperlink", f"{_W}sdt"}  # a piece of their own, so a link keeps its words
_FIELD = f"{_W}fldSimple"  # kept whole, never translated
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


def parse(data: bytes) -> Parsed:
    def rebuild(english: Sequence[str]) -> bytes:
        document, pieces = _open(data)  # afresh: the Parsed holds no tree, and rebuild may run again
        for piece, text in zip(pieces, english, strict=True):
            _write(piece, text)
        return _save(document)

    document, pieces = _open(data)
    _save(document)  # a package python-docx cannot write back is refused now, not once it is translated
    return Parsed([_text(piece).strip() for piece in pieces], False, rebuild, MEDIA_TYPE)


def _open(data: bytes) -> tuple[Document, list[Piece]]:
    """The document and its pieces, or InputError saying why the file is none python-docx can be trusted
    with."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ERRORS as exc:
        raise InputError(f"not a .docx file (not a zip archive: {exc})") from exc
    with _corrupt():
        with archive:
            _check_sizes(archive)
        document = docx.Document(io.BytesIO(data))
        return document, _pieces(document)


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


def _pieces(document: Document) -> list[Piece]:
    """The pieces with text of every paragraph of the body and of every header and footer, in document order."""
    return [piece for story in _stories(document) for piece in _story(story) if _content(piece)]


def _stories(document: Document) -> list[etree._Element]:
    """The body and every header and footer; InputError for a package python-docx reads but that is no Word
    document it can write back."""
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
    stories = [body]
    for rel in main.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER) and not rel.is_external:
            if not isinstance(rel.target_part, XmlPart):
                raise InputError(
                    f"corrupt .docx file: the header or footer {rel.target_part.partname} is not XML "
                    f"(its content type is {rel.target_part.content_type})"
                )
            stories.append(rel.target_part.element)
    return stories


def _story(story: etree._Element) -> Iterator[Piece]:
    """The pieces of every paragraph in the story. A field (begin … end) may run over paragraphs, as a table
    of contents does, so its depth is carried from one paragraph to the next."""
    depth = [0]
    for paragraph in story.iter(f"{_W}p"):
        pieces: list[Piece] = [[]]
        _walk(paragraph, pieces, depth)
        yield from pieces


def _walk(element: etree._Element, pieces: list[Piece], depth: list[int]) -> None:
    for child in element:
        if child.tag == f"{_W}r":
            _run(child, pieces, depth)
        elif child.tag in _ISLANDS:
            pieces.append([])
            _walk(child, pieces, depth)
            pieces.append([])
        elif child.tag == _FIELD:
            pieces.append([])
        elif child.tag in _THROUGH:
            _walk(child, pieces, depth)


def _run(run: etree._Element, pieces: list[Piece], depth: list[int]) -> None:
    for child in run:
        if child.tag == _FIELD_CHAR:
            kind = child.get(f"{_W}fldCharType")
            depth[0] = depth[0] + 1 if kind == "begin" else max(0, depth[0] - (kind == "end"))
            pieces.append([])
        elif depth[0]:  # a field's code or result
            continue
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
