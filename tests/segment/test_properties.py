"""Segmentation invariants on arbitrary text: every non-space character in exactly one sentence (or in the
Markdown block markers held aside before one), in order."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translator import markdown, segment

# Characters the rules look at, so that random text hits them often; plus anything at all.
_INTERESTING = st.sampled_from(
    [
        *list(".!?…\"'”’)([ \n\r\t\x00\x0b\u2028ABCabc0123@/:;,-*_`#>"),
        "www.",
        "Dr.",
        "B.J.",
        "😀",
        "\n- ",
        "\n1. ",
        "\n> ",
    ]
)
_TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(_INTERESTING, st.text(max_size=3)), max_size=200).map("".join),
)


def check(text: str) -> None:
    owner = [-1] * len(text)
    previous_end = -1
    for p in segment(text):
        assert text[p.start : p.end].strip() == text[p.start : p.end]
        for k, s in enumerate(p.sentences):
            assert s.source == text[s.start : s.end]
            assert s.source and s.source == s.source.strip()
            assert s.start >= previous_end and p.start <= s.start and s.end <= p.end
            assert s.id == f"p{p.index}s{k}"
            assert s.lead == "" or text[s.start - len(s.lead) : s.start] == s.lead
            assert s.lead.strip() == "" or markdown.lead(text, s.start - len(s.lead.lstrip(" \t")), s.end) == s.start
            assert s.start - len(s.lead) >= previous_end
            previous_end = s.end
            for i in range(s.start - len(s.lead), s.end):
                assert owner[i] == -1
                owner[i] = 1
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and owner[i] == -1]
    assert not missing, f"characters outside every sentence at {missing[:5]}"


@given(_TEXT)
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_every_character_in_exactly_one_sentence(text: str) -> None:
    check(text)


@given(st.lists(st.one_of(_INTERESTING, st.text(min_size=1, max_size=5)), min_size=1, max_size=8).map("".join))
@settings(max_examples=25, deadline=5000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_lines_of_100k_characters(unit: str) -> None:
    check((unit * (100_000 // len(unit) + 1))[:100_000])


def test_crlf_and_control_characters() -> None:
    text = "Kalimat satu.\r\nKalimat dua.\r\n\r\n\x00\x1fKalimat\x07 tiga.\x0c"
    check(text)
    assert [s.source for p in segment(text) for s in p.sentences] == [
        "Kalimat satu.",
        "Kalimat dua.",
        "\x00\x1fKalimat\x07 tiga.",
    ]
