"""XLIFF 2.0: one unit per sentence pair, with the document id, the sentence id and the flags as notes of the
unit (XLIFF ids must be NMTOKENs, so the unit id is a running number), the provenance as a note of the file.
Characters XML cannot hold become U+FFFD and a "replaced" note lists them.

Streamed by hand as TMX is (translator/writers/tmx.py says why): a head, each unit serialised by lxml on its
own, a tail. The running number goes into the writer's state, so a resumed job numbers on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from translator.types import AlignedDocument, Sentence
from translator.writers.base import Appended, Finished, State, Streaming
from translator.writers.tmx import DECLARATION, SOURCE_LANG, TARGET_LANG, element
from translator.xmlchars import Replacements

_NS = "urn:oasis:names:tc:xliff:document:2.0"
_NSMAP = {None: _NS}
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_ROOT = f'<xliff xmlns="{_NS}" version="2.0" srcLang="{SOURCE_LANG}" trgLang="{TARGET_LANG}"><file id="f1">\n'
_TAIL = b"</file></xliff>\n"


class Writer(Streaming):
    """corpus.xlf of an archive job: a unit per sentence pair, the job's provenance as a note of the file."""

    FILES = ("corpus.xlf",)

    def __init__(self, out: Path, provenance: dict[str, Any]) -> None:
        self.files = (Appended(out / self.FILES[0], final=True),)
        self.provenance = provenance
        self.units = 0

    def open(self, state: State) -> None:
        self.units = state.get("units", 0)
        super().open(state)

    def head(self, file: Appended) -> bytes:
        return _head(self.provenance)

    def write(self, document: Finished) -> None:
        if document.aligned is not None:
            self.files[0].write(_units(document.aligned, self.units))
            self.units += len(document.aligned.sentences)

    def sync(self) -> State:
        return {**super().sync(), "units": self.units}

    def tail(self, file: Appended) -> bytes:
        return _tail(self.units)


def single(doc: AlignedDocument) -> str:
    """An XLIFF document of one document alone, its provenance in a note, as `translate --format xliff` prints it."""
    return (_head(doc.provenance.to_dict()) + _units(doc, 0) + _tail(len(doc.sentences))).decode()


def _head(provenance: dict[str, Any]) -> bytes:
    replaced = Replacements()
    origin = replaced.clean("provenance", ", ".join(f"{k}={v}" for k, v in provenance.items()))
    return DECLARATION + _ROOT.encode() + element(_notes([f"provenance: {origin}"], replaced))


def _units(doc: AlignedDocument, before: int) -> bytes:
    """A unit per sentence pair of the document, numbered on from the `before` units written already."""
    return b"".join(element(_unit(f"u{before + i}", doc.id, s)) for i, s in enumerate(doc.sentences, 1))


def _tail(units: int) -> bytes:
    if units:
        return _TAIL
    # a file must hold at least one unit or group; a group may be empty
    return element(etree.Element(f"{{{_NS}}}group", id="empty", nsmap=_NSMAP)) + _TAIL


def _unit(unit_id: str, doc_id: str, sentence: Sentence) -> etree._Element:
    replaced = Replacements()
    texts = [replaced.clean("source", sentence.source), replaced.clean("target", sentence.target)]
    notes = [
        f"doc-id: {replaced.clean('doc-id', doc_id)}",
        f"sentence-id: {replaced.clean('sentence-id', sentence.id)}",
        f"flags: {replaced.clean('flags', ','.join(sentence.flags))}",
    ]
    unit = etree.Element(f"{{{_NS}}}unit", {"id": unit_id, _XML_SPACE: "preserve"}, nsmap=_NSMAP)
    unit.append(_notes(notes, replaced))
    state = "reviewed" if sentence.origin == "reviewed" else "translated"  # a person's English: a CAT tool sees it
    segment = etree.SubElement(unit, f"{{{_NS}}}segment", state=state)
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
