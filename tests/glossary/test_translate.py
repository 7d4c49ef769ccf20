"""Glossaries through the whole flow on the tiny model, on both engines: every term with its status, do-not-
translate entries exact, sentences without terms byte-identical to no glossary, batch invariance, the memory
keyed by the entries matched, hostile glossaries."""

from __future__ import annotations

import json
import pickle
import random
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import TINY_MODEL, load_pairs
from tests.test_pipeline import in_calls, unfamiliar
from translator import DecodeOptions, Translator, TranslatorConfig
from translator.archive import JobOptions, run, signature
from translator.errors import RefusedError
from translator.glossary import Entry, Glossary
from translator.glossary.enforce import MAX_TERMS
from translator.memory import TranslationMemory
from translator.types import AlignedDocument, Sentence
from translator.writers import page

GLOSSARY = Glossary(
    (
        Entry("dpr", "House of Representatives"),
        Entry("Polri", "National Police"),
        Entry("pilkada", "regional elections"),
        Entry("tps", "polling stations"),
        Entry("Indosat", "Indosat"),
        Entry("YouTube", "YouTube"),
        Entry("warung", "stall"),
        Entry("Bank BRI", "Bank BRI"),
        Entry("calon", "candidate"),
    )
)
# (pair, the term's words in the source) → status, as the tiny model says each sentence
EXPECTED = {
    (0, "warung"): "missing",  # "store": nothing of it is the stall, nor its own English for "warung" alone
    (3, "indosat"): "kept",
    (3, "youtube"): "kept",
    (9, "pilkada"): "applied",  # "Regional Elections"
    (9, "polri"): "applied",  # copied through: "Polri"
    (9, "tps"): "kept",
    (10, "Calon-calon"): "kept",  # "candidates"
    (23, "bank bri"): "applied",  # "the BRI Bank"
    (32, "dpr"): "applied",  # "House of Representative"
    (32, "pilkada"): "applied",  # "Regional Election"
}


@pytest.fixture(scope="module")
def engines(tiny: Translator) -> dict[str, Translator]:
    return {"hf": tiny, "ct2": Translator.load(str(TINY_MODEL), backend="ct2", device="cpu")}


def documents(translator: Translator, sources: list[str], glossary: Glossary | None) -> list[AlignedDocument]:
    return list(translator.translate_documents([(str(i), s) for i, s in enumerate(sources)], glossary=glossary))


def placed(sentence: Sentence) -> list[str]:
    return [sentence.target[t.target_start : t.target_end] for t in sentence.terms if t.target_start is not None]


@pytest.mark.parametrize("engine", ["hf", "ct2"])
def test_every_term_has_its_status_and_the_rest_is_untouched(
    engines: dict[str, Translator], pairs: list[dict[str, str]], engine: str
) -> None:
    translator = engines[engine]
    sources = [p["source"] for p in pairs]
    plain = documents(translator, sources, None)
    with_terms = documents(translator, sources, GLOSSARY)
    found = {}
    for i, (before, after) in enumerate(zip(plain, with_terms, strict=True)):
        [sentence] = after.sentences
        for term in sentence.terms:
            found[i, sentence.source[term.start : term.end]] = term.status
        if not sentence.terms:  # byte-identical to the translation without a glossary
            assert after.to_dict() == before.to_dict()
            continue
        assert placed(sentence) == [t.target for t in sentence.terms if t.status != "missing"]
        assert ("term_missing" in sentence.flags) == any(t.status == "missing" for t in sentence.terms)
    assert found == EXPECTED
    bank = with_terms[23].sentences[0]
    assert "the Bank BRI in the city" in bank.target  # do-not-translate: character for character
    assert sum(d.summary["flags"].get("term_missing", 0) for d in with_terms) == 1
    assert with_terms[0].to_dict()["paragraphs"][0]["sentences"][0]["terms"] == [
        {"start": 27, "end": 33, "target": "stall", "status": "missing", "target_start": None, "target_end": None}
    ]


def test_term_spans_follow_the_markdown_put_back(tiny: Translator, pairs: list[dict[str, str]]) -> None:
    text = "Dalam **pilkada** 2018, polri diminta meningkatkan pengamanan di sekitar tps."
    [sentence] = tiny.translate_document(text, glossary=GLOSSARY).sentences
    assert [sentence.source[t.start : t.end] for t in sentence.terms] == ["pilkada", "polri", "tps"]
    assert placed(sentence) == ["regional elections", "National Police", "polling stations"]
    assert "**regional elections**" in sentence.target


