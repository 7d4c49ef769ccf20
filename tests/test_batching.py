"""Pure batching: duplicates pooled once, every index batched once, one length band a batch, budgets kept."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from translator.batching import BAND_TOPS, Batch, token_batches, unique, width


def test_unique_keeps_first_seen_order_and_maps_back() -> None:
    items = ["b", "a", "b", "c", "a"]
    distinct, where = unique(items)
    assert distinct == ["b", "a", "c"]
    assert [distinct[w] for w in where] == items


@given(st.lists(st.text(max_size=3), max_size=50))
def test_unique_round_trips(items: list[str]) -> None:
    distinct, where = unique(items)
    assert len(set(distinct)) == len(distinct)
    assert [distinct[w] for w in where] == items


@given(st.integers(1, 600), st.integers(8, 510))
def test_width_is_the_band_top_within_the_limit_and_never_narrower(length: int, limit: int) -> None:
    w = width(length, limit)
    assert w >= length
    if length <= limit:
        assert w <= limit and w < 1.5 * length + 8  # padded by at most half (short inputs: to 8)
        assert w == limit or w in BAND_TOPS
    # every length of a band has the band's width: the width is a function of the band, not the input
    assert all(width(n, limit) == w for n in range(length, w + 1))


@given(st.lists(st.integers(1, 300), max_size=200), st.integers(300, 5000), st.integers(1, 64))
def test_token_batches_cover_each_index_once_one_band_within_budget(lengths: list[int], budget: int, size: int) -> None:
    batches = token_batches(lengths, budget, size, limit=256)
    assert sorted(i for b in batches for i in b.indices) == list(range(len(lengths)))
    for batch in batches:
        assert 1 <= len(batch.indices) <= size
        assert {width(lengths[i], 256) for i in batch.indices} == {batch.width}
        assert len(batch.indices) == 1 or len(batch.indices) * batch.width <= budget
    widths = [b.width for b in batches]
    assert widths == sorted(widths, reverse=True)


def test_token_batches_group_a_band_widest_first() -> None:
    batches = token_batches([3, 10, 1, 11, 9, 40], max_tokens=100, max_size=8, limit=256)
    assert batches == [Batch([5], 48), Batch([1, 3, 4], 12), Batch([0, 2], 8)]


def test_a_band_is_cut_by_the_budget_and_the_size() -> None:
    cut = [Batch([0, 1], 8), Batch([2, 3], 8), Batch([4], 8)]
    assert token_batches([5] * 5, max_tokens=16, max_size=8, limit=256) == cut
    assert token_batches([5] * 5, max_tokens=100, max_size=3, limit=256) == [Batch([0, 1, 2], 8), Batch([3, 4], 8)]


def test_an_input_over_the_budget_gets_a_batch_of_its_own() -> None:
    assert token_batches([50, 5, 5], max_tokens=20, max_size=8, limit=256) == [Batch([0], 64), Batch([1, 2], 8)]


def test_the_limit_caps_the_width() -> None:
    assert token_batches([14, 16], max_tokens=100, max_size=8, limit=16) == [Batch([0, 1], 16)]
