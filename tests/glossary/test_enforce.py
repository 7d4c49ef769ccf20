"""Terms enforced on an English text: kept, applied (each way of finding the model's rendering) or missing,
with spans that point at the target in the English returned."""

from __future__ import annotations

from translator.glossary import Entry, Glossary
from translator.glossary.enforce import enforce, probe
from translator.glossary.match import find
from translator.types import Term


def run(
    sentence: str, english: str, entries: list[Entry], probes: dict[str, str] | None = None
) -> tuple[str, tuple[Term, ...]]:
    matches = find(sentence, Glossary(tuple(entries)))
    said = [(probes or {}).get(probe(m, sentence), "") for m in matches]
    out, terms = enforce(english, matches, sentence, said)
    for term in terms:  # every span placed points at its target (capitalised where it starts the English)
        if term.status != "missing":
            placed = out[term.target_start : term.target_end]
            assert placed in (term.target, term.target[:1].upper() + term.target[1:]), (out, term)
            assert placed == term.target or term.target_start == 0
    return out, terms


def statuses(terms: tuple[Term, ...]) -> list[str]:
    return [t.status for t in terms]


def test_no_match_leaves_the_english_as_it_is() -> None:
    assert run("Dia sedang jaga warung.", "He is  minding the store ", [Entry("DPR", "House")]) == (
        "He is  minding the store ",
        (),
    )


def test_a_target_the_model_said_is_kept_plural_and_possessive_too() -> None:
    out, terms = run(
        "Calon-calon dari dpr dan tps.",
        "The candidates from the House's side and polling stations.",
        [Entry("calon", "candidate"), Entry("dpr", "House"), Entry("tps", "polling station")],
    )
    assert out == "The candidates from the House's side and polling stations."
    assert statuses(terms) == ["kept", "kept", "kept"]
    assert (terms[0].start, terms[0].end, terms[0].target_start) == (0, 11, 4)


def test_each_rendering_of_the_model_is_replaced_by_the_target() -> None:
    entries = [
        Entry("dpr", "House of Representatives"),  # nearly equal
        Entry("Polri", "National Police"),  # copied through
        Entry("bupati", "district head"),  # the model's own word for it alone
        Entry("kpk", "KPK"),  # another case
    ]
    out, terms = run(
        "Ketua dpr, polri, bupati dan kpk datang.",
        "The head of the house of representative, Polri, the regent and the Kpk came.",
        entries,
        {"bupati": "Regent."},
    )
    assert out == "The head of the House of Representatives, National Police, the district head and the KPK came."
    assert statuses(terms) == ["applied"] * 4


def test_a_sentences_first_word_keeps_its_capital() -> None:
    out, _ = run("Polri datang.", "Polri came.", [Entry("Polri", "national police")])
    assert out == "National police came."


def test_a_term_not_found_is_missing() -> None:
    out, terms = run("Dia jaga warung.", "He minds the store.", [Entry("warung", "stall")], {"warung": "shop"})
    assert out == "He minds the store." and terms == (Term(9, 15, "stall", "missing"),)


def test_each_occurrence_takes_its_own_place() -> None:
    out, terms = run("Polri dan polri.", "Polri and Polri.", [Entry("Polri", "police")])
    assert out == "Police and police." and [t.target_start for t in terms] == [0, 11]
    out, terms = run("Polri dan polri.", "Polri and them.", [Entry("Polri", "police")])
    assert statuses(terms) == ["applied", "missing"]


def test_do_not_translate_comes_out_exactly() -> None:
    out, terms = run("Bank bri di kota.", "The BRI Bank in the city.", [Entry("Bank BRI", "Bank BRI")])
    assert out == "The Bank BRI in the city." and statuses(terms) == ["applied"]


def test_protected_text_is_put_back_even_where_the_model_lost_it() -> None:
    sentence = "Lihat www.kompas.com/a-b untuk @jokowi dan #pilkada, kirim ke a@b.id"
    out, terms = run(sentence, "See www. kompas.com / a-b for @ jokowi and the election, send to", [])
    assert statuses(terms) == ["applied"] * 4
    assert out.startswith("See www.kompas.com/a-b for @jokowi")
    assert out.endswith("send to a@b.id") and "#pilkada" in out


def test_a_target_holding_markup_stays_text() -> None:
    out, terms = run("Ketua DPR datang.", "The DPR chairman came.", [Entry("DPR", "<b>House</b> & co")])
    assert out == "The <b>House</b> & co chairman came." and statuses(terms) == ["applied"]
