"""Where an output ends, and whether its cap cut it: the same rule for every engine."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import MarianTokenizer

from tests.conftest import SHARED_DATA, TINY_MODEL
from translator.backends.base import cut_at_end, tokenize_with

END = 0


@pytest.mark.parametrize(
    ("tokens", "cap", "kept", "capped"),
    [
        ([5, 6, END, 9], 4, [5, 6], False),  # ended well inside its cap
        ([5, 6, 7, END], 3, [5, 6, 7], False),  # exactly cap tokens, then its end: complete
        ([5, 6, 7, 8], 3, [5, 6, 7], True),  # ran past its cap (in a batch with a larger cap)
        ([5, 6, 7, 8, 9], 2, [5, 6], True),
        ([END], 3, [], False),
    ],
)
def test_cut_at_end(tokens: list[int], cap: int, kept: list[int], capped: bool) -> None:
    assert cut_at_end(tokens, END, cap) == (kept, capped)


TRICKY = st.sampled_from(["</s>", "<unk>", "<pad>", ">>ind<<", ">>", "<", " ", "\n", "\u200b", "😀", "dia", "."])


@pytest.fixture(scope="module")
def tokenizers() -> list[MarianTokenizer]:
    """The tiny model's tokenizer, and the real model's where the shared data is."""
    found = [MarianTokenizer.from_pretrained(str(TINY_MODEL))]
    if (SHARED_DATA / "opus-mt-id-en").is_dir():
        found.append(MarianTokenizer.from_pretrained(str(SHARED_DATA / "opus-mt-id-en")))
    return found


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.lists(st.one_of(st.text(max_size=3), TRICKY), max_size=12).map("".join), max_size=5))
def test_tokenize_with_gives_what_the_tokenizer_gives(tokenizers: list[MarianTokenizer], texts: list[str]) -> None:
    for tokenizer in tokenizers:
        ids = tokenizer(texts, verbose=False)["input_ids"] if texts else []
        assert tokenize_with(tokenizer, texts) == [tokenizer.convert_ids_to_tokens(row) for row in ids]
