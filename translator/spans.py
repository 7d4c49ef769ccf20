"""Character spans of a text: cut at given offsets and trimmed of whitespace, never losing a character."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise


def trim(text: str, lo: int, hi: int) -> tuple[int, int]:
    """Shrink text[lo:hi] past whitespace at both ends; an all-space span comes back empty (lo == hi)."""
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    return lo, hi


def cut(text: str, start: int, end: int, cuts: Iterable[int]) -> list[tuple[int, int]]:
    """text[start:end] cut at `cuts` (sorted), each part trimmed, the empty ones left out."""
    bounds = [start, *cuts, end]
    parts = (trim(text, lo, hi) for lo, hi in pairwise(bounds))
    return [(lo, hi) for lo, hi in parts if lo < hi]


def within(short: str, long: str) -> list[int]:
    """Where each offset of `short` (and its end) lies in `long`, which holds `short`'s characters in order
    with others between them (a sentence with its Markdown put back): `short` matched greedily, character by
    character."""
    where, k = [], 0
    for ch in short:
        while k < len(long) and long[k] != ch:
            k += 1
        where.append(min(k, len(long)))
        k += 1
    where.append(min(k, len(long)) if short else 0)
    return where
