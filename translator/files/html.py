"""HTML pages: the whole page is one markup text (translator.markup): each sentence translated whole with its
inline tags placed back, every tag, comment, attribute and the doctype byte for byte, script, style, code,
pre and the like kept; the texts a reader sees in attributes (`alt`, `title`, `<meta name="description">`)
translated too, unless their family is skipped (translator/files FAMILIES). What a reader sees that is left
as written (code, an element with translate="no", an attribute family skipped) is counted in a comment
before `</body>` and in the file's result. A byte-order mark is kept; line ends inside the markup are the
source's own."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from translator import markup, utf8
from translator.files import Options, Parsed, encode


def parse(data: bytes, options: Options) -> Parsed:
    page, bom = utf8.decode(data), utf8.bom(data)
    # the options a request asked for, the page read as HTML whatever its tag_handling (the file says what it is)
    asked = options.markup or markup.Options()
    reading = dataclasses.replace(asked, xml=False, attributes=frozenset(markup.ATTRIBUTES) - options.skip)

    def rebuild(english: Sequence[str]) -> bytes:
        (whole,) = english
        return encode(note(whole, left), bom, crlf=False)

    left = markup.parse(page, reading).untranslated
    return Parsed([page], True, rebuild, "text/html; charset=utf-8", left, reading=reading)


def note(page: str, untranslated: dict[str, int]) -> str:
    """`page` with a comment saying what was left as written, by kind, before its last `</body>` (or at its
    end); the page itself when nothing was."""
    if not untranslated:
        return page
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(untranslated.items()))
    comment = f"<!-- translator: left as written: {counts} -->"
    at = page.lower().rfind("</body>")
    return page + comment if at < 0 else page[:at] + comment + page[at:]
