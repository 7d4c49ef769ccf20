"""Glossary matching: whole words, any case (the entry of the sentence's case first), Indonesian affixes and
reduplication, the longest match, the same answer every time; URLs, addresses, handles and tags always."""

from __future__ import annotations

import random

import pytest

from translator.glossary import Entry, Glossary
from translator.glossary.match import Match, find

STEMS = (
    "pukul tulis kirim sapu ambil lihat beli dengar polisi tani bom calon DPR KPK PHK Polri pilkada bupati korupsi "
    "rumah jalan tanya bakar ajar main sakit kerja minum masak pilih"
).split()

# (the form in a sentence, the entry it is a form of): 130 forms
FORMS = [
    *[(f, "pukul") for f in "pukul memukul dipukul memukulnya pukulan pemukul terpukul pukul-pukul memukuli".split()],
    *[(f, "tulis") for f in "tulis menulis ditulis tulisan penulis tertulis menuliskan ditulisnya tulislah".split()],
    *[(f, "kirim") for f in "mengirim dikirim kiriman pengirim mengirimkan terkirim dikirimkannya kirimlah".split()],
    *[(f, "sapu") for f in "menyapu disapu penyapu tersapu sapuan menyapunya".split()],
    *[(f, "ambil") for f in "mengambil diambil pengambilan ambillah terambil mengambilnya".split()],
    *[(f, "lihat") for f in "melihat dilihat terlihat lihatlah melihatnya kelihatan lihat-lihat".split()],
    *[(f, "beli") for f in "membeli dibeli pembeli pembelian belikan membelikan terbeli dibelinya".split()],
    *[(f, "dengar") for f in "mendengar didengar pendengar terdengar kedengaran mendengarkan dengarkanlah".split()],
    *[(f, "polisi") for f in "kepolisian polisinya dipolisikan Polisi-polisi".split()],
    *[(f, "tani") for f in "petani pertanian bertani".split()],
    *[(f, "bom") for f in "mengebom dibom bom-bom pengeboman".split()],
    *[(f, "calon") for f in "calon-calon calon-calonnya pencalonan mencalonkan dicalonkan Calon-calon".split()],
    *[(f, "DPR") for f in "DPR dpr Dpr DPR-nya ke-DPR di-DPR-kan".split()],
    *[(f, "KPK") for f in "KPK-lah KPK-pun kpk KPK-kah".split()],
    *[(f, "PHK") for f in "di-PHK PHK-kan ter-PHK".split()],
    *[(f, "Polri") for f in "POLRI polri Polrinya".split()],
    *[(f, "pilkada") for f in "pilkada Pilkada PILKADA pilkadanya pilkada-pilkada".split()],
    *[(f, "bupati") for f in "bupati Bupati bupatinya".split()],
    *[(f, "korupsi") for f in "korupsi dikorupsi korupsinya".split()],
    *[(f, "rumah") for f in "rumah rumahnya rumahku rumah-rumah perumahan".split()],
    *[(f, "jalan") for f in "berjalan dijalankan menjalankan perjalanan jalan-jalan".split()],
    *[(f, "tanya") for f in "bertanya ditanya menanyakan pertanyaan tanyakan".split()],
    *[(f, "bakar") for f in "terbakar kebakaran membakar dibakar pembakaran".split()],
    *[(f, "ajar") for f in "mengajar pengajar diajarkan ajaran".split()],
    *[(f, "main") for f in "bermain mainan pemain dimainkan memainkan".split()],
    *[(f, "sakit") for f in "menyakiti kesakitan penyakit sakitnya".split()],
    *[(f, "kerja") for f in "pekerja pekerjaan dikerjakan mengerjakan".split()],
    *[(f, "minum") for f in "meminum diminum minuman peminum".split()],
    *[(f, "masak") for f in "memasak dimasak masakan".split()],
    *[(f, "pilih") for f in "memilih pemilihan dipilih terpilih pilihan".split()],
]
# (a form that is not a form of the entry, the entry)
NOT_FORMS = [
    ("DPRD", "DPR"),
    ("kapolri", "Polri"),
    ("sapi", "sapu"),
    ("Indonesia", "Indo"),
    ("makan", "ma"),
    ("bupatiku2", "bupati"),
    ("calonan", "lon"),
    ("pukulx", "pukul"),
    ("tani_tani", "tani"),
    ("sakitmu-sakitmu-nya", "kit"),
]


@pytest.fixture(scope="module")
def stems_glossary() -> Glossary:
    return Glossary(tuple(Entry(s, f"<{s}>") for s in STEMS))


def test_the_table_has_over_a_hundred_forms() -> None:
    assert len(FORMS) >= 100 and len(set(FORMS)) == len(FORMS)


@pytest.mark.parametrize(("form", "stem"), FORMS)
def test_an_affixed_or_reduplicated_form_matches_its_stem(stems_glossary: Glossary, form: str, stem: str) -> None:
    sentence = f"Kata {form} di sini."
    [match] = find(sentence, stems_glossary)
    assert (match.start, match.end, match.entry.source) == (5, 5 + len(form), stem)


@pytest.mark.parametrize(("form", "stem"), NOT_FORMS)
def test_other_words_do_not_match(form: str, stem: str) -> None:
    assert find(f"Kata {form} di sini.", Glossary((Entry(stem, "x"),))) == ()


