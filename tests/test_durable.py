"""Files written whole or not at all, and write failures as one line naming the file."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import IO

import pytest

from translator import durable
from translator.errors import OutputError


def test_a_failed_rewrite_leaves_the_old_file_whole_and_no_partial(tmp_path: Path) -> None:
    path = tmp_path / "corpus.tmx"
    path.write_bytes(b"<tmx>the old, whole file</tmx>")

    def fills_the_disk(out: IO[bytes]) -> None:
        out.write(b"<tmx><tu>half of the new")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match=rf"cannot write {path}: No space left on device"):
        durable.replace(path, fills_the_disk)
    assert path.read_bytes() == b"<tmx>the old, whole file</tmx>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.tmx"]


def test_a_rewrite_returns_what_the_writer_returned(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    assert durable.replace(path, lambda out: out.write(b"{}\n")) == 3
    assert path.read_bytes() == b"{}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]
