"""The result files of a Ray job (translator/cluster.py): what an actor made of a Ray chunk, written whole
(translator/durable.py) and then marked done, and the folder of them as the driver reads it back on a resume
and forgets it as the job commits."""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from translator import durable
from translator import plan as flow
from translator.chunks import COMMIT_DOCUMENTS, Failure
from translator.pipeline import TranslationStats
from translator.readers import Document
from translator.types import Translation

_DONE, _RESULT = ".done", ".pickle"


@dataclass(frozen=True)
class Entry:
    """One document on its way through Ray: the hash of its id and text, its layout once planned (or why it
    could not be), and its translations once translated (or why not)."""

    digest: str
    result: flow.Layout | Failure
    translations: tuple[Translation, ...] = ()


@dataclass(frozen=True)
class Result:
    """What an actor made of a Ray chunk (and persisted): each document's entry, what its memory would have
    stored, its counts; or, `fatal`, why it could not translate at all."""

    first: int
    fingerprint: str
    provenance: dict[str, Any]
    docs: dict[int, Entry] = field(default_factory=dict)
    learned: list[tuple[str, str, Translation]] = field(default_factory=list)
    counts: TranslationStats = field(default_factory=TranslationStats)
    fatal: str | None = None


def persist(folder: Path, result: Result) -> None:
    """The result file (written whole), then its done marker; a crash leaves either both, a result without a
    marker (ignored, overwritten), or a temporary file (removed by the next driver)."""
    durable.replace(
        folder / f"{result.first:012d}{_RESULT}",
        lambda out: pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL),
    )
    durable.replace(folder / f"{result.first:012d}{_DONE}", lambda out: None)


class Store:
    """The results folder as the driver sees it: which seqs have a finished result, and when to forget them."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder, self.fingerprint = folder, fingerprint
        self.entries: dict[int, Entry] = {}
        self.files: dict[int, int] = {}  # first seq → last seq, of every result file not yet deleted
        if not folder.is_dir():
            return
        for stale in folder.glob(".*.partial"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        for marker in sorted(folder.glob(f"*{_DONE}")):
            first = int(marker.name.removesuffix(_DONE))
            try:
                with (folder / f"{first:012d}{_RESULT}").open("rb") as stream:
                    result = pickle.load(stream)
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
                continue
            if not isinstance(result, Result) or result.fingerprint != fingerprint or result.fatal:
                continue
            self.entries.update(result.docs)
            self.files[first] = max(result.docs)

    def take(self, documents: dict[int, Document]) -> dict[int, Entry]:
        """The stored entries for these documents (the same document, by id and text)."""
        if self.files and documents:  # a resumed job asks for nothing before its last commit: forget that
            self._delete(below=min(documents))
        return {
            s: self.entries[s]
            for s, d in documents.items()
            if s in self.entries and self.entries[s].digest == doc_hash(d)
        }

    def arrived(self, first: int, last: int) -> None:
        self.files[first] = last

    def written(self, last: int) -> None:
        """The job has written every document up to `last`; it has committed all but its last
        COMMIT_DOCUMENTS, so results below that are no longer needed."""
        self._delete(below=last - COMMIT_DOCUMENTS + 1)

    def _delete(self, below: int) -> None:
        for first, last in sorted(self.files.items()):
            if last < below:
                self._unlink(first)

    def _unlink(self, first: int) -> None:
        for suffix in (_DONE, _RESULT):  # the marker first: a result without one is never used
            with contextlib.suppress(FileNotFoundError):
                (self.folder / f"{first:012d}{suffix}").unlink()
        last = self.files.pop(first)
        for seq in [s for s in self.entries if first <= s <= last]:
            del self.entries[seq]

    def clear(self) -> None:
        """The run is over: every result is written (and about to be committed)."""
        for first in list(self.files):
            self._unlink(first)
        with contextlib.suppress(OSError):
            for leftover in self.folder.iterdir():
                leftover.unlink()
            self.folder.rmdir()


def doc_hash(doc: Document) -> str:
    return hashlib.sha256(f"{doc.id}\0{doc.text}".encode("utf-8", "surrogatepass")).hexdigest()
