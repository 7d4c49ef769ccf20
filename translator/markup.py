"""HTML and XML fragments: cut into blocks at block-level elements, each block's sentences translated whole with
their inline tags held aside and placed back (translator/inline.py); markup comes back byte for byte.

Block-level elements (`BLOCKS`, DeepL's `splitting_tags`, two `<br>` in a row) end a block; inline ones (a, b,
i, span, … and any unknown element) stay inside the sentence. Elements kept as they are, content and all:
`code`, `kbd`, `samp`, `var`, `script`, `style`, `pre`, `textarea` (HTML), DeepL's `ignore_tags`, and any
element with `translate="no"` or `class="notranslate"`; inside a sentence such an element is held aside whole
and comes back at its aligned place. Comments and CDATA inside a sentence are held aside the same way.
Entities come back as written: a character the source wrote as an entity is written as that entity.

Hand-written over a tag tokenizer: HTML parsers re-serialise the markup they read (quotes, case,
self-closing tags, omitted end tags), and a client expects its own markup back untouched.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from translator import inline

# A tag ends at its first ">" outside quotes, or, as in a browser, at the end of the text when none follows
# (so a "<a" that never closes is one token, not a quadratic search from every later "<"); possessive, so
# nothing is tried twice: reading is linear in the text.
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<![^>\[]*+(?:\[.*?(?:\]\s*>|\Z)|[^>]*+(?:>|\Z))|<\?.*?(?:\?>|\Z)"
    r"""|</?[A-Za-z](?:"[^"]*+"|'[^']*+'|[^>])*+(?:>|\Z)""",  # a quoted attribute value may hold ">"
    # a doctype's internal subset [...] holds ">"
    re.S,
)
_NAME = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")
_NO = re.compile(r"""\stranslate\s*=\s*["']?no["'\s/>]""", re.I)
_CLASS = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_SECOND_BR = re.compile(r"""\s*<br\b(?:"[^"]*+"|'[^']*+'|[^>])*+>""", re.I)

BLOCKS = frozenset(
    "p div li td th h1 h2 h3 h4 h5 h6 blockquote section article header footer title option figcaption "
    "ul ol dl dt dd table thead tbody tfoot tr caption colgroup col html head body nav aside main form fieldset "
    "legend figure hr address details summary menu select optgroup dialog meta link base noscript iframe "
    "object video audio canvas svg math template".split()
)
KEPT = frozenset({"code", "kbd", "samp", "var", "script", "style", "pre", "textarea"})  # not prose (HTML)
RAW = frozenset({"script", "style", "textarea"})  # their content is not markup, up to their end tag
VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
HIDDEN = frozenset({"script", "style"})  # kept, and no reader sees them: not counted as left untranslated
# attribute texts a reader (a screen reader, a search engine) sees, by family: (attribute, elements or None: any)
ATTRIBUTES = {"alt": ("alt", None), "title": ("title", None), "description": ("content", frozenset({"meta"}))}
_DESCRIPTION = re.compile(r"""\sname\s*=\s*["']?description["'\s/>]""", re.I)
_MARK = re.compile("\ue000(\\d+)\ue001")  # where a translated attribute text goes


@dataclass(frozen=True)
class Options:
    """How a fragment is read. `xml`: names are case-sensitive and nothing is kept by name but `ignored`;
    `splitting`/`non_splitting`: DeepL's lists, over `BLOCKS`; `outline`: False (DeepL's outline_detection=0)
    means only `splitting` end a block; `split`: False translates each block as one sentence."""

    xml: bool = False
    splitting: frozenset[str] = frozenset()
    non_splitting: frozenset[str] = frozenset()
    ignored: frozenset[str] = frozenset()
    outline: bool = True
    split: bool = True
    attributes: frozenset[str] = frozenset()  # of ATTRIBUTES: the attribute texts translated (files: all)

    def splits(self, name: str) -> bool:
        if name in self.non_splitting:
            return False
        return name in self.splitting or (self.outline and name.lower() in BLOCKS)

    def keeps(self, name: str, tag: str) -> bool:
        return name in self.ignored or (not self.xml and name.lower() in KEPT) or _declined(tag)


def _declined(tag: str) -> bool:
    """The tag says translate="no" or class="notranslate"."""
    if _NO.search(tag):
        return True
    m = _CLASS.search(tag)
    return m is not None and "notranslate" in "".join(g or "" for g in m.groups()).split()


HTML = Options()


Piece = tuple[int, int, int, int]  # a run of a block's text: its start and length there, in the markup


@dataclass(frozen=True)
class Rendered:
    """A fragment in English, and for each of its sentences whether a tag in it was placed by a guess."""

    text: str
    moved: tuple[bool, ...]


