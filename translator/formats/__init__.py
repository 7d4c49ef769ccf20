"""Archive inputs and bitext outputs: a reader per input type, a writer per export, one registry line each.

Readers turn a file's bytes into `Unit`s: one per document, parsed only when asked, so that a resumed job
can skip finished documents without re-reading their content. Containers (.zip, .tar.gz) and folders are
walked in a stable order, so a document's place in the stream is the same on every run. Nothing is read
whole beyond the document size limit, and nothing an input holds stops the stream: a file, member or
record that cannot be read is a unit whose parse raises InputError naming why.
"""

from __future__ import annotations

import importlib
import logging
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from translator.errors import InputError

if TYPE_CHECKING:
    from translator.formats.output import Writer

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

# a reader takes (origin, binary stream, fields, max document bytes)
Reader = Callable[[str, IO[bytes], Fields, int], Iterator[Unit]]

# suffix -> "module:function"
_READERS: dict[str, str] = {
    ".txt": "translator.formats.text:read",
    ".md": "translator.formats.text:read",
    ".html": "translator.formats.html:read",
    ".htm": "translator.formats.html:read",
    ".jsonl": "translator.formats.jsonl:read",
    ".csv": "translator.formats.table:read",
    ".tsv": "translator.formats.table:read",
}
_CONTAINERS: dict[str, str] = {
    ".zip": "translator.formats.container:read_zip",
    ".tar.gz": "translator.formats.container:read_tar",
    ".tgz": "translator.formats.container:read_tar",
    ".tar": "translator.formats.container:read_tar",
}

# what reading a file or a compressed member can raise when its bytes are bad
READ_ERRORS = (
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    tarfile.TarError,
    NotImplementedError,
    UnicodeDecodeError,
)


# export name -> "module:class" of its writer (the Writer protocol of translator/formats/output.py): the only list of
# writers; a job's --export choices are these names
WRITERS: dict[str, str] = {
    "jsonl": "translator.formats.jsonl:Writer",
    "tmx": "translator.formats.tmx:Writer",
    "xliff": "translator.formats.xliff:Writer",
    "tsv": "translator.formats.tsv:Writer",
    "moses": "translator.formats.moses:Writer",
    "html": "translator.formats.page:Writer",
}


def writer_type(export: str) -> type[Writer]:
    """The writer class of an export named in WRITERS."""
    found: type[Writer] = _load(WRITERS[export])
    return found


def reader_for(name: str) -> Reader | None:
    """The reader of a document file (not a container), by its suffix."""
    return _lookup(_READERS, Path(name).suffix.lower())


def _handler(name: str) -> Reader | None:
    lower = name.lower()
    container = next((suffix for suffix in _CONTAINERS if lower.endswith(suffix)), None)
    return _lookup(_CONTAINERS, container) if container else reader_for(lower)


def _lookup(table: dict[str, str], suffix: str) -> Reader | None:
    if suffix not in table:
        return None
    reader: Reader = _load(table[suffix])
    return reader


def _load(name: str) -> Any:
    """The object a "module:attribute" registry entry names, its module imported only now."""
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)


def input_files(inputs: Sequence[Path], exclude: Sequence[Path] = ()) -> Iterator[InputFile]:
    """Every file the inputs name, in a stable order: inputs as given, folders walked sorted by path
    (files of unsupported types in folders left out). Nothing inside `exclude` (the job's own output
    folder) is read: pruned from walks, a failure when named explicitly."""
    excluded = [Path(os.path.realpath(p)) for p in exclude]
    for path in inputs:
        name = printable(path.name)
        try:
            info = path.stat()
        except OSError as exc:
            yield InputFile(name or str(path), path, f"cannot read: {exc.strerror}")
            continue
        real = Path(os.path.realpath(path))
        if _inside(real, excluded):
            yield InputFile(name, path, "inside the job's output folder, so not read as input")
        elif stat.S_ISDIR(info.st_mode):
            prefix = "" if path.name in ("", "..") else f"{name}/"
            yield from _walk(path, prefix, real, excluded, frozenset({(info.st_dev, info.st_ino)}))
        else:
            yield InputFile(name, path, _not_regular(info.st_mode))


_Level = tuple[Iterator[os.DirEntry[str]], str, Path, frozenset[tuple[int, int]]]  # entries, prefix, real path, above