def test_the_memory_keys_a_sentence_by_the_entries_it_matched(tmp_path: Path, pairs: list[dict[str, str]]) -> None:
    memory = TranslationMemory(tmp_path / "memory.sqlite")
    translator = Translator.from_config(
        TranslatorConfig(model=str(TINY_MODEL), backend="ct2", device="cpu"), memory=memory
    )
    matched, unmatched = pairs[9]["source"], pairs[1]["source"]
    plain = translator.translate_sentences([matched, unmatched])
    assert translator.stats.memory_hits == 0
    glossed = translator.translate_sentences([matched, unmatched], glossary=GLOSSARY)
    assert translator.stats.memory_hits == 1  # the sentence without terms shares today's entry
    assert glossed[1] == plain[1] and glossed[0].target != plain[0].target
    again = translator.translate_sentences([matched], glossary=GLOSSARY)
    assert translator.stats.memory_hits == 2 and again == glossed[:1]  # statuses and spans remembered
    assert [t.status for t in again[0].terms] == ["applied", "applied", "kept"]
    other = Glossary((Entry("polri", "police force"),))
    assert (
        translator.stats.memory_hits == 2
        and "police force" in translator.translate_sentences([matched], glossary=other)[0].target
    )
    assert translator.translate_sentences([matched]) == plain[:1]  # never served the glossary's English
    memory.close()


def test_a_sentences_english_depends_only_on_it_and_the_entries_it_matched() -> None:
    """1,000 unfamiliar sentences with a glossary of frequent words: one call, shuffled calls, one by one."""
    config = TranslatorConfig(model=str(TINY_MODEL), backend="ct2", device="cpu", max_sentence_tokens=16)
    translator = Translator.from_config(config)
    sentences = unfamiliar(1000, seed=7)
    words = Counter(w.strip(".,").lower() for s in sentences for w in s.split())
    english = [w for w, _ in Counter(w for p in load_pairs() for w in p["target"].split()).most_common(10)]
    targets = [lambda k, w: w, lambda k, w: f"T{k}", lambda k, w: english[k % len(english)]]  # kept, not
    entries = [Entry(w, targets[k % 3](k, w)) for k, (w, _) in enumerate(words.most_common(30)) if w]
    glossary = Glossary(tuple(entries))
    decode = DecodeOptions(beam_size=1)

    def translate(part: list[str], decode: DecodeOptions) -> list:  # type: ignore[type-arg]
        return translator.translate_sentences(part, decode, glossary)

    together = translate(sentences, decode)
    assert sum(bool(t.terms) for t in together) >= 300
    assert Counter(term.status for t in together for term in t.terms).keys() >= {"kept", "applied", "missing"}
    shim = type("Calls", (), {"translate_sentences": staticmethod(translate)})
    assert in_calls(shim, sentences, decode, [37, 200, 5, 64]) == together  # type: ignore[arg-type]
    assert in_calls(shim, sentences, decode, [1]) == together  # type: ignore[arg-type]
    # and of no other entry: the same English with only the entries each sentence matched
    few = random.Random(1).sample(range(len(sentences)), 50)
    for i in few:
        own = Glossary(tuple({e for e in entries if e.target in {t.target for t in together[i].terms}}))
        assert translator.translate_sentences([sentences[i]], decode, own) == [together[i]]


def test_hostile_glossaries_translate(tiny: Translator, pairs: list[dict[str, str]]) -> None:
    sources = [p["source"] for p in pairs]
    rng = random.Random(5)
    noise: set[str] = set()
    while len(noise) < 100_000:  # consonants only: no word of the pairs
        noise.add("".join(rng.choice("bcdfghjklmnpqrstvwxyz") for _ in range(rng.randint(5, 12))))
    big = Glossary(GLOSSARY.entries + tuple(Entry(w, w.upper() + " [x]") for w in sorted(noise)))
    assert len(big) >= 100_000
    assert [d.to_dict() for d in documents(tiny, sources, big)] == [
        d.to_dict() for d in documents(tiny, sources, GLOSSARY)
    ]
    hostile = Glossary(
        (
            Entry(sources[2], "<b>A whole</b> & sentence"),  # a term that is a whole sentence, its target markup
            Entry("a.b*c(", "x"),
            Entry("\u200fwarung\u200f", "stall"),
            Entry("jaga\u200dwarung", "minding"),
            Entry("Bank", "Bank"),
            Entry("bri di pusat", "bri in the centre"),  # overlaps Bank BRI's words
            Entry("Bank BRI", "Bank BRI"),
        )
    )
    docs = documents(tiny, sources, hostile)
    whole = docs[2].sentences[0]
    assert whole.target == "<b>A whole</b> & sentence" and [t.status for t in whole.terms] == ["applied"]
    html = page.single(docs[2])  # markup in a target is text: escaped
    assert "<b>A whole" not in html and "&lt;b&gt;A whole&lt;/b&gt; &amp; sentence" in html
    bank = docs[23].sentences[0]
    assert [bank.source[t.start : t.end] for t in bank.terms] == ["bank", "bri di pusat"]
    power = docs[31].sentences[0]  # "power bank": the entry Bank, do-not-translate, in any case
    assert [power.source[t.start : t.end] for t in power.terms] == ["bank"] and "power Banks" in power.target
    assert all(d.sentences[0].terms == () for i, d in enumerate(docs) if i not in (2, 23, 31))


