"""Pure batching: exact duplicates pooled, inputs grouped by token count and cut into token-budget batches;
callers put results back in input order with the index maps these functions return.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from itertools import groupby
from typing import TypeVar

T = TypeVar("T", bound=Hashable)


def unique(items: Sequence[T]) -> tuple[list[T], list[int]]:
    """The distinct items in first-seen order, and for each input the index of its distinct item."""
    first: dict[T, int] = {}
    where = [first.setdefault(item, len(first)) for item in items]
    return list(first), where


def token_batches(lengths: Sequence[int], max_tokens: int, max_size: int) -> list[list[int]]:
    """Indices into `lengths`, longest first; every batch holds inputs of ONE length, at most `max_size` of
    them and at most `max_tokens` tokens (an input longer than that gets a batch of its own).

    One length per batch is what makes a translation batch-invariant: no input is padded, and every input of
    a batch has the same output cap, so an engine decodes each one exactly as it would decode it alone.
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    for length, group in groupby(order, key=lambda i: lengths[i]):
        same = list(group)
        size = max(1, min(max_size, max_tokens // max(length, 1)))
        batches += [same[start : start + size] for start in range(0, len(same), size)]
    return batches
