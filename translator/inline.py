"""Markup inside a sentence: held aside while the model translates the sentence whole, placed back on its English.

The one mechanism for every path with inline markup: HTML and XML fragments (translator/markup.py: LibreTranslate
`format=html`, DeepL `tag_handling`, our `"format"`, `.html` files), Markdown emphasis (translator/markdown.py)
and the file translators' inline formatting (.docx runs and hyperlinks, .srt `<i>`/`<font>`/`{\\an8}`, .xliff
inline codes). A block of text with its tags (a paragraph, a cue, a unit) is built with `Builder`; `hold` cuts
its tagless text into sentences; the model translates each sentence whole; `Held.place` puts every tag on the
English; `Placed.render` writes it out (or a file translator reads each tag's span and builds its own runs).

How a file translator uses it::

    b = inline.Builder()
    b.text("Saya pesan ")
    bold = b.open("<b>")           # any string: the markup as written, or a key of your own (a run's rPr id)
    b.text("indomie")
    b.close(bold, "</b>")          # `close()` closes the innermost open tag; tags still open at the end of
    b.text(" tadi.")               # the block close there with no markup (an end tag the source omits)
    b.atom("<br/>")                # an empty element at a point: an image, a field, a placeholder, a comment,
    held = inline.hold(b.build())  # an ignored element with its content (kept byte for byte)
    english = translate(held.sentences)  # the tagless sentences; each must be translated as ONE sentence
    placed = held.place(english)   # Placed: the English block (`text`) and every tag's span in it (`tags`)
    placed.render(escape)          # 'I ordered <b>indomie</b> earlier.<br/>' (text escaped, markup as given)
    placed.moved[k]                # sentence k holds a tag placed by a guess: flag it quality.MARKUP_MOVED

`placed.tags[i]` is `b.build().tags[i]` with `start`/`end` in `placed.text`: same order, same `open`/`close`,
same `parent` (tags nest in the English as in the source; siblings may change order with the words).

Alignment, per sentence, on its final English whatever made it (model, memory, glossary, a reviewed
translation): tokens (a word, or one punctuation mark) of the tagless source and of the English are matched
where they are identical, case aside (names, numbers, codes, punctuation), in order (difflib's longest
matching blocks). A tag around the whole sentence wraps the whole English (its final punctuation inside or
outside as in the source); a tag edge next to a matched token goes next to that token's partner; a tag edge
elsewhere goes where the matched tokens around it say by proportion (interpolated), and its sentence is
`moved`. Text between sentences (spaces, Markdown leads) is the source's, with its tags in place. Pure: a
sentence's output depends on the sentence, its tags and its English only, so it is as batch-invariant as the
English, and the English outside the tags is exactly the English given (tags never change the words).
"""

from __future__ import annotations

import bisect
import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

Known = tuple[tuple[int, int], tuple[int, int]]
"""A span of a sentence's tagless source and the span of its English known to translate it (a glossary term)."""

_TOKEN = re.compile(r"\w+|[^\w\s]")  # a word, or one punctuation mark
_SPACE = re.compile(r"\s")
_MATCH_TOKENS = 2_000  # longer sentences are aligned by proportion alone (matching is quadratic at worst)


@dataclass(frozen=True)
class Tag:
    """Markup held aside: `open` and `close` as written ("" where the source has none: an end tag it omits),
    enclosing `text[start:end]`; an `atom` (an empty element, or anything kept whole) sits at `start == end`
    and has only `open`. `parent`: the index of the innermost tag around it, None at the top."""

    open: str
    close: str
    start: int
    end: int
    parent: int | None
    atom: bool = False


@dataclass(frozen=True)
class Tagged:
    """A block's text without its markup, and the markup: tags in the order they open (a parent first)."""

    text: str
    tags: tuple[Tag, ...] = ()


