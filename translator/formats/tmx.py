"""TMX 1.4b, written with translate-toolkit: one translation unit per sentence pair, the document id, the
sentence id and its flags as properties, the provenance as header properties."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from translate.storage import tmx


def write(records: Iterable[dict[str, Any]], path: Path, provenance: dict[str, Any]) -> int:
    """Write the aligned-document records to `path`; return the number of units."""
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
    return write_units(units, path, {f"x-provenance-{k}": str(v) for k, v in provenance.items()})


def write_units(units: Iterable[tuple[str, str, str, dict[str, str]]], path: Path, header_props: dict[str, str]) -> int:
    """(source, target, tuid, properties) units into a TMX file; return how many."""
    store = tmx.tmxfile(sourcelanguage="id", targetlanguage="en")
    header = store.document.getroot().find("header")
    for kind, value in header_props.items():
        _prop(header, kind, value)
    count = 0
    for source, target, tuid, props in units:
        unit = store.addsourceunit(source)
        unit.settarget(target)
        unit.xmlelement.set("tuid", tuid)
        for position, (kind, value) in enumerate(props.items()):
            _prop(unit.xmlelement, kind, value, position=position)  # props come before the tuv elements
        count += 1
    with path.open("wb") as out:
        store.serialize(out)
    return count


def _prop(parent: Any, kind: str, value: str, position: int | None = None) -> None:
    from lxml import etree

    prop = etree.Element("prop", type=kind)
    prop.text = value
    if position is None:
        parent.append(prop)
    else:
        parent.insert(position, prop)
