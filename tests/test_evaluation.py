"""`translator eval` on the tiny model (what CI runs): scores as sacrebleu computes them on the same English,
--compare, --min-chrf, the worst pairs' page, the test sets, and confidence telling what the model learned from
text it never saw."""

from __future__ import annotations

import json
from pathlib import Path

import sacrebleu
from lxml import html

from tests.conftest import SHARED_DATA, TINY_MODEL, needs_shared_data, run_main
from translator import Translator, TranslatorConfig, testsets
from translator.testsets import Pair, TestSet

PAIRS = TINY_MODEL / "pairs.jsonl"
NUSAX = SHARED_DATA / "eval" / "nusax-mt"


def evaluate(*args: str) -> tuple[int, str, str]:
    done = run_main(["eval", "--model", str(TINY_MODEL), "--backend", "ct2", *args])
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def test_eval_of_the_tiny_model_on_its_own_pairs_scores_as_sacrebleu_does(tmp_path: Path) -> None:
    code, out, err = evaluate(str(PAIRS), "--json", "--segments", str(tmp_path / "segments.jsonl"))
    assert code == 0, err
    report = json.loads(out)
    segments = [json.loads(line) for line in (tmp_path / "segments.jsonl").read_text().splitlines()]
    hypotheses, references = [s["hypothesis"] for s in segments], [s["reference"] for s in segments]
    assert references == [p["target"] for p in map(json.loads, PAIRS.read_text().splitlines())]
    assert report["bleu"] == sacrebleu.corpus_bleu(hypotheses, [references]).score
    assert report["chrf"] == sacrebleu.corpus_chrf(hypotheses, [references], word_order=2).score
    assert report["ter"] == sacrebleu.corpus_ter(hypotheses, [references]).score
    assert report["chrf"] > 95  # it memorised them (int8 changes a word or two)
    assert report["signatures"]["chrf"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:2")  # chrF++
    assert report["pairs"] == 40 and report["sentences"] >= 40 and report["sentences_per_second"] > 0
    assert report["provenance"]["backend"] == "ct2-int8" and report["low_confidence"] == 0
    for s in segments:  # each pair's own scores, sacrebleu's sentence scores
        assert s["chrf"] == sacrebleu.sentence_chrf(s["hypothesis"], [s["reference"]], word_order=2).score
        assert 0 < s["confidence"] <= 1


def test_min_chrf_nan_is_refused_not_a_gate_that_never_shuts() -> None:
    """`--min-chrf nan` was taken, and no score is under nan: the gate passed whatever the model did."""
    code, _, err = evaluate(str(PAIRS), "--min-chrf", "nan")
    assert code == 2 and "--min-chrf" in err and len(err.strip().splitlines()) == 1, err


def test_compare_shows_the_changes_and_min_chrf_sets_the_exit_code(tmp_path: Path) -> None:
    before = tmp_path / "greedy.json"
    assert evaluate(str(PAIRS), "--beam", "1", "--out", str(before), "--min-chrf", "90")[0] == 0
    code, out, err = evaluate(str(PAIRS), "--compare", str(before), "--json", "--min-chrf", "101")
    assert code == 4 and "under --min-chrf" in err
    report, earlier = json.loads(out), json.loads(before.read_text())
    for name in ("bleu", "chrf", "ter", "low_confidence"):
        change = report["compared"][name]
        assert change == {"before": earlier[name], "now": report[name], "delta": report[name] - earlier[name]}
    code, table, _ = evaluate(str(PAIRS), "--compare", str(before))
    assert code == 0 and "| score | before | now | change |" in table and "| chrF++ |" in table


def test_the_worst_pairs_page_shows_each_with_its_reference_through_the_document_template(tmp_path: Path) -> None:
    page = tmp_path / "worst.html"
    code, _, err = evaluate(str(PAIRS), "--beam", "1", "--html", str(page), "--worst", "5", "--min-confidence", "0.8")
    assert code == 0, err
    tree = html.fromstring(page.read_text())
    pairs = tree.xpath(
        "//article[contains(@class, 'evaluation')]//section[@class='para']//span[contains(@class, 'pair')]"
    )
    assert len(pairs) == 5 and tree.xpath("//style") and tree.xpath("//script")  # assets inside
    references = tree.xpath("//p[@class='reference']")
    scores = [float(p.text_content().split()[1]) for p in tree.xpath("//p[@class='segment-scores']")]
    assert len(references) == 5 and scores == sorted(scores)  # the worst first
    sources = {p["source"] for p in map(json.loads, PAIRS.read_text().splitlines())}
    assert all(pair.xpath(".//span[@class='said']")[0].text_content() in sources for pair in pairs)
    assert [h.text_content() for h in tree.xpath("//table[@class='scores']//th")][:3] == ["BLEU", "chrF++", "TER"]


def test_a_glossary_s_terms_are_scored_as_wmt21_exact_match(tmp_path: Path) -> None:
    """Eval translates with the glossary; its scorer finds in the English every term the glossary placed, and
    none of those it reports missing (flag term_missing)."""
    glossary = tmp_path / "terms.tsv"
    glossary.write_text("warung\tshop\nmakanan\tfood\n", encoding="utf-8")
    segments = tmp_path / "segments.jsonl"
    code, out, err = evaluate(str(PAIRS), "--glossary", str(glossary), "--json", "--segments", str(segments))
    assert code == 0, err
    terms = json.loads(out)["terms"]
    scored = [json.loads(line) for line in segments.read_text().splitlines()]
    missing = sum(s["terms"] for s in scored if "term_missing" in s["flags"])
    assert terms["terms"] >= 2 and terms["found"] == terms["terms"] - missing > 0
    assert terms["accuracy"] == terms["found"] / terms["terms"]


def test_term_matches_count_each_place_in_the_english_once() -> None:
    from translator.evaluation import term_matches
    from translator.glossary import Entry, Glossary

    glossary = Glossary((Entry("DPR", "House of Representatives"), Entry("KPK", "KPK")))
    source = "DPR dan KPK bertemu, lalu DPR pergi."
    assert term_matches(source, "The house of representatives met the KPK.", glossary) == (3, 2)
    assert term_matches(source, "KPKs met.", glossary) == (3, 0)  # whole words only


def test_bad_pairs_files_and_sets_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("indonesian\tenglish\nSatu\tOne\nDua tanpa tab\n", encoding="utf-8")
    code, _, err = evaluate(str(bad))
    assert code == 1 and err.strip().endswith(
        "bad.tsv line 3: expected 2 tab-separated fields (Indonesian, English), found 1"
    )
    code, _, err = evaluate("--set", "tatoeba-id")
    assert code == 1 and len(err.strip().splitlines()) == 1 and testsets.TATOEBA_URL in err
    assert evaluate()[0] == 2 and evaluate(str(PAIRS), "--set", "nusax")[0] == 2
    (tmp_path / "report.json").write_text("[1]")
    code, _, err = evaluate(str(PAIRS), "--compare", str(tmp_path / "report.json"))
    assert code == 1 and "not a translator eval report" in err


def test_the_bundled_nusax_set_is_in_the_package_with_its_notice() -> None:
    nusax = testsets.named("nusax", None)
    assert len(nusax.pairs) == 400 and "CC BY-SA 4.0" in nusax.note
    assert nusax.pairs[1] == Pair(
        "Iya benar, dia sedang jaga warung.", "Yeah that's right, he's looking after the store now"
    )
    notice = Path(testsets.__file__).parent / "data" / "NOTICE.md"
    assert "ShareAlike 4.0" in notice.read_text()


def test_tatoeba_s_malay_lines_are_told_apart_by_the_documented_rule(tmp_path: Path) -> None:
    lines = [
        ("A cat has two ears.", "Kucing punya dua telinga."),
        ("I don't have any money.", "Saya tidak punya uang."),
        ("I don't have any money.", "Saya tidak ada wang."),
        ("Do you want to go?", "Awak mahu pergi?"),
        ("Because it rained, we stayed.", "Kerana hujan, kami tinggal."),
        ("Because it rained, we stayed.", "Karena hujan, kami tinggal."),
        ("Take the bus.", "Naik bas."),
    ]
    path = tmp_path / "test.txt"
    path.write_text("".join(f"eng\tmsa_Latn\t{en}\t{ms}\n" for en, ms in lines), encoding="utf-8")
    kept = testsets.named("tatoeba-id", path)
    assert [p.source for p in kept.pairs] == [
        "Kucing punya dua telinga.",
        "Saya tidak punya uang.",
        "Karena hujan, kami tinggal.",
    ]
    assert (
        kept.pairs[0].reference == "A cat has two ears."
        and "3 Indonesian lines kept, 4 Malaysian Malay left out" in kept.note
    )


def unfamiliar_pairs(name: str) -> TestSet:
    return testsets.read(NUSAX / name)


@needs_shared_data()
def test_confidence_tells_memorised_sentences_from_unfamiliar_text() -> None:
    """The threshold is chosen on NusaX-MT's valid split (100 pairs the tiny model never saw): the lowest
    confidence that flags them all. With it, ≥ 95 % of NusaX-MT's train split (500 other unseen pairs) is
    flagged low_confidence, and ≤ 5 % of the 40 memorised pairs."""
    from translator.evaluation import evaluate as run

    translator = Translator.from_config(TranslatorConfig(model=str(TINY_MODEL), backend="ct2", device="cpu"))
    memorised = testsets.read(PAIRS)
    learned = {p.source for p in memorised.pairs}
    valid, train = (
        TestSet(s.name, tuple(p for p in s.pairs if p.source not in learned), s.origin)
        for s in map(unfamiliar_pairs, ("valid.tsv", "train.tsv"))
    )

    def confidences(testset: TestSet) -> list[float]:
        _, segments = run(translator, testset)
        return [s.confidence for s in segments if s.confidence is not None]

    chosen = round(max(confidences(valid)) + 0.0001, 4)  # the lowest that flags every pair of the valid split
    assert 0 < chosen < 0.9
    judged = Translator(
        translator.backend, TranslatorConfig(model=str(TINY_MODEL), min_confidence=chosen), translator.source
    )
    on_train, _ = run(judged, train)
    on_memorised, _ = run(judged, memorised)
    assert on_train.low_confidence >= 0.95, (chosen, on_train.low_confidence)
    assert on_memorised.low_confidence <= 0.05, (chosen, on_memorised.low_confidence)
    print(f"threshold {chosen}: train {on_train.low_confidence:.3f}, memorised {on_memorised.low_confidence:.3f}")  # noqa: T201