class Builder:
    """A Tagged block, written in document order."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._tags: list[Tag] = []
        self._stack: list[int] = []

    def text(self, text: str) -> None:
        self._parts.append(text)
        self._length += len(text)

    def open(self, markup: str) -> int:
        """A tag opens here; its index (the order tags open in)."""
        self._tags.append(Tag(markup, "", self._length, self._length, self._parent()))
        self._stack.append(len(self._tags) - 1)
        return len(self._tags) - 1

    def close(self, tag: int | None = None, markup: str = "") -> None:
        """`tag` (the innermost open one by default) closes here with `markup`; tags opened inside it that are
        still open close here too, with no markup (their end tags omitted)."""
        target = self._stack[-1] if tag is None else tag
        if target not in self._stack:
            raise ValueError(f"tag {target} is not open")
        while self._stack:
            top = self._stack.pop()
            self._tags[top] = replace(self._tags[top], end=self._length, close=markup if top == target else "")
            if top == target:
                return

    def atom(self, markup: str) -> int:
        """An empty element (or anything kept whole) at this point; its index."""
        self._tags.append(Tag(markup, "", self._length, self._length, self._parent(), atom=True))
        return len(self._tags) - 1

    def build(self) -> Tagged:
        """The block; tags still open close at its end with no markup."""
        while self._stack:
            top = self._stack.pop()
            self._tags[top] = replace(self._tags[top], end=self._length)
        return Tagged("".join(self._parts), tuple(self._tags))

    def _parent(self) -> int | None:
        return self._stack[-1] if self._stack else None


@dataclass(frozen=True)
class Placed:
    """A block's English (`text`: the sentences' English, and the source's text between them) with every tag
    placed in it (`tags`, as in the source but with offsets into `text`); `moved[k]`: sentence k holds a tag
    whose place is a guess."""

    text: str
    tags: tuple[Tag, ...]
    moved: tuple[bool, ...]

    def render(self, escape: Callable[[str], str] = lambda text: text) -> str:
        """The English with the markup written in; `escape` applies to the text between tags only."""
        kids = _children(self.tags)
        out: list[str] = []
        pos = 0

        def upto(end: int) -> None:
            nonlocal pos
            if end > pos:
                out.append(escape(self.text[pos:end]))
                pos = end

        stack = [(-1, iter(kids[-1]))]  # iterative: 10,000 nested tags are no recursion
        while stack:
            node, it = stack[-1]
            child = next(it, None)
            if child is None:
                stack.pop()
                if node >= 0:
                    upto(self.tags[node].end)
                    out.append(self.tags[node].close)
                continue
            upto(self.tags[child].start)
            out.append(self.tags[child].open)
            stack.append((child, iter(kids[child])))
        upto(len(self.text))
        return "".join(out)


@dataclass(frozen=True)
class Held:
    """A block cut into sentences: `spans` are their [start, end) in `tagged.text`."""

    tagged: Tagged
    spans: tuple[tuple[int, int], ...]

    @property
    def sentences(self) -> list[str]:
        """What the model translates: each sentence without its tags, its spaces collapsed."""
        return [" ".join(self.tagged.text[a:b].split()) for a, b in self.spans]

    def place(self, english: Sequence[str], known: Sequence[Known] = ()) -> Placed:
        """Every tag placed on `english` (one per sentence, in order); `known` (for a block of one sentence):
        spans of the sentence and of its English that translate each other, anchors beside identical tokens."""
        if len(english) != len(self.spans):
            raise ValueError(f"{len(english)} translations for {len(self.spans)} sentences")
        text, tags = self.tagged.text, self.tagged.tags
        parts: list[str] = []
        gaps: list[int] = []  # where each gap (the text before sentence k, and after the last) starts in the output
        bases: list[int] = []  # where each sentence's English starts in the output
        length = prev = 0
        for (a, b), target in zip(self.spans, english, strict=True):
            gaps.append(length)
            parts.append(text[prev:a])
            length += a - prev
            bases.append(length)
            parts.append(target)
            length += len(target)
            prev = b
        gaps.append(length)
        parts.append(text[prev:])
        length += len(text) - prev
        starts = [a for a, _ in self.spans]
        aligners: dict[int, _Aligner] = {}
        moved = [False] * len(self.spans)

        def aligner(k: int) -> _Aligner:
            if k not in aligners:
                a, b = self.spans[k]
                aligners[k] = _Aligner(text[a:b], english[k], [((x - a, y - a), t) for (x, y), t in known])
            return aligners[k]

        def inside(p: int) -> int | None:
            """The sentence p lies strictly inside, if any."""
            k = bisect.bisect_left(starts, p) - 1
            return k if k >= 0 and self.spans[k][0] < p < self.spans[k][1] else None

        def outside(p: int) -> int:
            """p at a sentence's edge or between sentences: its place in the output."""
            k = bisect.bisect_right(starts, p) - 1  # the last sentence starting at or before p
            if k >= 0 and p >= self.spans[k][1]:
                return gaps[k + 1] + p - self.spans[k][1]
            if k >= 0 and p == self.spans[k][0]:
                return bases[k]
            return gaps[0] + p  # before the first sentence

        placed: list[list[int]] = []
        where: list[tuple[int | None, int | None]] = []  # the sentences holding each tag's two edges
        for tag in tags:
            ks, ke = inside(tag.start), inside(tag.end)
            where.append((ks, ke))
            if tag.atom:
                if ks is None:
                    x = outside(tag.start)
                else:
                    offset, sure = aligner(ks).point(tag.start - self.spans[ks][0])
                    x = bases[ks] + offset
                    moved[ks] = moved[ks] or not sure
                placed.append([x, x])
                continue
            k = ks if ks is not None else ke
            if (
                k is not None
                and (ks == ke or ks is None or ke is None)
                and self.spans[k][0] <= tag.start
                and tag.end <= self.spans[k][1]
            ):
                a = self.spans[k][0]
                x, y, sure = aligner(k).span(tag.start - a, tag.end - a)
                placed.append([bases[k] + x, bases[k] + y])
                moved[k] = moved[k] or not sure
                continue
            edges = []
            for p, kp, side in ((tag.start, ks, "open"), (tag.end, ke, "close")):
                if kp is None:
                    edges.append(outside(p))
                else:
                    offset, sure = aligner(kp).edge(p - self.spans[kp][0], side)
                    edges.append(bases[kp] + offset)
                    moved[kp] = moved[kp] or not sure
            placed.append(edges)
        for i in _nest(tags, placed, length):
            for k in where[i]:
                if k is not None:
                    moved[k] = True
        out = tuple(replace(tag, start=x, end=y) for tag, (x, y) in zip(tags, placed, strict=True))
        if (counts := _TALLY.get()) is not None:
            counts[0] += sum(moved)
        return Placed("".join(parts), out, tuple(moved))


