"""Output files that a crash, a full disk, a read-only folder or a file-size limit never leave half written,
and whose failures are one line naming the file."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from translator.errors import OutputError

T = TypeVar("T")


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an OSError while writing `path` into an OutputError naming it and the cause."""
    try:
        yield
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def replace(path: Path, write: Callable[[IO[bytes]], T]) -> T:
    """Write a file whole or not at all: to a temporary name beside it, fsynced, then renamed over it;
    return what `write` returned."""
    partial = partial_name(path)
    try:
        with writing(path):
            with partial.open("wb") as out:
                result = write(out)
                out.flush()
                os.fsync(out.fileno())
            partial.replace(path)
            fsync(path.parent)  # the rename itself survives a power cut
        return result
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()


def partial_name(path: Path) -> Path:
    """Where a whole file is written until it is complete: hidden, beside it."""
    return path.with_name(f".{path.name}.partial")


def fsync(path: Path) -> None:
    """Make a file written without its own fsync durable (or a folder's entries)."""
    with writing(path):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def exclusive(path: Path, busy: Callable[[str], Exception]) -> Iterator[None]:
    """Hold an exclusive flock on `path` (created, this process's pid written in it) for the block; the
    kernel lets it go when the process dies, however. Held elsewhere: raise `busy(the holder's pid)`."""
    with writing(path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy(lock.read().strip() or "unknown") from None
        with writing(path):
            lock.truncate(0)
            lock.write(str(os.getpid()))
            lock.flush()
        yield