def test_an_archive_job_translates_with_its_glossary_and_refuses_another(
    tiny: Translator, tmp_path: Path, pairs: list[dict[str, str]]
) -> None:
    lines = [json.dumps({"id": f"d{k}", "text": pairs[i]["source"]}) for k, i in enumerate((9, 32, 1, 9))]
    (tmp_path / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = JobOptions([tmp_path / "news.jsonl"], tmp_path / "out", ("jsonl", "html"), glossary=GLOSSARY)
    run(options, lambda: tiny)
    records = [json.loads(line) for line in (tmp_path / "out" / "documents.jsonl").read_text().splitlines()]
    terms = [[t["status"] for t in r["paragraphs"][0]["sentences"][0]["terms"]] for r in records]
    assert terms == [["applied", "applied", "kept"], ["applied", "applied"], [], ["applied", "applied", "kept"]]
    table = (tmp_path / "out" / "terms.tsv").read_text(encoding="utf-8")
    assert "pilkada\tglossary\t3\tregional elections\t3\t\n" in table
    other = Glossary((Entry("polri", "police force"),))
    with pytest.raises(RefusedError, match="glossary"):
        run(replace(options, glossary=other), lambda: tiny)
    with pytest.raises(RefusedError, match="glossary"):
        run(replace(options, glossary=None), lambda: tiny)
    assert "glossary" not in signature(tiny, replace(options, glossary=None))


def test_a_glossary_pickles_as_its_entries() -> None:
    _ = GLOSSARY.index
    again = pickle.loads(pickle.dumps(GLOSSARY))
    assert again == GLOSSARY and again.entries == GLOSSARY.entries and "index" not in vars(again)


@pytest.mark.parametrize("engine", ["hf", "ct2"])
def test_urls_addresses_handles_and_tags_come_out_exactly_glossary_or_not(
    engines: dict[str, Translator], pairs: list[dict[str, str]], engine: str
) -> None:
    protected = ["https://kpk.go.id/berita?id=12&x=y", "redaksi@kompas.co.id", "@DPR_RI", "#Pilkada2024"]
    sources = [f"{pairs[k]['source'][:-1]} {p}." for k, p in enumerate(protected)]
    sources.append(f"Lihat {protected[0]} dan {protected[2]} untuk {pairs[4]['source']}")
    plain = engines[engine].translate_sentences(sources)
    for k, translation in enumerate(plain):
        assert all(p in translation.target for p in protected if p in sources[k]), translation
        assert {t.status for t in translation.terms} <= {"kept", "applied"}
    other = Glossary((Entry("DPR", "House of Representatives"),))  # inside a handle: not a term there
    assert engines[engine].translate_sentences(sources, glossary=other) == plain


def test_a_long_line_full_of_terms_is_translated(engines: dict[str, Translator]) -> None:
    """A 200,000-character line in which three entries match 12,000 times: the first MAX_TERMS terms are looked
    for, the rest are missing; nothing is quadratic in the number of terms."""
    words = ["dia", "sedang", "jaga", "warung", "banyak", "hal", "yang", "kita", "lakukan"]
    rng = random.Random(2)
    text = " ".join(rng.choice(words) for _ in range(40_000))[:200_000]
    glossary = Glossary((Entry("warung", "stall"), Entry("kita", "kita"), Entry("hal", "thing")))
    decode = DecodeOptions(beam_size=1, max_output_ratio=0.05, output_slack=1)
    [sentence] = engines["ct2"].translate_document(text, decode=decode, glossary=glossary).sentences
    assert sentence.source == text and len(sentence.terms) > 10_000
    assert sum(t.status != "missing" for t in sentence.terms) <= MAX_TERMS and "term_missing" in sentence.flags
    assert placed(sentence) == [t.target for t in sentence.terms if t.status != "missing"]