_TALLY: ContextVar[list[int] | None] = ContextVar("inline_tally", default=None)


@contextlib.contextmanager
def tally() -> Iterator[list[int]]:
    """While open, `[n]`: how many sentences `Held.place` gave a tag placed by a guess (`moved`), in this
    context. A file's rebuild places tags in its own way (markup, .docx runs, .srt styling), all through here:
    one count for every format (translator/files `Parsed.translated`), without threading it through each."""
    counts = [0]
    token = _TALLY.set(counts)
    try:
        yield counts
    finally:
        _TALLY.reset(token)


def hold(tagged: Tagged, split: bool = True) -> Held:
    """`tagged` cut into sentences by the segmenter (line breaks inside a block are spaces to it), or, without
    `split`, as one sentence (DeepL's split_sentences=0, a Markdown sentence)."""
    text = tagged.text
    if not split:
        stripped = text.strip()
        if not stripped:
            return Held(tagged, ())
        start = len(text) - len(text.lstrip())
        return Held(tagged, ((start, start + len(stripped)),))
    from translator.segment import segment  # here: the segmenter imports markdown, which imports this module

    flat = _SPACE.sub(" ", text)
    spans = tuple((s.start, s.end) for p in segment(flat) for s in p.sentences)
    return Held(tagged, spans)


