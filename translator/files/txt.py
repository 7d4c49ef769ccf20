"""Plain text and Markdown: the whole file is one text, so that its paragraphs and sentences are the segmenter's to
find. The whitespace around it (a final newline) and a byte-order mark come back as they were, and so do CRLF line
ends (a file with any CRLF comes back with CRLF throughout). Markdown's block markers and inline emphasis are the
translator's to keep (translator/plan.py); what is not prose at all, its fenced code blocks and a YAML front
matter, is cut out here and comes back byte for byte, the prose between them translated as texts of their own."""

from __future__ import annotations

import re
from collections.abc import Sequence

from translator import utf8
from translator.files import Options, Parsed, encode

# a fence opens a code block (up to 3 spaces of indent, 3 or more ` or ~); the first line of the file "---"
# opens a front matter
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_FRONT_MATTER = ("---\n", ("---\n", "...\n"))


def parse(data: bytes, options: Options) -> Parsed:
    text, bom = utf8.decode(data), utf8.bom(data)
    return _parsed([text.replace("\r\n", "\n")], "\r\n" in text, bom, "text/plain; charset=utf-8")


def parse_markdown(data: bytes, options: Options) -> Parsed:
    text, bom = utf8.decode(data), utf8.bom(data)
    return _parsed(_prose_and_code(text.replace("\r\n", "\n")), "\r\n" in text, bom, "text/markdown; charset=utf-8")


def _parsed(pieces: list[str], crlf: bool, bom: bytes, media_type: str) -> Parsed:
    """`pieces` alternate prose and verbatim text, prose first (LF line ends): each prose piece without the
    whitespace around it is a text to translate, put back between the same whitespace."""
    prose = pieces[::2]
    cores = [piece.strip() for piece in prose]

    def rebuild(english: Sequence[str]) -> bytes:
        out = list(pieces)
        for i, (piece, core, whole) in enumerate(zip(prose, cores, english, strict=True)):
            lead, trail = piece[: len(piece) - len(piece.lstrip())], piece[len(piece.rstrip()) :]
            out[2 * i] = lead + whole.strip() + trail if core else piece
        return encode("".join(out), bom, crlf)

    return Parsed(cores, False, rebuild, media_type)


def _prose_and_code(text: str) -> list[str]:
    """`text` cut at its front matter and fenced code blocks, each whole line: [prose, code, prose, ...,
    prose]. A fence closes at a line of the same character, at least as long, and nothing else; an unclosed
    one runs to the end of the file, as CommonMark reads it."""
    lines = text.splitlines(keepends=True)
    pieces, start, i = [], 0, 0
    opening, closings = _FRONT_MATTER
    if lines and lines[0] == opening:
        end = next((j for j in range(1, len(lines)) if lines[j] in closings), None)
        if end is not None:
            pieces += ["", "".join(lines[: end + 1])]
            start = i = end + 1
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence is None or (fence[1][0] == "`" and "`" in lines[i][fence.end() :]):
            i += 1
            continue
        close = re.compile(rf" {{0,3}}{re.escape(fence[1][0])}{{{len(fence[1])},}}[ \t]*\n?")
        end = next((j for j in range(i + 1, len(lines)) if close.fullmatch(lines[j])), len(lines) - 1)
        pieces += ["".join(lines[start:i]), "".join(lines[i : end + 1])]
        start = i = end + 1
    return [*pieces, "".join(lines[start:])]
