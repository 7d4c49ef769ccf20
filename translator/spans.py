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
