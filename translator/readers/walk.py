"""The input walk: every file the user's inputs name, in a stable order, and every document in them.

Folders are walked sorted by path, links followed only while they stay inside the input folder, the job's
own output folder never read; a file that cannot be read as input (a FIFO, a device, a link leading out)
is one failure record, never a silent skip.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from translator.errors import InputError
from translator.readers import (
    DEFAULT_MAX_DOCUMENT_BYTES,
    Fields,
    Reader,
    Unit,
    failed_unit,
    guarded,
    handler,
    printable,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InputFile:
    """One file the user's inputs name, in job order. `origin` is its name relative to the input as named
    ("a.txt" for `a.txt` or inside `.`, "news/a.txt" inside `news/`); `reason`, when set, says why it cannot
    be read as input (a FIFO, a device, a link leading outside its folder) and makes one failure record."""

    origin: str
    path: Path
    reason: str | None = None


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
            yield InputFile(name, path, not_regular(info.st_mode))


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
        elif handler(entry.name) is not None:
            yield InputFile(origin, path, not_regular(info.st_mode))
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


def not_regular(mode: int) -> str | None:
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
        read = handler(item.path.name)
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


def open_regular(path: Path) -> IO[bytes]:
    """A regular file opened for reading; anything else (a FIFO that took its place) is InputError at once.
    O_NONBLOCK so that opening a FIFO cannot wait for a writer."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        reason = not_regular(os.fstat(fd).st_mode)
        if reason is not None:
            raise InputError(reason)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
