"""XLIFF 2.0, written with translate-toolkit: one unit per sentence pair; the document id, the sentence id,
the flags and the provenance as notes (XLIFF ids must be NMTOKENs, so the unit id is a running number)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from translate.storage import xliff2


def write(records: Iterable[dict[str, Any]], path: Path, provenance: dict[str, Any]) -> int:
    store = xliff2.Xliff2File(sourcelanguage="id", targetlanguage="en")
    origin = ", ".join(f"{k}={v}" for k, v in provenance.items())
    count = 0
    for record in records:
        for paragraph in record["paragraphs"]:
            for s in paragraph["sentences"]:
                count += 1
                unit = store.addsourceunit(s["source"])
                unit.settarget(s["target"])
                unit.setid(f"u{count}")
                unit.addnote(f"doc-id: {record['id']}")
                unit.addnote(f"sentence-id: {s['id']}")
                unit.addnote(f"flags: {','.join(s['flags'])}")
                unit.addnote(f"provenance: {origin}")
    with path.open("wb") as out:
        store.serialize(out)
    return count