@dataclass(frozen=True)
class Fragment:
    """A fragment as markup kept as it is (strings) and blocks of text with inline tags (inline.Held);
    `entities`: the characters the source wrote as entities, and how."""

    parts: tuple[str | inline.Held, ...]
    entities: dict[str, str] = field(default_factory=dict)
    origins: tuple[tuple[Piece, ...], ...] = ()  # each block's pieces of text, where they are in the markup
    attributes: tuple[str, ...] = ()  # attribute texts to translate, each whole; marked in the parts
    untranslated: dict[str, int] = field(default_factory=dict)  # what a reader sees left as written, by kind

    def sources(self) -> list[str]:
        """The sentences to translate, each whole, tags aside, entities decoded; then the attribute texts."""
        sentences = [s for part in self.parts if isinstance(part, inline.Held) for s in part.sentences]
        return sentences + list(self.attributes)

    def render(self, translations: Sequence[str]) -> Rendered:
        """The fragment with each sentence's English (one per `sources()`, in order), its tags placed."""
        given = iter(translations)
        out: list[str] = []
        moved: list[bool] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            placed = part.place([next(given) for _ in part.spans])
            out.append(placed.render(self.escape))
            moved += placed.moved
        text = "".join(out)
        if self.attributes:
            values = [html.escape(next(given), quote=True) for _ in self.attributes]
            text = _MARK.sub(lambda m: values[int(m.group(1))], text)
        return Rendered(text, tuple(moved))

    def spans(self) -> list[tuple[int, int, int]]:
        """Each sentence's block (counting blocks from 0) and its [start, end) in the markup: the source's
        characters from its first word to its last, with the tags between them."""
        out = []
        blocks = (part for part in self.parts if isinstance(part, inline.Held))
        for k, (block, pieces) in enumerate(zip(blocks, self.origins, strict=True)):
            starts = [piece[0] for piece in pieces]
            for a, b in block.spans:
                first = pieces[bisect.bisect_right(starts, a) - 1]
                last = pieces[bisect.bisect_right(starts, b - 1) - 1]
                start = first[2] + (a - first[0] if first[1] == first[3] else 0)
                end = last[2] + (b - last[0] if last[1] == last[3] else last[3])
                out.append((k, start, end))
        return out

    def escape(self, text: str) -> str:
        if not self.entities:
            return html.escape(text, quote=False)
        return "".join(self.entities.get(ch, html.escape(ch, quote=False)) for ch in text)


@dataclass(frozen=True)
class Fragments:
    """Several fragments translated as one: all their sentences in order, and each fragment rendered from
    one translation per sentence."""

    items: tuple[Fragment, ...]

    def sources(self) -> list[str]:
        return [source for fragment in self.items for source in fragment.sources()]

    def render(self, translations: Sequence[str]) -> list[Rendered]:
        counts = [len(fragment.sources()) for fragment in self.items]
        if len(translations) != sum(counts):
            raise ValueError(f"{len(translations)} translations for the sentences of {len(self.items)} fragments")
        given = iter(translations)
        return [
            fragment.render([next(given) for _ in range(n)]) for fragment, n in zip(self.items, counts, strict=True)
        ]


def parse_all(texts: Iterable[str], options: Options = HTML) -> Fragments:
    return Fragments(tuple(parse(text, options) for text in texts))


def parse(markup: str, options: Options = HTML) -> Fragment:
    """`markup` cut into what is kept as it is and blocks of sentences with inline tags."""
    return _Reader(markup, options).read()