def place(tagged: Tagged, english: str, known: Sequence[Known] = ()) -> Placed:
    """One sentence's tags placed on its English (its text is translated as one sentence); `known`: spans of
    `tagged.text` and of `english` that translate each other (glossary terms)."""
    held = hold(tagged, split=False)
    if not held.spans:
        return Held(tagged, ()).place([])
    return held.place([english], known)


def _children(tags: Sequence[Tag]) -> dict[int, list[int]]:
    """Each tag's children (-1: the top), in the order they appear in the text (ties: source order)."""
    kids: dict[int, list[int]] = {i: [] for i in range(-1, len(tags))}
    for i, tag in enumerate(tags):
        kids[-1 if tag.parent is None else tag.parent].append(i)
    for siblings in kids.values():
        siblings.sort(key=lambda i: (tags[i].start, tags[i].end, i))
    return kids


def _nest(tags: Sequence[Tag], placed: list[list[int]], length: int) -> list[int]:
    """Make `placed` nest as the source does: each tag inside its parent, siblings apart (a later one starts
    where an earlier one ends). Parents come before their children in `tags`. The tags moved to fit."""
    kids: dict[int, list[int]] = {i: [] for i in range(-1, len(tags))}
    for i, tag in enumerate(tags):
        kids[-1 if tag.parent is None else tag.parent].append(i)
    moved = []
    for parent in range(-1, len(tags)):
        lo, hi = (0, length) if parent < 0 else placed[parent]
        cursor = lo
        for i in sorted(kids[parent], key=lambda i: (placed[i][0], placed[i][1], i)):
            x, y = placed[i]
            nx = min(max(x, cursor), hi)
            ny = min(max(y, nx), hi)
            if (nx, ny) != (x, y):
                placed[i] = [nx, ny]
                moved.append(i)
            cursor = ny
    return moved


