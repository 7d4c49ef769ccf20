"""`translator refresh OUT`: a finished job's outputs rewritten with the reviewed translations as they stand now,
with no model. Each sentence whose source has reviewed English takes it (origin `reviewed`, no flags, no
confidence, no terms), as the pipeline would have given it; every other byte stays as the job wrote it. The
outputs are rebuilt by the one mechanism that rebuilds them from what a job holds (translator/rebuild.py), and
the job then holds the new snapshot (its ledger, its identity), so that a later resume or added export agrees.

Crash safety: the snapshot and the count of sentences it changes are committed to the ledger before any file
is replaced ("refreshing"); a refresh killed after that is finished by the next one with that same snapshot,
whatever the store holds by then (applying a snapshot twice changes nothing more), so the files come out
byte for byte as one uninterrupted refresh writes them, and the manifest counts the same sentences. A sentence
whose reviewed English was deleted since keeps the English the job holds (the machine's would need the model:
run the job again with --restart for that)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from translator import archive, consistency, manifest, markdown, pieces, rebuild
from translator.errors import RefusedError
from translator.ledger import Ledger
from translator.plan import document, filled
from translator.reviewed import Reviewed, Snapshot
from translator.types import AlignedDocument, Paragraph, Translation


@dataclass(frozen=True)
class Refreshed:
    changed: int  # sentence occurrences whose English changed
    fingerprint: str  # of the snapshot the outputs now carry
    manifest: Path
    current: bool = False  # the job held this snapshot already: nothing was rewritten


def refresh(out: Path, reviewed: Reviewed) -> Refreshed:
    """Rewrite every output of the finished job in `out` with `reviewed` (a snapshot of it is taken now, unless
    an interrupted refresh left one to finish with). RefusedError if `out` holds no finished job."""
    if not (out / archive.LEDGER).is_file():
        raise RefusedError(f"{out} holds no archive job (no {archive.LEDGER})")
    started = time.monotonic()
    with archive.locked(out):
        ledger = Ledger(out / archive.LEDGER)
        try:
            if not ledger.get("finished"):
                raise RefusedError(f"{out} holds an unfinished job: run the same translator batch to finish it first")
            pending = ledger.get("refreshing")
            if pending is None:
                snapshot = reviewed.snapshot()
                if snapshot.fingerprint == ledger.get("signature").get("reviewed"):  # the job holds it already
                    return Refreshed(0, snapshot.fingerprint, out / archive.MANIFEST, current=True)
                pending = {"entries": dict(snapshot.entries), "changed": _count(out, ledger, snapshot)}
                ledger.put("refreshing", pending)
                ledger.commit()
            snapshot = Snapshot(pending["entries"])
            for seq, flags in _flags(out, ledger, snapshot):
                ledger.set_flags(seq, flags)
            sig = ledger.get("signature")
            states = rebuild.rebuild(
                out, ledger, ledger.get("exports"), sig["provenance"], True, lambda doc: revised(doc, snapshot)[0]
            )
            ledger.put("writers", states)
            held = (revised(f.aligned, snapshot)[0] for f in rebuild.held(out, ledger) if f.aligned is not None)
            consistency.write(out / consistency.FILE, held)  # terms.tsv: reviewed sentences carry no terms
            ledger.put("reviewed", pending["entries"])
            ledger.put("signature", {**sig, "reviewed": snapshot.fingerprint})
            ledger.put("refreshed", {"changed": pending["changed"]})
            ledger.put("refreshing", None)
            inputs = _inputs(out)
            manifest.write(
                out / archive.MANIFEST, ledger, ledger.get("signature"), inputs, ledger.get("exports"), True, started
            )
            ledger.commit()
            return Refreshed(pending["changed"], snapshot.fingerprint, out / archive.MANIFEST)
        finally:
            ledger.close()


def revised(doc: AlignedDocument, reviewed: Reviewed) -> tuple[AlignedDocument, int]:
    """`doc` with the reviewed English of its sentences, as the pipeline gives it (looked up by the text the model
    would see, filled in by plan.fill), and how many of its sentences that changed."""
    english = iter(reviewed.english([pieces.clean(markdown.held(s.source).text) for s in doc.sentences]))
    changed = 0
    paragraphs: list[Paragraph] = []
    for p in doc.paragraphs:
        now = []
        for s in p.sentences:
            found = next(english)
            if found is not None:
                new = filled(s, Translation(found, origin="reviewed"))
                changed += new != s
                s = new
            now.append(s)
        paragraphs.append(replace(p, sentences=tuple(now)))
    if not changed:
        return doc, 0
    return document(doc.id, paragraphs, doc.provenance), changed


def _documents(out: Path, ledger: Ledger) -> Iterator[tuple[int, AlignedDocument]]:
    for finished in rebuild.held(out, ledger):
        if finished.aligned is not None:
            yield finished.seq, finished.aligned


def _count(out: Path, ledger: Ledger, snapshot: Snapshot) -> int:
    return sum(revised(doc, snapshot)[1] for _, doc in _documents(out, ledger))


def _flags(out: Path, ledger: Ledger, snapshot: Snapshot) -> list[tuple[int, dict[str, int]]]:
    """Each translated document's flag counts once refreshed (the manifest adds them up), read whole before the
    ledger is written."""
    return [(seq, revised(doc, snapshot)[0].summary["flags"]) for seq, doc in _documents(out, ledger)]


def _inputs(out: Path) -> list[Path]:
    """The inputs the manifest names, as the job's last run named them."""
    try:
        return [Path(p) for p in json.loads((out / archive.MANIFEST).read_text(encoding="utf-8"))["inputs"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []
