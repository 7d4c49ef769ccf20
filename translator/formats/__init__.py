"""Archive inputs and bitext outputs: a reader per input type, a writer per output, one registry line each.

Readers turn a file's bytes into `Unit`s: one per document, parsed only when asked, so that a resumed job
can skip finished documents without re-reading their content. Containers (.zip, .tar.gz) and directories
are walked in a stable order, so a document's place in the stream is the same on every run.
"""

from __future__ import annotations

import importlib
import logging
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO

from translator.errors import InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fields:
    """Which fields of a JSONL or CSV record hold the document's id, text and title."""

    id: str = "id"
    text: str = "text"
    title: str = "title"


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Unit:
    """One document in the input stream: where it came from, and how to get it (InputError on failure).

    `read` is how many bytes of its input file had been consumed when it was yielded (of the compressed
    file for an archive), for progress; 0 where a reader cannot tell.
    """

    origin: str
    parse: Callable[[], Document]
    read: int = 0


@dataclass(frozen=True)
class InputFile:
    """One file the user's inputs name, in job order. `origin` is its name relative to the input as named
    ("a.txt" for `a.txt` or inside `.`, "news/a.txt" inside `news/`); `reason`, when set, says why it cannot
    be read as input (a FIFO, a device, a link leading outside its folder) and makes one failure record."""

    origin: str
    path: Path
    reason: str | None = None


DEFAULT_MAX_DOCUMENT_BYTES = 10_000_000


Reader = Callable[[str, IO[bytes], Fields], Iterator[Unit]]

# suffix -> "module:function"; a reader takes (origin, binary stream, fields)
_READERS: dict[str, str] = {
    ".txt": "translator.formats.text:read",
    ".md": "translator.formats.text:read",
    ".html": "translator.formats.html:read",
    ".htm": "translator.formats.html:read",
    ".jsonl": "translator.formats.jsonl:read",
    ".csv": "translator.formats.table:read",
    ".tsv": "translator.formats.table:read",
}
_ARCHIVES = (".zip", ".tar.gz", ".tgz", ".tar")


def reader_for(name: str) -> Reader | None:
    suffix = Path(name).suffix.lower()
    if suffix not in _READERS:
        return None
    module, _, function = _READERS[suffix].partition(":")
    reader: Reader = getattr(importlib.import_module(module), function)
    return reader


def input_files(inputs: Sequence[Path], exclude: Sequence[Path] = ()) -> Iterator[InputFile]:
    """Every file the inputs name, in a stable order: inputs as given, folders walked sorted by path;
    nothing inside `exclude` (the job's own output folder)."""
    for path in inputs:
        if path.is_dir():
            prefix = "" if path.name in ("", "..") else f"{path.name}/"
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                yield InputFile(f"{prefix}{child.relative_to(path).as_posix()}", child)
        else:
            yield InputFile(path.name, path)


def iter_units(
    files: Iterable[InputFile], fields: Fields, max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
) -> Iterator[Unit]:
    """Every document of every input file, in a stable order (archive members in archive order). Never
    raises for what an input holds: a file, member or record that cannot be read is a unit whose parse
    raises InputError naming the reason."""
    for item in files:
        if item.reason is not None:
            yield failed_unit(item.origin, item.reason)
        else:
            yield from _file(item.path, item.origin, fields, explicit=True)


def _file(path: Path, origin: str, fields: Fields, explicit: bool) -> Iterator[Unit]:
    lower = path.name.lower()
    if lower.endswith(_ARCHIVES):
        yield from _archive(path, origin, fields)
        return
    reader = reader_for(lower)
    if reader is None:
        if explicit:
            yield failed_unit(origin, f"unsupported file type {path.suffix or '(none)'}")
        else:
            log.info("skipping %s: unsupported file type", origin)
        return
    try:
        with path.open("rb") as stream:
            yield from reader(origin, stream, fields)
    except OSError as exc:
        yield failed_unit(origin, f"cannot read: {exc.strerror or exc}")


def _archive(path: Path, origin: str, fields: Fields) -> Iterator[Unit]:
    try:
        if path.name.lower().endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if not info.is_dir():
                        yield from _member(f"{origin}!{info.filename}", partial(archive.open, info), fields)
        else:
            with tarfile.open(path, mode="r:*") as archive:
                for member in archive:
                    if member.isfile():
                        yield from _member(f"{origin}!{member.name}", partial(archive.extractfile, member), fields)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        yield failed_unit(origin, f"cannot read the archive: {exc}")


def _member(origin: str, open_member: Callable[[], IO[bytes] | None], fields: Fields) -> Iterator[Unit]:
    reader = reader_for(origin)
    if reader is None:
        log.info("skipping %s: unsupported file type", origin)
        return
    stream = open_member()
    if stream is None:
        return
    with stream:
        yield from reader(origin, stream, fields)


def failed_unit(origin: str, reason: str) -> Unit:
    def fail() -> Document:
        raise InputError(reason)

    return Unit(origin, fail)


def decode(data: bytes) -> str:
    """UTF-8 text of a document, or InputError naming what is wrong with it."""
    if not data.strip():
        raise InputError("empty file")
    if b"\x00" in data[:4096]:
        raise InputError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})") from exc
