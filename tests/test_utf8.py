"""Text that is not UTF-8 is refused in the same words by the archive's readers, the file translator and the
command line, the byte counted from the file's start (a byte-order mark included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_main
from translator.errors import InputError
from translator.files import parse
from translator.readers import Fields
from translator.readers.walk import input_files, iter_units


@pytest.mark.parametrize(("data", "byte"), [(b"Kabar \xe9 baru.", 6), (b"\xef\xbb\xbfKabar \xe9 baru.", 9)])
def test_the_same_message_everywhere(tmp_path: Path, data: bytes, byte: int) -> None:
    said = f"not UTF-8 text (byte {byte})"
    (tmp_path / "a.txt").write_bytes(data)
    [unit] = iter_units(input_files([tmp_path / "a.txt"]), Fields())
    with pytest.raises(InputError) as archive:
        unit.parse()
    assert str(archive.value) == said
    with pytest.raises(InputError) as file:
        parse("a.txt", data)
    assert str(file.value) == said
    for argv, where in ((["segment"], "stdin"), (["segment", str(tmp_path / "a.txt")], str(tmp_path / "a.txt"))):
        run = run_main(argv, data)
        assert run.returncode == 1 and run.stderr.decode() == f"translator: error: {where}: {said}\n"
