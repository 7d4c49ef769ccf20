"""HTML pages: the whole page is one markup text; its text nodes are translated and every tag, comment,
attribute and the doctype come back byte for byte (translator.markup; script, style, code and pre are kept).
A byte-order mark is kept; line ends inside the markup are the source's own."""

from __future__ import annotations

from collections.abc import Sequence

from translator import utf8
from translator.files import Options, Parsed, encode


def parse(data: bytes, options: Options) -> Parsed:
    page, bom = utf8.decode(data), utf8.bom(data)

    def rebuild(english: Sequence[str]) -> bytes:
        (whole,) = english
        return encode(whole, bom, crlf=False)

    return Parsed([page], True, rebuild, "text/html; charset=utf-8")
