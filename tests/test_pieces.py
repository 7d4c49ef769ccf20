"""Long sentences are cut into model-sized pieces that cover the whole sentence, and flagged."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translator.pieces import clean, fit
from translator.quality import CUT, SPLIT


def words(texts: Sequence[str]) -> list[list[str]]:
    """A tokenizer with sentencepiece's shape: one token per word (and per 4 characters), plus end of sentence."""
    return [[w[k : k + 4] for w in t.split() for k in range(0, len(w) // 4 * 4 + 1, 4)] + ["</s>"] for t in texts]


def non_space(text: str) -> str:
    return "".join(text.split())


def test_short_sentence_is_one_piece() -> None:
    pieces = fit("Ia datang.", words(["Ia datang."])[0], words, 10)
    assert pieces.texts == ("Ia datang.",)
    assert pieces.tokens == (4,)
    assert pieces.flags == ()


def test_cut_at_clause_punctuation_first() -> None:
    text = "satu dua tiga, empat lima enam; tujuh delapan sembilan: sepuluh sebelas — dua belas"
    pieces = fit(text, words([text])[0], words, 12)
    assert pieces.texts == ("satu dua tiga, empat lima enam;", "tujuh delapan sembilan:", "sepuluh sebelas — dua belas")
    assert pieces.flags == (SPLIT,)


def test_cut_between_words_when_no_clause_punctuation() -> None:
    text = " ".join(["kata"] * 50)
    pieces = fit(text, words([text])[0], words, 12)
    assert pieces.flags == (CUT,)
    assert all(n <= 12 for n in pieces.tokens)
    assert non_space("".join(pieces.texts)) == non_space(text)


def test_a_word_longer_than_the_model_takes_is_cut_inside() -> None:
    text = "x" * 500
    pieces = fit(text, words([text])[0], words, 16)
    assert "".join(pieces.texts) == text
    assert pieces.flags == (CUT,)


@given(st.text(alphabet=st.sampled_from(list("ab ,;:—\n.")), min_size=1, max_size=400), st.integers(8, 40))
def test_pieces_cover_the_sentence_and_fit(text: str, limit: int) -> None:
    pieces = fit(text, words([text])[0], words, limit)
    assert non_space("".join(pieces.texts)) == non_space(text)
    assert all(n <= limit for n in pieces.tokens)
    assert list(pieces.rows) == [tuple(row) for row in words(pieces.texts)]


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [("a\x00b", "a b"), ("\ud800x", "\ufffdx"), ("tab\tand\nline", "tab\tand\nline"), ("\x7f\x85", "  ")],
)
def test_clean_keeps_length_and_replaces_what_tokenizers_reject(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned
    assert len(clean(raw)) == len(raw)
