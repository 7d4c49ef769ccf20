"""HTML fragments for translation: the text nodes come out, tags stay byte for byte, translations go back.

Hand-written over a tag tokenizer: HTML parsers re-serialise the markup they read (quotes, case,
self-closing tags), and a LibreTranslate client expects its own markup back untouched.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<![^>]*>|<\?.*?\?>"
    r"""|</?[A-Za-z](?:[^>"']|"[^"]*"|'[^']*')*>""",  # a quoted attribute value may hold ">"
    re.S,
)
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


@dataclass(frozen=True)
class Fragments:
    """Several fragments translated as one: all their text nodes in order, and each fragment rendered from
    one translation per node."""

    items: tuple[Fragment, ...]

    def sources(self) -> list[str]:
        return [source for fragment in self.items for source in fragment.sources()]

    def render(self, translations: Sequence[str]) -> list[str]:
        if len(translations) != sum(len(fragment.texts) for fragment in self.items):
            raise ValueError(f"{len(translations)} translations for the text nodes of {len(self.items)} fragments")
        given = iter(translations)
        return [fragment.render([next(given) for _ in fragment.texts]) for fragment in self.items]


def parse_all(texts: Iterable[str], untranslated: Iterable[str] = RAW_TAGS) -> Fragments:
    kept = frozenset(untranslated)
    return Fragments(tuple(parse(text, kept) for text in texts))


def parse(markup: str, untranslated: Iterable[str] = RAW_TAGS) -> Fragment:
    """`markup` cut into tags and text nodes; the contents of the `untranslated` elements (names in any case)
    are kept as they are, up to their end tag: what is inside (a script's `a<b`, a "<!--" in a string) is
    never read as markup."""
    keep = {name.lower() for name in untranslated}
    parts: list[str] = []
    texts: list[int] = []
    position = 0
    while m := _TOKEN.search(markup, position):
        _text(markup[position : m.start()], parts, texts)
        tag = m.group()
        parts.append(tag)
        position = m.end()
        name = _NAME.match(tag)
        if name and name.group(1).lower() in keep and not tag.endswith("/>"):
            end = re.compile(rf"</{re.escape(name.group(1))}[\s>]", re.I).search(markup, position)
            raw_end = end.start() if end else len(markup)
            if raw_end > position:
                parts.append(markup[position:raw_end])
            position = raw_end
    _text(markup[position:], parts, texts)
    return Fragment(tuple(parts), tuple(texts))


def _text(node: str, parts: list[str], texts: list[int]) -> None:
    if not node:
        return
    if node.strip():
        texts.append(len(parts))
    parts.append(node)