def test_the_entry_in_the_sentences_case_wins() -> None:
    glossary = Glossary((Entry("dpr", "lower"), Entry("DPR", "upper")))
    assert [m.entry.target for m in find("DPR dan dpr dan Dpr.", glossary)] == ["upper", "lower", "upper"]


def test_the_longest_match_wins_then_the_leftmost() -> None:
    glossary = Glossary(
        tuple(
            Entry(s, s.upper())
            for s in ["Komisi", "Korupsi", "Komisi Pemberantasan Korupsi", "Bank Rakyat", "Rakyat Indonesia", "ab cd"]
        )
    )
    text = "Komisi  Pemberantasan\nKorupsi, Bank Rakyat Indonesia, korupsi ab cd ab cd"
    found = [(text[m.start : m.end], m.entry.source) for m in find(text, glossary)]
    assert found == [
        ("Komisi  Pemberantasan\nKorupsi", "Komisi Pemberantasan Korupsi"),
        ("Rakyat Indonesia", "Rakyat Indonesia"),
        ("korupsi", "Korupsi"),
        ("ab cd", "ab cd"),
        ("ab cd", "ab cd"),
    ]


def test_a_term_of_several_words_keeps_its_separators() -> None:
    glossary = Glossary((Entry("anti-korupsi", "anti-corruption"), Entry("U.S.", "U.S."), Entry("C++", "C++")))
    text = "Gerakan anti-korupsi, anti korupsi, U.S. dan U.S, bahasa C++ dan C+."
    assert [text[m.start : m.end] for m in find(text, glossary)] == ["anti-korupsi", "U.S.", "C++"]


def test_matches_are_the_same_whatever_the_entries_order() -> None:
    entries = [Entry(s, s.upper()) for s in ["Bank Rakyat", "Rakyat Indonesia", "rakyat", "Bank", "bank rakyat"]]
    text = "Bank Rakyat Indonesia dan bank rakyat, BANK RAKYAT."
    want = find(text, Glossary(tuple(entries)))
    for seed in range(5):
        random.Random(seed).shuffle(entries)
        assert find(text, Glossary(tuple(entries))) == want


def test_urls_addresses_handles_and_tags_are_kept_glossary_or_not() -> None:
    text = "Lihat https://kpk.go.id/dpr?a=1, tulis ke humas@dpr.go.id, ikuti @DPR_RI dan #DPR2024 atau #1."
    found = find(text, Glossary((Entry("DPR", "House"),)))
    assert [(text[m.start : m.end], m.entry.target, m.protected) for m in found] == [
        ("https://kpk.go.id/dpr?a=1", "https://kpk.go.id/dpr?a=1", True),
        ("humas@dpr.go.id", "humas@dpr.go.id", True),
        ("@DPR_RI", "@DPR_RI", True),
        ("#DPR2024", "#DPR2024", True),
    ]
    assert find(text, None) == found


HOSTILE = [
    Entry("a.b*c", "x"),
    Entry("(KPK)", "(Corruption Eradication Commission)"),
    Entry("[x]+?", "y"),
    Entry("\\d+$^", "z"),
    Entry("\u200fDPR\u200f", "House"),
    Entry("rumah\u200dsakit", "hospital"),
    Entry("***", "stars"),
    Entry("Iya benar, dia sedang jaga warung.", "Yes indeed, he is minding the stall."),
]


def test_hostile_entries_match_as_text_and_never_raise() -> None:
    glossary = Glossary(tuple(HOSTILE))
    text = "Ada a.b*c dan (KPK) dan [x]+? dan \\d+$^ dan \u200fDPR\u200f dan rumah\u200dsakit dan *** dan DPR."
    found = [text[m.start : m.end] for m in find(text, glossary)]
    assert found == ["a.b*c", "(KPK)", "[x]+?", "\\d+$^", "\u200fDPR\u200f", "rumah\u200dsakit"]
    whole = "Iya benar, dia sedang jaga warung."
    assert [(m.start, m.end) for m in find(whole, glossary)] == [(0, len(whole))]


def test_a_hundred_thousand_entries_find_what_ten_find() -> None:
    rng = random.Random(3)
    noise: set[str] = set()
    while len(noise) < 100_000:
        noise.add("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 12))))
    few = (Entry("pilkada", "regional elections"), Entry("Polri", "National Police"))
    big = Glossary(few + tuple(Entry(w, w.upper()) for w in sorted(noise - {"pilkada", "polri", "dalam", "diminta"})))
    text = "Dalam pilkada 2018, polri diminta meningkatkan pengamanan."
    assert len(big) >= 99_996 and find(text, big) == find(text, Glossary(few))
    assert [m.entry.source for m in find(text, big)] == ["pilkada", "Polri"]


def test_a_match_is_hashable_and_comparable() -> None:
    m = Match(0, 3, Entry("DPR", "House"))
    assert {m, Match(0, 3, Entry("DPR", "House"))} == {m}


def test_a_glossary_says_whether_its_index_is_built() -> None:
    glossary = Glossary((Entry("DPR", "House"),))
    assert not glossary.indexed
    find("DPR", glossary)
    assert glossary.indexed
