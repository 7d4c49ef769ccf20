"""A job's input set: each input file fingerprinted (size and content hash, or why it cannot be read), how two
input sets differ (the ledger keeps the fingerprints, so a re-run over other inputs is refused), and the
stream of their documents, each parsed or failed."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from translator.chunks import Failure
from translator.errors import ArchiveError, InputError
from translator.ledger import InputRecord, Ledger
from translator.readers import Document, Fields, Unit
from translator.readers.walk import InputFile, iter_units


@dataclass(frozen=True)
class Input:
    """An input file as fingerprinted: what the ledger keeps, and its inode, size and modification time
    then, so that a change while the job reads it is seen."""

    file: InputFile
    record: InputRecord
    stamp: tuple[int, int, int] | None = None


def fingerprint(files: Iterable[InputFile]) -> list[Input]:
    """Each input file's size and SHA-256; a file that cannot be read gets that reason instead (and becomes
    a failure record of the job)."""
    found = []
    for item in files:
        if item.reason is None:
            try:
                size, digest, stamp = _hash(item.path)
            except OSError as exc:
                item = replace(item, reason=f"cannot read: {exc.strerror or exc}")
            else:
                found.append(Input(item, InputRecord(item.origin, size, digest), stamp))
                continue
        found.append(Input(item, InputRecord(item.origin, 0, "", item.reason)))
    return found


def _hash(path: Path) -> tuple[int, str, tuple[int, int, int]]:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # never blocks on a FIFO swapped in after the walk
    with os.fdopen(fd, "rb") as stream:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise OSError(0, "not a regular file")
        digest = hashlib.file_digest(stream, "sha256")
        if _stamp(os.fstat(fd)) != _stamp(before) or stream.tell() != before.st_size:
            raise OSError(0, "it changed while it was read")
        return before.st_size, digest.hexdigest(), _stamp(before)


def _stamp(info: os.stat_result) -> tuple[int, int, int]:
    return info.st_ino, info.st_size, info.st_mtime_ns


def difference(old: Sequence[InputRecord], new: Sequence[InputRecord]) -> str | None:
    """One line saying how two input sets differ, or None when they are the same."""
    if list(old) == list(new):
        return None
    before, after = _by_origin(old), _by_origin(new)
    kinds = {
        "added": [o for o in after if o not in before],
        "removed": [o for o in before if o not in after],
        "changed": [o for o in after if o in before and before[o] != after[o]],
    }
    if not any(kinds.values()):
        return "the same inputs in another order"
    return ", ".join(_counted(verb, names) for verb, names in kinds.items())


def _by_origin(records: Sequence[InputRecord]) -> dict[str, list[InputRecord]]:
    found: dict[str, list[InputRecord]] = {}
    for r in records:
        found.setdefault(r.origin, []).append(r)
    return found


def _counted(verb: str, names: list[str]) -> str:
    return f"{len(names)} input{'s' if len(names) != 1 else ''} {verb}" + (f" ({_some(names)})" if names else "")


def _some(names: list[str], most: int = 3) -> str:
    return ", ".join(names[:most]) + (f", and {len(names) - most} more" if len(names) > most else "")


def changed(path: Path, stamp: tuple[int, int, int]) -> bool:
    try:
        return _stamp(path.stat()) != stamp
    except OSError:
        return True


class Stream:
    """The documents of a job's inputs, in input order: (seq, unit) pairs, then parsed a chunk at a time. A
    document whose id an earlier one has (finished in the ledger, or read and not yet written) is a failure
    naming that one. `read`: the bytes of the input files consumed so far."""

    def __init__(self, inputs: list[Input], fields: Fields, limit: int, ledger: Ledger) -> None:
        self.inputs, self.fields, self.limit, self.ledger = inputs, fields, limit, ledger
        self.read = 0
        self.ids: dict[str, str] = {}  # id → origin of the documents read and not yet written

    def units(self) -> Iterator[tuple[int, Unit]]:
        """(seq, unit) of every document. An input that changed since it was fingerprinted stops the job: its
        documents might mix two versions."""
        seq = 0
        before = 0
        for item in self.inputs:
            for unit in iter_units([item.file], self.fields, self.limit):
                self.read = before + min(unit.read, item.record.size)
                yield seq, unit
                seq += 1
            if item.stamp is not None and changed(item.file.path, item.stamp):
                raise ArchiveError(
                    f"{item.file.origin} changed while the job read it, so its documents may mix two versions; "
                    "run again with --restart"
                )
            before += item.record.size
        self.read = before

    def parse(self, chunk: list[tuple[int, Unit]]) -> list[tuple[int, Unit, Document | Failure]]:
        """Each unit's document, or why it has none: it cannot be read, or an earlier document has its id."""
        parsed: list[tuple[int, Unit, Document | Failure]] = []
        for seq, unit in chunk:
            try:
                doc = unit.parse()
            except InputError as exc:
                parsed.append((seq, unit, Failure(str(exc))))
                continue
            holder = self.ids.get(doc.id) or self.ledger.holder(doc.id)
            if holder is not None:
                parsed.append((seq, unit, Failure(f"the same id {doc.id!r} as {holder}")))
            else:
                self.ids[doc.id] = unit.origin
                parsed.append((seq, unit, doc))
        return parsed

    def written(self, doc_id: str) -> None:
        """The document with this id is in the ledger now."""
        self.ids.pop(doc_id, None)
