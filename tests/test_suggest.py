"""Fuzzy suggestions (translator/suggest.py) on constructed near duplicates: the measure, the cutoff, the order,
at most three, deletions and updates followed, and no scan (candidates come from the word index)."""

from __future__ import annotations

from rapidfuzz import fuzz

from translator import suggest
from translator.reviewed import key
from translator.suggest import SuggestionIndex

BASE = "Ketua DPR mengapresiasi aksi damai yang dilakukan mahasiswa di depan gedung parlemen."


def index_of(*sources: str) -> SuggestionIndex:
    index = SuggestionIndex()
    index.update({key(s): (s, f"English of {i}") for i, s in enumerate(sources)})
    return index


def test_near_duplicates_at_or_over_75_are_suggested_best_first_and_at_most_three() -> None:
    one_word = BASE.replace("damai", "tenang")
    two_words = one_word.replace("mahasiswa", "warga")
    typo = BASE.replace("parlemen", "parlmen")
    unrelated = "Harga cabai naik menjelang akhir tahun di pasar tradisional kota."
    far = "Ketua DPR mengapresiasi hal itu."
    index = index_of(one_word, two_words, typo, unrelated, far, BASE.upper())
    found = index.suggest(BASE)
    assert [s.source for s in found] == [BASE.upper(), typo, one_word]  # lower-cased: the upper-case one is 100
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert all(s.score >= 75 for s in found) and len(found) == 3
    ratio = fuzz.ratio(suggest.comparable(BASE), suggest.comparable(typo))
    assert found[1].score == round(ratio, 1)
    assert fuzz.ratio(suggest.comparable(BASE), suggest.comparable(far)) < 75  # below the cutoff: never
    assert found[2].target == "English of 0"


def test_changes_are_followed_and_deleted_entries_never_come_back() -> None:
    variant = BASE.replace("damai", "tenang")
    index = index_of(variant)
    assert [s.target for s in index.suggest(BASE)] == ["English of 0"]
    index.update({key(variant): (variant, "Changed English")})
    assert [s.target for s in index.suggest(BASE)] == ["Changed English"]
    index.update({key(variant): None})
    assert index.suggest(BASE) == [] and len(index) == 0


def test_candidates_come_from_the_rarest_words_not_a_scan() -> None:
    filler = [f"Berita nomor {n} tentang cuaca hari ini di kota {n}." for n in range(20_000)]
    index = index_of(*filler, BASE.replace("gedung", "kantor"))
    scored: list[int] = []
    original = suggest.process.extract

    def counting(query: str, choices: dict[int, str], **kwargs: object) -> object:
        scored.append(len(choices))
        return original(query, choices, **kwargs)  # type: ignore[call-overload]

    suggest.process.extract = counting  # type: ignore[assignment]
    try:
        found = index.suggest(BASE)
    finally:
        suggest.process.extract = original
    assert [s.target for s in found] == ["English of 20000"]
    assert scored == [1]  # one candidate scored, not 20,001
