"""What an archive job's writers share: the Writer protocol, the document they are given, and the appended file
that makes every output resumable.

A job opens its writers with the state they returned at the last ledger commit, writes each finished document
to every writer, syncs them before each commit, and closes them. Every output is an appended file whose
committed size the ledger holds, so resuming means one thing for all of them: cut back to the committed size
(dropping a half-written tail) and go on appending.

Whole-file outputs (TMX, XLIFF, the HTML index) stream the same way into a hidden `.<name>.partial` beside
their final name: the head is written when the file is empty, each document appends its part, and closing
appends the tail, fsyncs and renames. A reader never sees a file without its tail, and nothing is held in
memory or read back. The job completes its writers only once the ledger has committed that every document is
written; a run that dies while completing them is resumed by completing again: a file whose partial is gone
(with a committed size above zero: the head at least) was renamed, so it is complete and left alone; any
other is cut back to its committed size, dropping a tail that may be half written, and completed.

HTML pages are the exception to appending: each is written whole, fsynced at the next sync, and a page of a
document that was not committed is written again, with the same bytes, when the resumed run redoes it.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from translator import durable
from translator.types import AlignedDocument

State = dict[str, Any]  # what a writer needs to resume: JSON, kept in the ledger


@dataclass(frozen=True)
class Finished:
    """One document as the job finished it: translated (`aligned` set, `meta` from its source) or failed
    (`reason` set). `seq` is its place in the job's input stream."""

    seq: int
    origin: str
    aligned: AlignedDocument | None = None
    meta: dict[str, str] = field(default_factory=dict)
    reason: str | None = None


class Writer(Protocol):
    """One export of an archive job. Made with the job's output folder and provenance; FILES names what it
    writes there (relative paths), so that a restart can remove them."""

    FILES: tuple[str, ...]

    def __init__(self, out: Path, provenance: dict[str, Any]) -> None: ...

    def open(self, state: State) -> None:
        """Start, or resume from `state` (as `sync` last returned it and the ledger committed; {} at first)."""

    def write(self, document: Finished) -> None:
        """Append the document (a writer of translations passes over a failed one)."""

    def sync(self) -> State:
        """Make everything written durable and return what `open` needs to resume from here."""

    def close(self, complete: bool) -> None:
        """Release the files; when `complete`, first finish the whole-file outputs."""


class Appended:
    """A file the job appends to. `final` is where a whole-file output goes once complete; it is then
    written to `.<final>.partial` meanwhile."""

    def __init__(self, path: Path, final: bool = False) -> None:
        self.name = path.name
        self.final = path if final else None
        self.path = durable.partial_name(path) if final else path
        self.file: IO[bytes] | None = None
        self.committed = 0

    def open(self, committed: int, head: bytes = b"") -> None:
        """Cut the file back to `committed` bytes (`head` when that leaves it empty), or leave a whole-file
        output alone that an earlier close completed."""
        self.committed = committed
        if self.final is not None and committed and not self.path.exists():
            return  # renamed to its final name at an earlier close: complete
        with durable.writing(self.path):
            self.file = self.path.open("ab" if self.path.exists() else "wb")
            self.file.truncate(committed)
            self.file.seek(0, os.SEEK_END)
            if not committed:
                self.file.write(head)

    def write(self, data: bytes) -> None:
        assert self.file is not None, f"{self.path} is complete"
        with durable.writing(self.path):
            self.file.write(data)

    def sync(self) -> int:
        """The file's size once durable."""
        if self.file is None:  # completed by an earlier close
            return self.committed
        with durable.writing(self.path):
            self.file.flush()
            os.fsync(self.file.fileno())
            return self.file.tell()

    def close(self, tail: bytes | None = None) -> None:
        """With `tail` (a complete job), end the file with it and put a whole-file output in its place;
        without, just let go (a full disk fails the close too: what counts is what the ledger committed)."""
        if self.file is None:
            return
        file, self.file = self.file, None
        if tail is None:
            with contextlib.suppress(OSError):
                file.close()
            return
        with durable.writing(self.path), file:
            file.write(tail)
            file.flush()
            os.fsync(file.fileno())
        if self.final is not None:
            with durable.writing(self.final):
                self.path.replace(self.final)


class Streaming:
    """A writer whose outputs are all Appended files: it writes, the rest is the same for every such writer.
    A subclass sets `files` and may give a file a head (written when it is empty) and a tail (at the end)."""

    files: tuple[Appended, ...]

    def head(self, file: Appended) -> bytes:
        return b""

    def tail(self, file: Appended) -> bytes:
        return b""

    def open(self, state: State) -> None:
        for file in self.files:
            file.open(state.get(file.name, 0), self.head(file))

    def sync(self) -> State:
        return {file.name: file.sync() for file in self.files}

    def close(self, complete: bool) -> None:
        for file in self.files:
            file.close(self.tail(file) if complete else None)
