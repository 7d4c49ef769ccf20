"""TMX 1.4b, streamed with lxml's incremental writer: one translation unit per sentence pair, the document id,
the sentence id and its flags as properties, the provenance as header properties. Characters XML cannot hold
become U+FFFD and an "x-replaced" property of the unit (or header) lists them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from lxml import etree

from translator._version import __version__
from translator.formats.xmlchars import Replacements

SOURCE_LANG, TARGET_LANG = "id", "en"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TmUnit = tuple[str, str, str, dict[str, str]]


def write(records: Iterable[dict[str, Any]], out: IO[bytes], provenance: dict[str, Any]) -> int:
    """Write the aligned-document records to `out`; return the number of units."""
    units = (
        (
            s["source"],
            s["target"],
            f"{r['id']}#{s['id']}",
            {"x-doc-id": r["id"], "x-sentence-id": s["id"], "x-flags": ",".join(s["flags"])},
        )
        for r in records
        for p in r["paragraphs"]
        for s in p["sentences"]
    )
    return write_units(units, out, {f"x-provenance-{k}": str(v) for k, v in provenance.items()})


def write_units(units: Iterable[TmUnit], out: IO[bytes], header_props: dict[str, str]) -> int:
    """(source, target, tuid, properties) units into a TMX document on `out`, one in memory at a time; return how
    many."""
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
    count = 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("tmx", version="1.4"):
            xf.write("\n", header, pretty_print=True)
            with xf.element("body"):
                xf.write("\n")
                for source, target, tuid, props in units:
                    xf.write(_unit(source, target, tuid, props), pretty_print=True)
                    count += 1
    out.write(b"\n")
    return count


def _unit(source: str, target: str, tuid: str, props: dict[str, str]) -> etree._Element:
    replaced = Replacements()
    tu = etree.Element("tu", tuid=replaced.clean("tuid", tuid))
    variants = [(SOURCE_LANG, replaced.clean("source", source)), (TARGET_LANG, replaced.clean("target", target))]
    _props(tu, props, replaced)  # props come before the tuv elements
    for lang, text in variants:
        tuv = etree.SubElement(tu, "tuv", {_XML_LANG: lang})
        etree.SubElement(tuv, "seg").text = text
    return tu


def _props(parent: etree._Element, props: dict[str, str], replaced: Replacements) -> None:
    """The properties, then an "x-replaced" one when any field of `parent` had characters XML cannot hold."""
    for kind, value in props.items():
        etree.SubElement(parent, "prop", type=replaced.clean("prop type", kind)).text = replaced.clean(kind, value)
    if report := replaced.report():
        etree.SubElement(parent, "prop", type="x-replaced").text = report
