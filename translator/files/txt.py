"""Plain text: the whole file is one text, so that its paragraphs and sentences are the segmenter's to find.
A byte-order mark and CRLF line ends come back as they were."""

from __future__ import annotations

from collections.abc import Sequence

from translator.files import Parsed, decode, encode


def parse(data: bytes) -> Parsed:
    text, bom = decode(data)
    crlf = "\r\n" in text

    def rebuild(english: Sequence[str]) -> bytes:
        (whole,) = english
        return encode(whole, bom, crlf)

    return Parsed.of([text.replace("\r\n", "\n")], False, rebuild, "text/plain; charset=utf-8")
