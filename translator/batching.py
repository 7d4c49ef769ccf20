"""Pure batching: exact duplicates pooled, inputs sorted by length and cut into token-budget batches;
callers put results back in input order with the index maps these functions return.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

T = TypeVar("T", bound=Hashable)


def unique(items: Sequence[T]) -> tuple[list[T], list[int]]:
    """The distinct items in first-seen order, and for each input the index of its distinct item."""
    first: dict[T, int] = {}
    where = [first.setdefault(item, len(first)) for item in items]
    return list(first), where


def token_batches(lengths: Sequence[int], max_tokens: int, max_size: int) -> list[list[int]]:
    """Indices into `lengths`, longest first, cut so that size × longest ≤ max_tokens (padding counted).

    Sorting puts inputs of similar length together, so little of each batch is padding.
    An input longer than `max_tokens` gets a batch of its own.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if batches and len(batches[-1]) < max_size and (len(batches[-1]) + 1) * lengths[batches[-1][0]] <= max_tokens:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches
