"""A job's outputs rebuilt from what it holds, with no model: the ledger (every finished document in input order,
and why each failed one failed) and documents.jsonl (every translated document, aligned, with its meta).

This is how exports asked for after a job began are written (`translator batch` with more `--export`s) and how
a refresh rewrites every output with the current reviewed translations (translator/refresh.py): the one way to
rewrite a job's outputs from its documents. The writers write into a staging folder inside the
job's scratch folder; each file is then moved into its place, and only then does the job's ledger record the
exports and their writers' state. A run killed at any moment leaves the ledger as it was, so running it again
rebuilds the same files, byte for byte (writers are deterministic and hold no wall-clock time), and moves them
over whatever an earlier move left.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from translator import durable
from translator.chunks import SCRATCH
from translator.errors import ArchiveError
from translator.ledger import Ledger
from translator.plan import document
from translator.types import AlignedDocument, Paragraph, Provenance, Sentence, Term
from translator.writers import writer_type
from translator.writers.base import Finished, State, Writer

STAGING = f"{SCRATCH}/rebuild"
DOCUMENTS = "documents.jsonl"  # the jsonl export's file of aligned documents, which every job writes


def held(out: Path, ledger: Ledger) -> Iterator[Finished]:
    """Every document the job in `out` has finished (as its ledger committed them), in input order."""
    try:
        documents = (out / DOCUMENTS).open("rb")
    except OSError as exc:
        raise ArchiveError(f"cannot rebuild the job's files from {out / DOCUMENTS}: {exc.strerror or exc}") from exc
    with documents:
        for seq, origin, reason in ledger.records():
            if reason is not None:
                yield Finished(seq, origin, reason=reason)
                continue
            try:
                record = json.loads(documents.readline())
                meta = record.pop("meta")
                doc = aligned(record, f"{out / DOCUMENTS} (document {record['id']!r})")
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                where = f"{out / DOCUMENTS} (before byte {documents.tell()})"
                raise ArchiveError(f"cannot rebuild the job's files: {where} is not as the job wrote it") from exc
            yield Finished(seq, origin, doc, meta)


def rebuild(
    out: Path,
    ledger: Ledger,
    exports: Sequence[str],
    provenance: dict[str, Any],
    complete: bool,
    revise: Callable[[AlignedDocument], AlignedDocument] | None = None,
) -> State:
    """Write `exports` afresh from what the job in `out` holds (each document as `revise` makes it, if given:
    a refresh, translator/refresh.py), completed when the job is (`complete`), and put them in place; return
    each export's writer state, for the ledger to commit."""
    provenance = Provenance(**provenance).to_dict()  # in its fields' order, as the ledger may hold it sorted
    staging = out / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    with durable.writing(staging):
        staging.mkdir(parents=True)
    writers: dict[str, Writer] = {export: writer_type(export)(staging, provenance) for export in exports}
    try:
        for writer in writers.values():
            writer.open({})
        for finished in held(out, ledger):
            if revise is not None and finished.aligned is not None:
                finished = replace(finished, aligned=revise(finished.aligned))
            for writer in writers.values():
                writer.write(finished)
        states = {export: writer.sync() for export, writer in writers.items()}
        for writer in writers.values():
            writer.close(complete=complete)
    finally:
        for writer in writers.values():
            writer.close(complete=False)
    for path in sorted(staging.iterdir()):
        _move(path, out / path.name)
    durable.fsync(out)
    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):  # the scratch folder, unless it holds an engine's files (Ray's results)
        staging.parent.rmdir()
    return states


def _move(path: Path, target: Path) -> None:
    with durable.writing(target):
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        path.replace(target)


def aligned(record: dict[str, Any], where: str) -> AlignedDocument:
    """An aligned document from its JSON form (AlignedDocument.to_dict). What the JSON form leaves out, each
    sentence's line break before it and its Markdown block markers, is read back from the English text, which
    holds both; a text that does not read back is an ArchiveError naming `where`."""
    english: str = record["translation"]
    pos = 0
    paragraphs: list[Paragraph] = []
    for p in record["paragraphs"]:
        pos += 2 if paragraphs else 0  # the blank line between paragraphs
        sentences = []
        for k, s in enumerate(p["sentences"]):
            new_line = k > 0 and english[pos : pos + 1] == "\n"
            pos += k > 0
            start = english.find(s["target"], pos) if k == 0 or new_line else pos
            lead = english[pos:start] if start >= 0 else ""
            sentence = Sentence(
                s["id"],
                s["start"],
                s["end"],
                s["source"],
                s["target"],
                tuple(s["flags"]),
                new_line,
                lead,
                s.get("origin", "model"),
                s.get("confidence"),
                tuple(Term(**t) for t in s.get("terms", ())),
            )
            sentences.append(sentence)
            pos += len(lead) + len(s["target"])
        paragraphs.append(Paragraph(p["index"], p["start"], p["end"], tuple(sentences)))
    provenance = Provenance(**record["provenance"])
    doc = document(record["id"], paragraphs, provenance)
    if doc.translation != english:
        raise ArchiveError(f"cannot rebuild from {where}: its English text does not match its sentences")
    return doc
