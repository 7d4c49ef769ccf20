"""HTML fragments for translation: the text nodes come out, tags stay byte for byte, translations go back.

Hand-written over a tag tokenizer: HTML parsers re-serialise the markup they read (quotes, case,
self-closing tags), and a LibreTranslate client expects its own markup back untouched.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"<!--.*?-->|<![^>]*>|<\?.*?\?>|</?[A-Za-z][^>]*>", re.S)
_NAME = re.compile(r"<([A-Za-z][^\s/>]*)")
RAW_TAGS = frozenset({"script", "style", "code", "pre", "textarea"})  # contents that are not prose


@dataclass(frozen=True)
class Fragment:
    parts: tuple[str, ...]  # markup and text in document order
    texts: tuple[int, ...]  # indices into parts of the text nodes to translate

    def sources(self) -> list[str]:
        """The text nodes, entities decoded, surrounding whitespace left out."""
        return [html.unescape(self.parts[i]).strip() for i in self.texts]

    def render(self, translations: Sequence[str]) -> str:
        parts = list(self.parts)
        for i, target in zip(self.texts, translations, strict=True):
            node = parts[i]
            lead = node[: len(node) - len(node.lstrip())]
            trail = node[len(node.rstrip()) :]
            parts[i] = lead + html.escape(target, quote=False) + trail
        return "".join(parts)


def parse(markup: str, untranslated: Iterable[str] = RAW_TAGS) -> Fragment:
    """`markup` cut into tags and text nodes; the contents of the `untranslated` elements (names in any case)
    are kept as they are."""
    keep = {name.lower() for name in untranslated}
    parts: list[str] = []
    texts: list[int] = []
    raw_until: str | None = None
    position = 0
    for m in _TOKEN.finditer(markup):
        _text(markup[position : m.start()], parts, texts, raw_until is None)
        tag = m.group()
        parts.append(tag)
        if raw_until is None and (name := _NAME.match(tag)) and name.group(1).lower() in keep:
            raw_until = None if tag.endswith("/>") else name.group(1).lower()
        elif raw_until is not None and re.match(rf"</{re.escape(raw_until)}[\s>]", tag, re.I):
            raw_until = None
        position = m.end()
    _text(markup[position:], parts, texts, raw_until is None)
    return Fragment(tuple(parts), tuple(texts))


def _text(node: str, parts: list[str], texts: list[int], translate: bool) -> None:
    if not node:
        return
    if translate and node.strip():
        texts.append(len(parts))
    parts.append(node)
