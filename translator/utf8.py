"""The one UTF-8 decoder of files and streams given to the library, with the one message it refuses them with."""

from __future__ import annotations

import codecs

from translator.errors import InputError

BOM = codecs.BOM_UTF8


def decode(data: bytes) -> str:
    """The UTF-8 text of `data`, a byte-order mark left out, or InputError "not UTF-8 text (byte N)", N counted
    from the start of `data`."""
    bom = len(BOM) if data.startswith(BOM) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {bom + exc.start})") from exc


def bom(data: bytes) -> bytes:
    """The byte-order mark `data` starts with (b"" when none), for a file written back as it came."""
    return BOM if data.startswith(BOM) else b""
