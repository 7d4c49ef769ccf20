"""Markdown in plain text, held aside from the model and put back around the English.

Block markers at the start of a line (headings `#`…`######`, bullets `-` `*` `+`, numbers `1.` `1)`, quotes
`>`, nested as in `> - `) lie outside the sentence: the segmenter ends the sentence before them and starts
the next one after them (`Sentence.lead`), and the English is written after the same marker. Inline emphasis
and code (`**x**`, `__x__`, `*x*`, `_x_`, `` `x` ``) stay inside the sentence's source but not in what the
model sees (`held`); `restore` puts them back on the English with the one inline-markup mechanism
(translator/inline.py): around all of it when they wrapped the whole sentence (its final punctuation inside
or outside, as in the source), around the same words when those come back in the English (names, numbers,
code), and otherwise where the words around them say, the sentence flagged `markup_moved`: never dropped.
Quote markers on the continuation lines of one sentence are dropped: its English is one line.

A few line-start rules rather than a Markdown parser: a parser (markdown-it-py) reads whole blocks, while
the segmenter needs the marker at one offset of a line, and that is one regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from translator import inline

# One or more block markers, nested; a list or heading marker needs the space after it, as in CommonMark, so
# "-5 derajat", "#tagar" and "2019." are text. Up to three digits: "2019. Tahun itu" is not a list.
_LEAD = re.compile(r"(?:[ \t]*(?:(?:#{1,6}|[-*+]|\d{1,3}[.)])[ \t]+|>[ \t]*))+")
_ITEM = re.compile(r"#|[-*+][ \t]|\d[.)]")  # a marker that opens a list item or heading, not only a quote
_WORD_ON_LINE = re.compile(r"[^\w\r\n]*\w")
_WORD = re.compile(r"\w")
_CONTINUED_QUOTE = re.compile(r"(?<=[\r\n])[ \t]*(?:>[ \t]*)+")
_RUN = re.compile(r"`+|\*+|_+")
_EMPHASIS = frozenset({"*", "**", "***", "_", "__", "___"})


def lead(text: str, pos: int, end: int) -> int:
    """Where the sentence starts in a line that starts at `pos`: after its block markers when a word follows
    them before `end` (so "---" and "* * *" stay text), else `pos`."""
    m = _LEAD.match(text, pos, end)
    if m is None or not _WORD_ON_LINE.match(text, m.end(), end):
        return pos
    start = m.end()
    while text[start].isspace():  # other spaces than the marker's ("-\x0bA"); a word follows on this line
        start += 1
    return start


def opens_item(text: str, pos: int, end: int) -> bool:
    """The line at `pos` opens a list item or a heading: a sentence ends before it, whatever the line before
    ends with. A line that only continues a quote (`> `) does not."""
    start = lead(text, pos, end)
    return start > pos and _ITEM.search(text, pos, start) is not None


@dataclass(frozen=True)
class Held:
    """A sentence as the model sees it (`text`) and what was held aside: emphasis pairs (delimiter, and where
    the words inside are in `text`: start, end; in the order they close), and the share of an emphasis that
    spans several sentences (`prefix`, `suffix`)."""

    text: str
    pairs: tuple[tuple[str, int, int], ...] = ()
    prefix: str = ""
    suffix: str = ""


def held(source: str) -> Held:
    """`source` without its inline Markdown; the source itself when nothing is held aside or no word would
    be left. One pass over the delimiter runs, so a 100,000-character sentence of stray `*` is linear."""
    text = _CONTINUED_QUOTE.sub("", source)
    runs = list(_RUN.finditer(text))
    pairs = _code_pairs(runs)
    inside = {k for a, b in pairs for k in range(a + 1, b)}
    pairs += _emphasis_pairs(text, runs, inside | {k for pair in pairs for k in pair})
    aside = {k for pair in pairs for k in pair}
    free = [k for k, m in enumerate(runs) if k not in aside and k not in inside and m.group() in _EMPHASIS]
    prefix = suffix = ""
    if free and runs[free[0]].start() == 0 and _opens(text, runs[free[0]]):
        prefix = runs[free.pop(0)].group()
        aside.add(0)
    if free and runs[free[-1]].end() == len(text) and _closes(text, runs[free[-1]]):
        suffix = runs[free[-1]].group()
        aside.add(free[-1])
    out: list[str] = []
    where: dict[int, int] = {}  # a held run's offset in the model's text
    length = last = 0
    for k in sorted(aside):
        out.append(text[last : runs[k].start()])
        length += len(out[-1])
        where[k] = length
        last = runs[k].end()
    out.append(text[last:])
    model = "".join(out)
    if not _WORD.search(model):
        return Held(source)
    kept = tuple((runs[a].group(), where[a], where[b]) for a, b in sorted(pairs, key=lambda pair: pair[1]))
    return Held(model, kept, prefix, suffix)


def _code_pairs(runs: list[re.Match[str]]) -> list[tuple[int, int]]:
    """Backtick runs that open and close a code span: each with the next run of the same length."""
    following: dict[str, int] = {}
    after = [0] * len(runs)
    for k in range(len(runs) - 1, -1, -1):
        run = runs[k].group()
        after[k] = following.get(run, -1)
        if run[0] == "`":
            following[run] = k
    pairs, k = [], 0
    while k < len(runs):
        if runs[k].group()[0] == "`" and after[k] >= 0:
            pairs.append((k, after[k]))
            k = after[k]
        k += 1
    return pairs


def _emphasis_pairs(text: str, runs: list[re.Match[str]], skip: set[int]) -> list[tuple[int, int]]:
    """Emphasis runs paired as CommonMark does, on stacks per delimiter: a closer takes the nearest opener
    of its delimiter, and openers between them can no longer close (pairs nest, never cross)."""
    stacks: dict[str, list[int]] = {d: [] for d in _EMPHASIS}
    pairs = []
    for k, m in enumerate(runs):
        run = m.group()
        if k in skip or run not in _EMPHASIS:
            continue
        if _closes(text, m) and stacks[run]:
            opener = stacks[run].pop()
            pairs.append((opener, k))
            for stack in stacks.values():
                while stack and stack[-1] > opener:
                    stack.pop()
        elif _opens(text, m):
            stacks[run].append(k)
    return pairs


def _opens(text: str, m: re.Match[str]) -> bool:
    before = text[m.start() - 1] if m.start() else " "
    return m.end() < len(text) and not text[m.end()].isspace() and not (before.isalnum() or before == "_")


def _closes(text: str, m: re.Match[str]) -> bool:
    after = text[m.end()] if m.end() < len(text) else " "
    return m.start() > 0 and not text[m.start() - 1].isspace() and not (after.isalnum() or after == "_")


def restore(source: str, english: str, known: Sequence[inline.Known] = ()) -> tuple[str, bool]:
    """`english`, the translation of `held(source).text`, with the source's inline Markdown put back; and
    whether some of it was placed by a guess (the sentence's `markup_moved`). `known`: spans of the held text
    whose English is known to be a span of `english` (glossary terms), so that emphasis on them goes around
    their English."""
    h = held(source)
    if not english or h.text == source:
        return english, False
    tags: list[inline.Tag] = []
    around: list[int] = []  # the pairs around the current one, innermost last
    order = sorted(range(len(h.pairs)), key=lambda k: (h.pairs[k][1], -h.pairs[k][2], -k))  # outer first
    for delimiter, start, end in (h.pairs[k] for k in order):
        while around and tags[around[-1]].end < end:  # pairs nest, never cross: it ended before this one
            around.pop()
        tags.append(inline.Tag(delimiter, delimiter, start, end, around[-1] if around else None))
        around.append(len(tags) - 1)
    placed = inline.place(inline.Tagged(h.text, tuple(tags)), english, known)
    return h.prefix + placed.render() + h.suffix, any(placed.moved)
