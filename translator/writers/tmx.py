"""TMX 1.4b: one translation unit per sentence pair, the document id, the sentence id and its flags as
properties, the provenance as header properties. Characters XML cannot hold become U+FFFD and an "x-replaced"
property of the unit (or header) lists them.

Streamed by hand: a head, then each unit serialised by lxml on its own, then a tail. lxml's incremental writer
cannot go on with a document another process began, which a resumed archive job must do; translate-toolkit's
tmxfile builds the whole tree in memory, so it only reads these files back in the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from lxml import etree

from translator._version import __version__
from translator.types import AlignedDocument
from translator.writers.base import Appended, Finished, Streaming
from translator.xmlchars import Replacements

SOURCE_LANG, TARGET_LANG = "id", "en"
DECLARATION = b"<?xml version='1.0' encoding='utf-8'?>\n"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_TAIL = b"</body></tmx>\n"
TmUnit = tuple[str, str, str, dict[str, str]]


def element(node: etree._Element) -> bytes:
    """One element as the file holds it: indented, UTF-8, ending in a line break."""
    data: bytes = etree.tostring(node, encoding="utf-8", pretty_print=True)
    return data


def write_units(units: Iterable[TmUnit], out: IO[bytes], header_props: dict[str, str]) -> int:
    """(source, target, tuid, properties) units into a TMX document on `out`, one in memory at a time; return how
    many."""
    out.write(head(header_props))
    count = 0
    for source, target, tuid, props in units:
        out.write(unit(source, target, tuid, props))
        count += 1
    out.write(_TAIL)
    return count


def head(header_props: dict[str, str]) -> bytes:
    """Everything before the first unit."""
    header = etree.Element(
        "header",
        creationtool="translator",
        creationtoolversion=__version__,
        segtype="sentence",
        adminlang="en",
        srclang=SOURCE_LANG,
        datatype="plaintext",
        **{"o-tmf": "translator"},
    )
    _props(header, header_props, Replacements())
    return DECLARATION + b'<tmx version="1.4">\n' + element(header) + b"<body>\n"


def unit(source: str, target: str, tuid: str, props: dict[str, str]) -> bytes:
    replaced = Replacements()
    tu = etree.Element("tu", tuid=replaced.clean("tuid", tuid))
    variants = [(SOURCE_LANG, replaced.clean("source", source)), (TARGET_LANG, replaced.clean("target", target))]
    _props(tu, props, replaced)  # props come before the tuv elements
    for lang, text in variants:
        tuv = etree.SubElement(tu, "tuv", {_XML_LANG: lang})
        etree.SubElement(tuv, "seg").text = text
    return element(tu)


def _props(parent: etree._Element, props: dict[str, str], replaced: Replacements) -> None:
    """The properties, then an "x-replaced" one when any field of `parent` had characters XML cannot hold."""
    for kind, value in props.items():
        etree.SubElement(parent, "prop", type=replaced.clean("prop type", kind)).text = replaced.clean(kind, value)
    if report := replaced.report():
        etree.SubElement(parent, "prop", type="x-replaced").text = report


class Writer(Streaming):
    """corpus.tmx of an archive job: a unit per sentence pair, the job's provenance in the header."""

    FILES = ("corpus.tmx",)

    def __init__(self, out: Path, provenance: dict[str, Any]) -> None:
        self.files = (Appended(out / self.FILES[0], final=True),)
        self.header_props = _provenance(provenance)

    def head(self, file: Appended) -> bytes:
        return head(self.header_props)

    def tail(self, file: Appended) -> bytes:
        return _TAIL

    def write(self, document: Finished) -> None:
        if document.aligned is not None:
            self.files[0].write(units(document.aligned))


def units(doc: AlignedDocument) -> bytes:
    """A unit per sentence pair of the document."""
    return b"".join(
        unit(
            s.source,
            s.target,
            f"{doc.id}#{s.id}",
            {"x-doc-id": doc.id, "x-sentence-id": s.id, "x-flags": ",".join(s.flags)},
        )
        for s in doc.sentences
    )


def single(doc: AlignedDocument) -> str:
    """A TMX document of one document alone, its provenance in the header, as `translate --format tmx` prints it."""
    return (head(_provenance(doc.provenance.to_dict())) + units(doc) + _TAIL).decode()


def _provenance(provenance: dict[str, Any]) -> dict[str, str]:
    return {f"x-provenance-{k}": str(v) for k, v in provenance.items()}
