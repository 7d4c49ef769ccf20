"""XLIFF 2.0 (.xlf, .xliff): each segment's <target> is filled with the English of its <source>, inline
codes (<ph/>, <pc>, <mrk>, <sc/>, <ec/>…) kept: the texts are the inner XML of the sources, translated as
markup (translator/markup.py): each sentence whole, its codes placed back on the aligned English words by
translator/inline.py, an <mrk translate="no"> kept as it is. A missing <target> is made right after its
<source>.

What a person wrote is never passed off as the machine's, nor the machine's as reviewed:
- a segment in state `reviewed` or `final` with a target keeps it (a reviewed translation: the segment's
  English), never sent to the model;
- any other existing target is replaced, and every segment given machine English gets state="translated"
  subState="translator:machine" (XLIFF's own place for a tool's finer state), with a note on its unit saying
  it is a machine translation, not reviewed;
- a segment under translate="no" (on its unit, group or file) keeps an existing target, and gets its source
  as target where it has none.
The result counts what was left: `translate_no` segments and `reviewed_kept` targets.
<xliff> gets trgLang="en" when it has none; everything else is kept as lxml reads and writes it (comments,
other namespaces, modules), re-serialised as UTF-8. XLIFF 1.x, other XML, DTDs and entities are refused.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from lxml import etree

from translator._version import __version__
from translator.errors import InputError
from translator.files import Options, Parsed
from translator.xmlchars import Replacements

_NS = "urn:oasis:names:tc:xliff:document:2.0"
_X = f"{{{_NS}}}"
REVIEWED = ("reviewed", "final")  # states whose target a person stands by
MACHINE = "translator:machine"  # the subState of a segment this translator filled
NOTE = f"machine translation (translator {__version__}), not reviewed"
_BEFORE_NOTES = {f"{_X}originalData", f"{_X}segment", f"{_X}ignorable"}  # a unit's <notes> comes before these


def parse(data: bytes, options: Options) -> Parsed:
    root = _root(data)
    # a segment to translate, its source's "<source …>" with its xmlns, and "</source>", either with its prefix
    segments: list[tuple[etree._Element, str, str]] = []
    texts: list[str] = []
    untranslated = {"translate_no": 0, "reviewed_kept": 0}
    for segment in root.iter(f"{_X}segment"):
        source = segment.find(f"{_X}source")
        if source is None:
            raise InputError(f"malformed XLIFF: the segment on line {segment.sourceline} has no <source>")
        target = segment.find(f"{_X}target")
        if segment.xpath("ancestor::*[@translate][1]/@translate") == ["no"]:
            untranslated["translate_no"] += 1
            if target is None:
                _fill(segment, source.text, [copy.deepcopy(child) for child in source])
            continue
        if target is not None and segment.get("state") in REVIEWED:
            untranslated["reviewed_kept"] += 1
            continue
        _machine(segment)
        serialised = etree.tostring(source, encoding="unicode", with_tail=False)
        start = serialised.index(">") + 1  # lxml writes ">" in attribute values as "&gt;"
        inner = "" if serialised.endswith("/>") else serialised[start : serialised.rindex("</")]
        name = f"{source.prefix}:source" if source.prefix else "source"
        segments.append((segment, serialised[: start - 1].removesuffix("/") + ">", f"</{name}>"))
        texts.append(inner)
    if root.get("trgLang") is None:
        root.set("trgLang", "en")

    def rebuild(english: Sequence[str]) -> bytes:
        for (segment, opening, closing), target in zip(segments, english, strict=True):
            clean = Replacements().clean("target", target)  # whatever the model wrote, the file stays XML
            content = etree.fromstring(f"{opening}{clean}{closing}")  # in the source's namespace scope
            _fill(segment, content.text, list(content))
        written: bytes = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
        return written + b"\n"

    return Parsed(texts, True, rebuild, "application/xliff+xml", {k: n for k, n in untranslated.items() if n})


def _root(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"malformed XLIFF: {exc}") from exc
    name = etree.QName(root)
    if name.localname != "xliff":
        raise InputError(f"not an XLIFF file (its root element is <{name.localname}>): only XLIFF 2.0 is supported")
    if name.namespace != _NS:
        found = f"namespace {name.namespace}" if name.namespace else "no namespace"
        version = root.get("version", "")
        if version and not version.startswith("2"):
            raise InputError(f"XLIFF {version} is not supported ({found}): only XLIFF 2.0 is")
        raise InputError(f"<xliff> in {found} is not supported: only XLIFF 2.0 is, in namespace {_NS}")
    if root.getroottree().docinfo.doctype:
        raise InputError("XLIFF with a DTD (<!DOCTYPE …>) is not supported")
    return root


def _machine(segment: etree._Element) -> None:
    """The segment marked as translated by a machine, and its unit noted so (once)."""
    segment.set("state", "translated")
    segment.set("subState", MACHINE)
    unit = segment.getparent()
    if unit is None or etree.QName(unit).localname != "unit":
        return
    notes = unit.find(f"{_X}notes")
    if notes is None:
        anchor = next(child for child in unit if child.tag in _BEFORE_NOTES)  # a unit has a segment at least
        notes = etree.SubElement(unit, f"{_X}notes")  # in the unit's namespace scope: no new xmlns
        anchor.addprevious(notes)
        notes.tail = unit.text  # the indentation before the unit's first child
    if not any(note.get("category") == "translator" and note.text == NOTE for note in notes.iter(f"{_X}note")):
        etree.SubElement(notes, f"{_X}note", category="translator", appliesTo="target").text = NOTE


def _fill(segment: etree._Element, text: str | None, children: list[etree._Element]) -> None:
    """The segment's <target> (made after its <source> when missing) holding `text` and then `children`."""
    target = segment.find(f"{_X}target")
    if target is None:
        source = segment.find(f"{_X}source")
        target = etree.SubElement(segment, f"{_X}target")  # in the segment's namespace scope: no new xmlns
        source.addnext(target)
        target.tail, source.tail = source.tail, segment.text
    else:
        for child in list(target):
            target.remove(child)
    target.text = text
    target.extend(children)
