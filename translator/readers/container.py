"""Zip and tar containers: members read as streams, once, in archive order; links, devices, encrypted or
oversized members and a damaged stream become failed units, never a silent skip."""

from __future__ import annotations

import bz2
import gzip
import io
import logging
import lzma
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from translator.readers import (
    READ_ERRORS,
    Fields,
    Reader,
    Unit,
    describe,
    failed_unit,
    guarded,
    over_limit,
    printable,
    reader_for,
)

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

log = logging.getLogger(__name__)

_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_DRAIN_CHUNK = 1 << 20


def read_zip(origin: str, stream: IO[bytes], fields: Fields, limit: int) -> Iterator[Unit]:
    """Members in the central directory's order; a member that cannot be read is one failed unit."""
    try:
        archive = zipfile.ZipFile(stream)
    except READ_ERRORS as exc:
        yield failed_unit(origin, f"cannot read the zip: {describe(exc)}")
        return
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = f"{origin}!{printable(info.filename)}"
            mode = info.external_attr >> 16  # the Unix mode, where the zip was made on Unix
            kind = _special(mode) if stat.S_IFMT(mode) and not stat.S_ISDIR(mode) else None
            reader = reader_for(info.filename)
            if kind is not None:
                yield failed_unit(name, f"{kind} in the archive, not a file")
            elif reader is None:
                log.info("skipping %s: unsupported file type", name)
            elif (refusal := _zip_refusal(info, limit)) is not None:
                yield failed_unit(name, refusal)
            else:
                yield from guarded(name, _zip_member(archive, info, name, reader, fields, limit))


def _zip_refusal(info: zipfile.ZipInfo, limit: int) -> str | None:
    """Why a member is not read, decided from its header before reading a byte of it."""
    if info.flag_bits & 0x1:
        return "an encrypted member (it needs a password)"
    if info.compress_type not in _ZIP_METHODS:
        return f"compression method {info.compress_type} is not supported"
    if info.file_size > limit:
        return over_limit(limit)
    return None


def _zip_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, reader: Reader, fields: Fields, limit: int
) -> Iterator[Unit]:
    with archive.open(info) as member:
        yield from reader(name, member, fields, limit)


def _special(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"))
    return next((kind for test, kind in kinds if test(mode)), "a device")


def read_tar(origin: str, stream: IO[bytes], fields: Fields, limit: int) -> Iterator[Unit]:
    """Members in stream order, read once. A damaged stream ends the archive with one failed unit naming
    the tar offset where it was found; what came before it stands. tarfile takes a bad header after the
    first for the archive's end, so the end is checked here: only zero blocks, then the compressed
    stream's own end (its checksum read)."""
    watched = _Watched(_decompressed(stream))
    offset = 0
    try:
        # the default small read-ahead: a bigger one would reach damage before the members ahead of it
        with tarfile.open(fileobj=watched, mode="r|") as archive:
            while True:
                offset = archive.offset
                member = archive.next()
                if member is None:
                    break
                # stream mode still keeps every header it read, and a long archive would grow without bound
                archive.members.clear()  # type: ignore[attr-defined]
                yield from _tar_member(archive, member, origin, fields, limit)
        while watched.read(_DRAIN_CHUNK):
            pass
        if watched.last_nonzero >= offset:
            raise tarfile.ReadError("bytes after the last member that are not a tar header")
    except READ_ERRORS as exc:
        reason = f"the archive is damaged at byte {offset} of its tar stream ({describe(exc)}); the rest is not read"
        yield failed_unit(origin, reason)


def _tar_member(
    archive: tarfile.TarFile, member: tarfile.TarInfo, origin: str, fields: Fields, limit: int
) -> Iterator[Unit]:
    if member.isdir():
        return
    name = f"{origin}!{printable(member.name)}"
    reader = reader_for(member.name)
    if not member.isfile():
        kind = "a hard link" if member.islnk() else _special(_TAR_MODES.get(member.type, 0)) or "a special member"
        yield failed_unit(name, f"{kind} in the archive, not a file")
    elif reader is None:
        log.info("skipping %s: unsupported file type", name)
    elif member.size > limit:
        yield failed_unit(name, over_limit(limit))
    else:
        content = archive.extractfile(member)
        assert content is not None  # a regular member always has content
        with content:
            yield from reader(name, io.BufferedReader(_Forward(content)), fields, limit)


class _Forward(io.RawIOBase):
    """A tar member read forward only. tarfile's own file object of a member answers seekable() by asking the
    tar stream, which cannot say (CPython's stream-mode tarfile._Stream has no seekable()), and the table
    reader's io.TextIOWrapper asks."""

    def __init__(self, member: IO[bytes]) -> None:
        self.member = member

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.member.read(len(view))
        view[: len(data)] = data
        return len(data)


_TAR_MODES = {
    tarfile.SYMTYPE: stat.S_IFLNK,
    tarfile.FIFOTYPE: stat.S_IFIFO,
    tarfile.CHRTYPE: stat.S_IFCHR,
    tarfile.BLKTYPE: stat.S_IFBLK,
}


def _decompressed(stream: IO[bytes]) -> io.BufferedIOBase | IO[bytes]:
    """The tar bytes of a plain, gzip, bzip2 or xz file, told by its first bytes."""
    magic = stream.read(6)
    stream.seek(0)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if magic.startswith(b"BZh"):
        return bz2.BZ2File(stream)
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(stream)
    return stream


class _Watched(io.BufferedIOBase):
    """A read-only stream that notes where its last non-zero byte was, so that the tar's end can be
    checked after tarfile has read ahead of it."""

    def __init__(self, inner: io.BufferedIOBase | IO[bytes]) -> None:
        super().__init__()
        self.inner = inner
        self.position = 0
        self.last_nonzero = -1

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        data = self.inner.read(-1 if size is None else size)
        end = 0 if data == bytes(len(data)) else len(data.rstrip(b"\0"))  # the compare is a fast memcmp
        if end:
            self.last_nonzero = self.position + end - 1
        self.position += len(data)
        return data
