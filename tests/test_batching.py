"""Pure batching: duplicates pooled once, every index batched once, one length a batch, budgets kept."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from translator.batching import token_batches, unique


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


@given(st.lists(st.integers(1, 300), max_size=200), st.integers(300, 5000), st.integers(1, 64))
def test_token_batches_cover_each_index_once_one_length_within_budget(
    lengths: list[int], budget: int, size: int
) -> None:
    batches = token_batches(lengths, budget, size)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= size
        assert len({lengths[i] for i in batch}) == 1  # no input is padded, all share one output cap
        assert len(batch) * lengths[batch[0]] <= budget
    firsts = [lengths[b[0]] for b in batches]
    assert firsts == sorted(firsts, reverse=True)


def test_token_batches_group_equal_lengths_longest_first() -> None:
    assert token_batches([3, 10, 1, 10, 3], max_tokens=20, max_size=8) == [[1, 3], [0, 4], [2]]


def test_a_length_group_is_cut_by_the_budget_and_the_size() -> None:
    assert token_batches([5] * 5, max_tokens=10, max_size=8) == [[0, 1], [2, 3], [4]]
    assert token_batches([5] * 5, max_tokens=100, max_size=3) == [[0, 1, 2], [3, 4]]


def test_an_input_over_the_budget_gets_a_batch_of_its_own() -> None:
    assert token_batches([50, 5, 5], max_tokens=20, max_size=8) == [[0], [1, 2]]