class _Reader:
    def __init__(self, markup: str, options: Options) -> None:
        self.markup, self.options = markup, options
        self.parts: list[str | inline.Held] = []
        self.entities: dict[str, str] = {}
        self.block: inline.Builder | None = None
        self.open: list[tuple[str, int]] = []  # the block's open tags: (name, index), innermost last
        self.names: dict[str, int] = {}  # how many of each name are open
        self.parted = False  # a <br> came last in the block
        self.pieces: list[Piece] = []  # the block's text, piece by piece
        self.origins: list[tuple[Piece, ...]] = []
        self.length = 0  # of the block's text
        self.attributes: list[str] = []
        self.untranslated: dict[str, int] = {}
        self.marking = bool(options.attributes) and "\ue000" not in markup

    def read(self) -> Fragment:
        markup, pos = self.markup, 0
        while m := _TOKEN.search(markup, pos):
            self._text(pos, m.start())
            pos = self._tag(m)
        self._text(pos, len(markup))
        self._flush()
        return Fragment(
            tuple(self.parts), self.entities, tuple(self.origins), tuple(self.attributes), dict(self.untranslated)
        )

    def _builder(self) -> inline.Builder:
        if self.block is None:
            self.block = inline.Builder()
        return self.block

    def _flush(self) -> None:
        if self.block is not None:
            self.parts.append(inline.hold(self.block.build(), self.options.split))
            self.origins.append(tuple(self.pieces))
        self.block, self.open, self.names, self.parted = None, [], {}, False
        self.pieces, self.length = [], 0

    def _kept(self, raw: str) -> None:
        """Markup outside any sentence: a block boundary, kept as it is."""
        self._flush()
        self.parts.append(raw)

    def _text(self, start: int, end: int) -> None:
        raw = self.markup[start:end]
        if not raw:
            return
        if self.block is None and not raw.strip():
            self.parts.append(raw)  # space between blocks
            return
        builder = self._builder()
        if self.parted and not raw[0].isspace():
            self._piece(builder, " ", start, 0)
        self.parted = False
        at = start
        for m in _ENTITY.finditer(self.markup, start, end):
            if m.start() > at:
                self._piece(builder, self.markup[at : m.start()], at, m.start() - at)
            decoded = html.unescape(m.group())
            if len(decoded) == 1 and decoded != m.group():
                self.entities.setdefault(decoded, m.group())
            self._piece(builder, decoded, m.start(), len(m.group()))
            at = m.end()
        if end > at:
            self._piece(builder, self.markup[at:end], at, end - at)

    def _piece(self, builder: inline.Builder, text: str, at: int, width: int) -> None:
        """`text` into the block, from `width` characters of the markup at `at`."""
        self.pieces.append((self.length, len(text), at, width))
        self.length += len(text)
        builder.text(text)

    def _tag(self, m: re.Match[str]) -> int:
        """Take the markup token `m`; where reading goes on."""
        raw, end = m.group(), m.end()
        name_match = _NAME.match(raw)
        if name_match is None:  # comment, CDATA, doctype, processing instruction
            if raw.startswith(("<!--", "<![CDATA[")) and self.block is not None:
                self.block.atom(raw)
            else:
                self._kept(raw)
            return end
        closing, name = name_match.group(1) == "/", name_match.group(2)
        key = name if self.options.xml else name.lower()
        if closing:
            if self.options.splits(key):
                self._kept(raw)
            elif self.names.get(key):
                self._close(key, raw)
            else:
                self._builder().atom(raw)  # an end tag with no start tag in this block
            return end
        if self.options.keeps(key, raw) and not raw.endswith("/>") and key.lower() not in VOID:
            end = self._extent(key, end)
            whole = self.markup[m.start() : end]
            if key.lower() not in HIDDEN:
                self._left("translate=no" if _declined(raw) else key)
            if self.options.splits(key) or (self.block is None and not self._inline_follows(end)):
                self._kept(whole)
            else:
                self._builder().atom(whole)
            return end
        raw = self._attributes(key, raw)
        if self.options.splits(key):
            self._kept(raw)
            return end
        if key.lower() == "br" and not self.options.xml and (second := _SECOND_BR.match(self.markup, end)):
            self._kept(raw + second.group())  # two line breaks end a block
            return second.end()
        if raw.endswith("/>") or (not self.options.xml and key.lower() in VOID):
            self._builder().atom(raw)
            self.parted = key.lower() == "br"  # a line break parts the words on either side, for the model
            return end
        self.open.append((key, self._builder().open(raw)))
        self.names[key] = self.names.get(key, 0) + 1
        return end

    def _left(self, kind: str) -> None:
        self.untranslated[kind] = self.untranslated.get(kind, 0) + 1

    def _attributes(self, key: str, raw: str) -> str:
        """`raw` with the attribute texts to translate marked (and those of the families not translated
        counted); a tag that declines translation keeps its own."""
        if self.options.xml or _declined(raw):
            return raw
        for family, (attribute, elements) in ATTRIBUTES.items():
            if elements is not None and (key.lower() not in elements or not _DESCRIPTION.search(raw)):
                continue
            m = re.search(rf"""\s{attribute}\s*=\s*(?:"([^"]*)"|'([^']*)')""", raw, re.I)
            value = m and (m.group(1) if m.group(1) is not None else m.group(2))
            if not m or not value or not value.strip():
                continue
            if family not in self.options.attributes or not self.marking:
                self._left(family)
                continue
            group = 1 if m.group(1) is not None else 2
            self.attributes.append(html.unescape(value))
            mark = f"\ue000{len(self.attributes) - 1}\ue001"
            raw = raw[: m.start(group)] + mark + raw[m.end(group) :]
        return raw

    def _inline_follows(self, end: int) -> bool:
        """Text (not only space) follows before the next block boundary: a kept element then starts a block."""
        m = _TOKEN.search(self.markup, end)
        stop = m.start() if m else len(self.markup)
        return bool(self.markup[end:stop].strip())

    def _close(self, key: str, raw: str) -> None:
        assert self.block is not None
        while self.open:
            name, index = self.open.pop()
            self.names[name] -= 1
            if name == key:
                self.block.close(index, raw)
                return

    def _extent(self, key: str, pos: int) -> int:
        """Where the kept element opened just before `pos` ends: after its end tag (nested ones of the same
        name counted; for script, style and textarea the first end tag), or at the end of the fragment."""
        if not self.options.xml and key.lower() in RAW:
            end = re.compile(rf"</{re.escape(key)}\s*>", re.I).search(self.markup, pos)
            return end.end() if end else len(self.markup)
        depth = 1
        for m in _TOKEN.finditer(self.markup, pos):
            n = _NAME.match(m.group())
            if n is None or (n.group(2) if self.options.xml else n.group(2).lower()) != key:
                continue
            if n.group(1):
                depth -= 1
                if depth == 0:
                    return m.end()
            elif not m.group().endswith("/>"):
                depth += 1
        return len(self.markup)
