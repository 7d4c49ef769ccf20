"""Where an output ends, and whether its cap cut it: the same rule for every engine."""

from __future__ import annotations

import pytest

from translator.backends.base import cut_at_end

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
