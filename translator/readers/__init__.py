"""Archive inputs: a reader per document type, a container reader per archive type, one registry line each.

Readers turn a file's bytes into `Unit`s: one per document, parsed only when asked, so that a resumed job
can skip finished documents without re-reading their content. Containers (.zip, .tar.gz) and folders are
walked in a stable order (translator/readers/walk.py), so a document's place in the stream is the same on
every run. Nothing is read whole beyond the document size limit, and nothing an input holds stops the
stream: a file, member or record that cannot be read is a unit whose parse raises InputError naming why.
"""

from __future__ import annotations

import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO

from translator import utf8
from translator.errors import InputError
from translator.registry import Registry


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


DEFAULT_MAX_DOCUMENT_BYTES = 10_000_000

# a reader takes (origin, binary stream, fields, max document bytes)
Reader = Callable[[str, IO[bytes], Fields, int], Iterator[Unit]]

# suffix -> the reader of a document file of that type
READERS: Registry[Reader] = Registry(
    {
        ".txt": "translator.readers.text:read",
        ".md": "translator.readers.text:read",
        ".html": "translator.readers.html:read",
        ".htm": "translator.readers.html:read",
        ".jsonl": "translator.readers.jsonl:read",
        ".csv": "translator.readers.table:read",
        ".tsv": "translator.readers.table:read",
    }
)
# suffix -> the reader of a container of documents
CONTAINERS: Registry[Reader] = Registry(
    {
        ".zip": "translator.readers.container:read_zip",
        ".tar.gz": "translator.readers.container:read_tar",
        ".tgz": "translator.readers.container:read_tar",
        ".tar": "translator.readers.container:read_tar",
    }
)

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


def reader_for(name: str) -> Reader | None:
    """The reader of a document file (not a container), by its suffix."""
    suffix = Path(name).suffix.lower()
    return READERS.load(suffix) if suffix in READERS else None


def handler(name: str) -> Reader | None:
    """The reader of a container or document file, by its suffix; None for a type no reader reads."""
    lower = name.lower()
    container = next((suffix for suffix in CONTAINERS if lower.endswith(suffix)), None)
    return CONTAINERS.load(container) if container else reader_for(lower)


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


def plain_text(data: bytes) -> str:
    """The UTF-8 text of a file that is one document, or InputError naming what is wrong with it."""
    if not data.strip():
        raise InputError("empty file")
    if b"\x00" in data[:4096]:
        raise InputError("binary file, not text")
    return utf8.decode(data)
