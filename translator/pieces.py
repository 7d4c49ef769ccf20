"""What the model is given for one sentence: its text cleaned of what no tokenizer takes, and, when it is
longer than the model should see at once, cut into pieces: at clause punctuation first, then between words,
then inside a word. The pieces cover the whole sentence: nothing is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from translator import spans
from translator.quality import CUT, SPLIT

Tokenizer = Callable[[Sequence[str]], list[list[str]]]


_UNTOKENIZABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|[\ud800-\udfff]")
_CLAUSE_END = re.compile(r"[;:,](?=\s)|[—–]")
_WORD = re.compile(r"\S+")


def clean(text: str) -> str:
    """Control characters become spaces and lone surrogates U+FFFD: tokenizers reject or choke on them.

    Only the model's input is cleaned; the sentence's source text keeps every character.
    """
    return _UNTOKENIZABLE.sub(lambda m: "\ufffd" if "\ud800" <= m.group() <= "\udfff" else " ", text)


@dataclass(frozen=True)
class Pieces:
    texts: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # each piece's tokens, end-of-sentence token included
    flags: tuple[str, ...] = ()

    @property
    def tokens(self) -> tuple[int, ...]:
        return tuple(map(len, self.rows))


@dataclass(frozen=True)
class _Atom:
    start: int
    end: int
    joint: str  # how it meets the atom before it: at a clause end, between words, or inside a word


def fit(text: str, row: Sequence[str], tokenize: Tokenizer, max_tokens: int) -> Pieces:
    """Cut `text` (tokenized as `row`) into pieces of at most `max_tokens` tokens each; only a text longer
    than that is tokenized again, in parts."""
    if len(row) <= max_tokens:
        return Pieces((text,), (tuple(row),))

    def count(texts: Sequence[str]) -> list[int]:
        return list(map(len, tokenize(texts)))

    atoms = _atoms(text, count, max_tokens)
    sizes = count([text[a.start : a.end] for a in atoms])
    packed: list[tuple[int, int]] = []
    joints: set[str] = set()
    total = 0
    for atom, size in zip(atoms, sizes, strict=True):
        if packed and total + size - 1 <= max_tokens:  # each count holds one end-of-sentence token
            packed[-1] = (packed[-1][0], atom.end)
            total += size - 1
        else:
            if packed:
                joints.add(atom.joint)
            packed.append((atom.start, atom.end))
            total = size
    flags = ((SPLIT,) if "clause" in joints else ()) + ((CUT,) if joints - {"clause"} else ())
    parts, rows = _refit(text, packed, tokenize, max_tokens)
    return Pieces(tuple(text[s:e] for s, e in parts), tuple(map(tuple, rows)), flags)


def _atoms(text: str, count: Callable[[Sequence[str]], list[int]], max_tokens: int) -> list[_Atom]:
    clauses = _spans(text, 0, len(text), _CLAUSE_END)
    atoms: list[_Atom] = []
    for (start, end), size in zip(clauses, count([text[s:e] for s, e in clauses]), strict=True):
        if size <= max_tokens:
            atoms.append(_Atom(start, end, "clause"))
            continue
        for w, m in enumerate(_WORD.finditer(text, start, end)):
            joint = "clause" if w == 0 else "word"
            step = max_tokens // 2  # a piece of sentencepiece holds at least one character
            for c in range(m.start(), m.end(), step):
                atoms.append(_Atom(c, min(c + step, m.end()), joint if c == m.start() else "char"))
    return atoms


def _spans(text: str, start: int, end: int, after: re.Pattern[str]) -> list[tuple[int, int]]:
    return spans.cut(text, start, end, [m.end() for m in after.finditer(text, start, end)])


def _refit(
    text: str, parts: list[tuple[int, int]], tokenize: Tokenizer, max_tokens: int
) -> tuple[list[tuple[int, int]], list[list[str]]]:
    """Token counts of joined atoms almost always add up; halve the rare piece that came out too long."""
    while True:
        rows = tokenize([text[s:e] for s, e in parts])
        if all(len(row) <= max_tokens or e - s <= 1 for (s, e), row in zip(parts, rows, strict=True)):
            return parts, rows
        refitted: list[tuple[int, int]] = []
        for (start, end), row in zip(parts, rows, strict=True):
            if len(row) <= max_tokens or end - start <= 1:
                refitted.append((start, end))
                continue
            middle = text.rfind(" ", start + 1, (start + end) // 2 + 1)
            middle = middle if middle > start else (start + end) // 2
            refitted += spans.cut(text, start, end, [middle])
        parts = refitted
