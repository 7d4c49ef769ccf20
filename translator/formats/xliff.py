"""XLIFF 2.0, streamed with lxml's incremental writer: one unit per sentence pair, with the document id, the
sentence id and the flags as notes of the unit (XLIFF ids must be NMTOKENs, so the unit id is a running
number), the provenance as a note of the file. Characters XML cannot hold become U+FFFD and a "replaced" note
lists them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from lxml import etree

from translator.formats.tmx import SOURCE_LANG, TARGET_LANG
from translator.formats.xmlchars import Replacements

_NS = "urn:oasis:names:tc:xliff:document:2.0"
_NSMAP = {None: _NS}
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def write(records: Iterable[dict[str, Any]], out: IO[bytes], provenance: dict[str, Any]) -> int:
    """Write the aligned-document records to `out`, one unit in memory at a time; return the number of units."""
    replaced = Replacements()
    origin = replaced.clean("provenance", ", ".join(f"{k}={v}" for k, v in provenance.items()))
    count = 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        attributes = {"version": "2.0", "srcLang": SOURCE_LANG, "trgLang": TARGET_LANG}
        with xf.element(f"{{{_NS}}}xliff", attributes, nsmap=_NSMAP), xf.element(f"{{{_NS}}}file", id="f1"):
            xf.write("\n", _notes([f"provenance: {origin}"], replaced), pretty_print=True)
            for record in records:
                for paragraph in record["paragraphs"]:
                    for s in paragraph["sentences"]:
                        count += 1
                        xf.write(_unit(f"u{count}", record["id"], s), pretty_print=True)
            if not count:  # a file must hold at least one unit or group; a group may be empty
                xf.write(etree.Element(f"{{{_NS}}}group", id="empty", nsmap=_NSMAP), pretty_print=True)
    out.write(b"\n")
    return count


def _unit(unit_id: str, doc_id: str, sentence: dict[str, Any]) -> etree._Element:
    replaced = Replacements()
    texts = [replaced.clean(side, sentence[side]) for side in ("source", "target")]
    notes = [
        f"doc-id: {replaced.clean('doc-id', doc_id)}",
        f"sentence-id: {replaced.clean('sentence-id', sentence['id'])}",
        f"flags: {replaced.clean('flags', ','.join(sentence['flags']))}",
    ]
    # xml:space goes on each unit: lxml's incremental writer gives the xml: prefix a wrong name on its own elements
    unit = etree.Element(f"{{{_NS}}}unit", {"id": unit_id, _XML_SPACE: "preserve"}, nsmap=_NSMAP)
    unit.append(_notes(notes, replaced))
    segment = etree.SubElement(unit, f"{{{_NS}}}segment", state="translated")
    for tag, text in zip(("source", "target"), texts, strict=True):
        etree.SubElement(segment, f"{{{_NS}}}{tag}").text = text
    return unit


def _notes(texts: list[str], replaced: Replacements) -> etree._Element:
    """A <notes> of `texts`, plus a "replaced: ..." note when characters XML cannot hold were replaced."""
    notes = etree.Element(f"{{{_NS}}}notes", nsmap=_NSMAP)
    if report := replaced.report():
        texts = [*texts, f"replaced: {report}"]
    for text in texts:
        etree.SubElement(notes, f"{{{_NS}}}note").text = text
    return notes