def _walk(
    folder: Path, prefix: str, root: Path, excluded: list[Path], above: frozenset[tuple[int, int]]
) -> Iterator[InputFile]:
    """A folder's files, depth first in name order (the order of sorting their relative paths); links
    that stay inside `root` are followed, `above` (the folders on the way down) guards against loops.
    A stack, not recursion, so that no depth of folders reaches Python's recursion limit."""
    stack: list[_Level] = []
    yield from _enter(stack, folder, prefix, root, above)
    while stack:
        entries, prefix, real_folder, above = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        origin, path = prefix + printable(entry.name), Path(entry.path)
        link = entry.is_symlink()
        real = Path(os.path.realpath(path)) if link else real_folder / entry.name
        if _inside(real, excluded):
            continue
        if link and not _inside(real, [root]):
            yield InputFile(origin, path, "a link leading outside the input folder")
            continue
        try:
            info = path.stat()
        except OSError as exc:  # a broken link
            yield InputFile(origin, path, f"cannot read: {exc.strerror}")
            continue
        if stat.S_ISDIR(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if key in above:
                yield InputFile(origin, path, "a link back to a folder above it (a loop)")
            else:
                yield from _enter(stack, path, f"{origin}/", real, above | {key})
        elif _handler(entry.name) is not None:
            yield InputFile(origin, path, _not_regular(info.st_mode))
        else:
            log.info("skipping %s: unsupported file type", origin)


def _enter(
    stack: list[_Level], folder: Path, prefix: str, real: Path, above: frozenset[tuple[int, int]]
) -> Iterator[InputFile]:
    """Push a folder's entries, sorted by name, on the walk's stack; one that cannot be listed is a failure."""
    try:
        with os.scandir(folder) as listing:
            stack.append((iter(sorted(listing, key=lambda entry: entry.name)), prefix, real, above))
    except OSError as exc:
        yield InputFile(prefix.rstrip("/") or ".", folder, f"cannot read the folder: {exc.strerror}")


def _inside(path: Path, folders: list[Path]) -> bool:
    return any(path == folder or folder in path.parents for folder in folders)


def _not_regular(mode: int) -> str | None:
    """Why a file of this mode is not read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"{kind}, not a regular file"


def iter_units(
    files: Iterable[InputFile], fields: Fields, max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
) -> Iterator[Unit]:
    """Every document of every input file, in a stable order (archive members in archive order). Never
    raises for what an input holds: a file, member or record that cannot be read is a unit whose parse
    raises InputError naming the reason; a document over `max_document_bytes` is one such unit."""
    for item in files:
        read = _handler(item.path.name)
        if item.reason is not None:
            yield failed_unit(item.origin, item.reason)
        elif read is None:
            yield failed_unit(item.origin, f"unsupported file type {item.path.suffix or '(none)'}")
        else:
            yield from guarded(item.origin, _file_units(item, read, fields, max_document_bytes))


def _file_units(item: InputFile, read: Reader, fields: Fields, limit: int) -> Iterator[Unit]:
    with open_regular(item.path) as raw:
        for unit in read(item.origin, raw, fields, limit):
            yield replace(unit, read=raw.tell())


def guarded(origin: str, units: Iterator[Unit]) -> Iterator[Unit]:
    """The units, then one failed unit naming why if reading breaks off (the units before it stand)."""
    try:
        yield from units
    except InputError as exc:
        yield failed_unit(origin, str(exc))
    except READ_ERRORS as exc:
        yield failed_unit(origin, f"cannot read: {describe(exc)}")


def describe(exc: BaseException) -> str:
    """An error's message without the file path an OSError adds."""
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__


def open_regular(path: Path) -> IO[bytes]:
    """A regular file opened for reading; anything else (a FIFO that took its place) is InputError at once.
    O_NONBLOCK so that opening a FIFO cannot wait for a writer."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        reason = _not_regular(os.fstat(fd).st_mode)
        if reason is not None:
            raise InputError(reason)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def whole_document(origin: str, stream: IO[bytes], limit: int, parse: Callable[[bytes], Document]) -> Unit:
    """The unit of a file that is one document, read to at most `limit` bytes (a failed unit beyond)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        return failed_unit(origin, over_limit(limit))
    return Unit(origin, partial(parse, data))


def over_limit(limit: int) -> str:
    size = f"{limit // 1_000_000} MB" if limit % 1_000_000 == 0 else f"{limit:,}-byte"
    return f"over the {size} document limit"


def failed_unit(origin: str, reason: str) -> Unit:
    def fail() -> Document:
        raise InputError(reason)

    return Unit(origin, fail)


def printable(name: str) -> str:
    """A file or member name as text that encodes to UTF-8: bytes that did not decode (the surrogate
    escapes of os.fsdecode and tarfile) shown as \\xNN, any other lone surrogate as \\udNNN."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


def checked(text: str, what: str) -> str:
    """`text` unchanged if it encodes to UTF-8, else InputError naming `what` (JSON can escape lone
    surrogates, which no output can write)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{what} holds an unpaired surrogate (character {exc.start})") from exc
    return text


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
