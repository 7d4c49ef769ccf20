"""Pure batching: exact duplicates pooled, inputs grouped into length bands and cut into token-budget
batches; callers put results back in input order with the index maps these functions return.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import TypeVar

T = TypeVar("T", bound=Hashable)

# The tops of the length bands, about 1.5x apart: an input is padded by at most half its length, and a
# sentence list of any length mix falls into a dozen bands at most, so batches stay full.
BAND_TOPS = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)


def unique(items: Sequence[T]) -> tuple[list[T], list[int]]:
    """The distinct items in first-seen order, and for each input the index of its distinct item."""
    first: dict[T, int] = {}
    where = [first.setdefault(item, len(first)) for item in items]
    return list(first), where


def width(length: int, limit: int) -> int:
    """The padded width of an input of `length` tokens: the top of its length band, no wider than `limit`
    (the longest input the caller ever sends), and never narrower than the input itself."""
    top = next((t for t in BAND_TOPS if length <= t), length)
    return max(length, min(top, limit))


@dataclass(frozen=True)
class Batch:
    """Indices of inputs of one length band, to be padded to `width` tokens and decoded to one output cap."""

    indices: list[int]
    width: int


def token_batches(lengths: Sequence[int], max_tokens: int, max_size: int, limit: int) -> list[Batch]:
    """Every index once, widest band first; a batch holds inputs of ONE band, at most `max_size` of them and
    at most `max_tokens` padded tokens (an input wider than that gets a batch of its own).

    One band per batch, each padded to the band's width, is what makes a translation batch-invariant: every
    input is padded to a width that depends on its own length only, and decoded to the band's one output
    cap, so an engine computes each input exactly as it would alone.
    """
    widths = [width(n, limit) for n in lengths]
    order = sorted(range(len(lengths)), key=lambda i: (-widths[i], i))
    batches: list[Batch] = []
    for band, group in groupby(order, key=lambda i: widths[i]):
        same = list(group)
        size = max(1, min(max_size, max_tokens // band))
        batches += [Batch(same[start : start + size], band) for start in range(0, len(same), size)]
    return batches