class _Aligner:
    """One sentence's tagless source and its English: where a source offset or span goes in the English."""

    def __init__(self, source: str, english: str, known: Sequence[Known] = ()) -> None:
        self.src = [(m.start(), m.end()) for m in _TOKEN.finditer(source)]
        self.eng = [(m.start(), m.end()) for m in _TOKEN.finditer(english)]
        self.source, self.english = source, english
        self.partner: list[int | None] = [None] * len(self.src)
        if len(self.src) <= _MATCH_TOKENS and len(self.eng) <= _MATCH_TOKENS:
            a = [source[s:e].lower() for s, e in self.src]
            b = [english[s:e].lower() for s, e in self.eng]
            for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
                for d in range(block.size):
                    self.partner[block.a + d] = block.b + d
        # a known span (a glossary term): its first token opens where its English's first does, its last token
        # closes where its English's last does, whatever the words in between
        self.opens: dict[int, int] = {}
        self.closes: dict[int, int] = {}
        for (s0, s1), (e0, e1) in known:
            inside = [i for i, (s, e) in enumerate(self.src) if s0 <= s and e <= s1]
            theirs = [j for j, (s, e) in enumerate(self.eng) if e0 <= s and e <= e1]
            if inside and theirs:
                self.opens[inside[0]], self.closes[inside[-1]] = theirs[0], theirs[-1]
                for i in inside:
                    self.partner[i] = self.partner[i] if self.partner[i] is not None else theirs[0]
        self.anchors = [(i, j) for i, j in enumerate(self.partner) if j is not None]
        self.anchored = [i for i, _ in self.anchors]  # for bisect: every lookup is logarithmic, so a
        self.starts = [s for s, _ in self.src]  # sentence of 10,000 tags is not quadratic
        self.ends = [e for _, e in self.src]
        self.words = [0]  # words (not punctuation) among the first i source tokens
        for i in range(len(self.src)):
            self.words.append(self.words[-1] + (not self._punct(self.src, source, i)))

    def _punct(self, tokens: list[tuple[int, int]], text: str, i: int) -> bool:
        s, e = tokens[i]
        return not text[s:e][0].isalnum() and text[s:e][0] != "_"

    def _boundary(self, k: int, side: str) -> tuple[int, bool]:
        """Source token boundary k (before token k) → English token boundary, and whether an anchor says so."""
        n, m = len(self.src), len(self.eng)
        if k <= 0:
            return 0, True
        if k >= n:
            return m, True
        if side == "open" and k in self.opens:
            return self.opens[k], True
        if k - 1 in self.closes:
            return self.closes[k - 1] + 1, True
        after, before = self.partner[k], self.partner[k - 1]
        if side == "open" and after is not None:
            return after, True
        if before is not None:
            return before + 1, True
        if after is not None:
            return after, True
        at = bisect.bisect_left(self.anchored, k)
        left = self.anchors[at - 1] if at > 0 else None
        right = self.anchors[at] if at < len(self.anchors) else None
        i0, j0 = (left[0] + 1, left[1] + 1) if left else (0, 0)
        i1, j1 = right if right else (n, m)
        span = max(i1 - i0, 1)
        return j0 + ((k - i0) * (j1 - j0) * 2 + span) // (2 * span), False

    def _first(self, p: int) -> int:
        """The first source token ending after p."""
        return bisect.bisect_right(self.ends, p)

    def _count(self, p: int) -> int:
        """Source tokens starting before p."""
        return bisect.bisect_left(self.starts, p)

    def _start(self, j: int) -> int:
        return self.eng[j][0] if j < len(self.eng) else len(self.english)

    def _end(self, j: int) -> int:
        return self.eng[j - 1][1] if j > 0 else 0

    def edge(self, p: int, side: str) -> tuple[int, bool]:
        """Where a tag's opening (side "open") or closing edge at source offset p goes."""
        if side == "open":
            j, sure = self._boundary(self._first(p), "open")
            return self._start(j), sure
        j, sure = self._boundary(self._count(p), "close")
        return self._end(j), sure

    def point(self, p: int) -> tuple[int, bool]:
        """Where an atom at source offset p goes: before the next word when a space or the sentence's start is
        before it in the source, else right after the word before."""
        k = self._count(p)
        j, sure = self._boundary(k, "open" if p == 0 or self.source[p - 1].isspace() else "close")
        if p == 0 or self.source[p - 1].isspace():
            return (self._start(j) if k < len(self.src) else len(self.english)), sure
        return self._end(j), sure

    def span(self, p: int, q: int) -> tuple[int, int, bool]:
        """Where a tag around source offsets [p, q) goes: the English of the words it enclosed."""
        a, b = self._first(p), self._count(q)
        n, m = len(self.src), len(self.eng)
        if a >= b:
            x, sure = self.point(p)
            return x, x, sure
        if self.words[a] == 0 and self.words[n] == self.words[b]:  # the whole sentence: punctuation outside
            x = 0
            if a > 0:
                x = next((j for j in range(m) if not self._punct(self.eng, self.english, j)), 0)
            y = m
            if b < n:
                y = next((j + 1 for j in range(m - 1, -1, -1) if not self._punct(self.eng, self.english, j)), m)
            return self._start(x) if x < m else len(self.english), self._end(y), True
        x, sure_x = self._boundary(a, "open")
        y, sure_y = self._boundary(b, "close")
        if y <= x:
            y = min(x + 1, m)
            sure_y = False
        if x >= m:
            return len(self.english), len(self.english), False
        return self._start(x), self._end(y), sure_x and sure_y
