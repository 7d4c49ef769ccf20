"""Plain text and Markdown: the whole file is one text, so that its paragraphs and sentences are the segmenter's to
find. The whitespace around it (a final newline) and a byte-order mark come back as they were, and so do CRLF line
ends (a file with any CRLF comes back with CRLF throughout). Markdown needs nothing more: the translator keeps its
block markers and inline emphasis (translator/plan.py); only the media type differs."""

from __future__ import annotations

from collections.abc import Sequence

from translator import utf8
from translator.files import Parsed, encode


def parse(data: bytes) -> Parsed:
    return _parse(data, "text/plain; charset=utf-8")


def parse_markdown(data: bytes) -> Parsed:
    return _parse(data, "text/markdown; charset=utf-8")


def _parse(data: bytes, media_type: str) -> Parsed:
    text, bom = utf8.decode(data), utf8.bom(data)
    crlf = "\r\n" in text
    text = text.replace("\r\n", "\n")
    core = text.strip()
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]

    def rebuild(english: Sequence[str]) -> bytes:
        (whole,) = english
        return encode(lead + whole.strip() + trail if core else text, bom, crlf)

    return Parsed([core], False, rebuild, media_type)
