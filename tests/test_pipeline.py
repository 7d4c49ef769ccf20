"""The whole pipeline on the tiny memorising Marian model, through the real transformers code.

Because the model reproduces its training pairs exactly, sentence i must come back as translation i:
any misalignment, reordering or dropped sentence fails these tests.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import TINY_MODEL, load_pairs
from translator import (
    DecodeOptions,
    InputError,
    Translation,
    Translator,
    TranslatorConfig,
    batching,
    pieces,
    quality,
)
from translator.backends import Output
from translator.memory import TranslationMemory


def test_every_pair_is_memorised_in_one_batch(tiny: Translator, pairs: list[dict[str, str]]) -> None:
    assert tiny.translate([p["source"] for p in pairs]) == [p["target"] for p in pairs]


@pytest.mark.parametrize("beam", [1, 4])
def test_output_does_not_depend_on_batch_company(tiny: Translator, pairs: list[dict[str, str]], beam: int) -> None:
    decode = DecodeOptions(beam_size=beam)
    alone = [tiny.translate([p["source"]], decode)[0] for p in pairs[:8]]
    together = tiny.translate([p["source"] for p in reversed(pairs[:8])], decode)[::-1]
    assert alone == together == [p["target"] for p in pairs[:8]]


@pytest.mark.parametrize("beam", [1])
def test_transformers_confidence_is_a_function_of_the_sentence_alone(tiny: Translator, beam: int) -> None:
    """Unfamiliar sentences (looping, capped, retried, in pieces): the same English, flags and confidence, to
    the last bit, in one call, in shuffled calls and one by one. Greedy only: transformers' confidence is a
    teacher-forced pass over the English, one row at a time, whatever beam found it (beam 4's invariance, with
    confidence, is CTranslate2's test, test_ctranslate2_output_is_a_function_of_the_sentence_alone)."""
    sentences = unfamiliar(60, seed=beam + 10)
    decode = DecodeOptions(beam_size=beam)
    together = tiny.translate_sentences(sentences, decode)
    assert in_calls(tiny, sentences, decode, [7, 20, 3]) == together
    assert in_calls(tiny, sentences, decode, [1]) == together
    assert all(t.confidence is not None and 0 < t.confidence <= 1 for t in together)


def test_document_with_glued_and_spaced_sentences(tiny: Translator, pairs: list[dict[str, str]]) -> None:
    first, second = pairs[:3], pairs[3:6]
    text = (
        first[0]["source"]
        + first[1]["source"]
        + "  "
        + first[2]["source"]  # glued "kalimat.Kalimat", then spaced
        + "\n\n"
        + second[0]["source"]
        + " "
        + second[1]["source"]
        + second[2]["source"]
    )
    doc = tiny.translate_document(text, doc_id="d1")
    assert doc.id == "d1"
    assert [[s.target for s in p.sentences] for p in doc.paragraphs] == [
        [p["target"] for p in first],
        [p["target"] for p in second],
    ]
    for p in doc.paragraphs:
        assert (p.start, p.end) == (p.sentences[0].start, p.sentences[-1].end)
        for s in p.sentences:
            assert text[s.start : s.end] == s.source
            assert s.flags == ()
    assert [s.source for s in doc.sentences] == [p["source"] for p in first + second]
    assert doc.translation == (" ".join(p["target"] for p in first) + "\n\n" + " ".join(p["target"] for p in second))


def test_headline_line_keeps_its_line_break(tiny: Translator, pairs: list[dict[str, str]]) -> None:
    text = "Judul Berita\n" + pairs[0]["source"]
    doc = tiny.translate_document(text)
    assert len(doc.paragraphs) == 1
    assert [s.source for s in doc.sentences] == ["Judul Berita", pairs[0]["source"]]
    assert doc.translation.split("\n")[1] == pairs[0]["target"]


def test_provenance(tiny: Translator) -> None:
    doc = tiny.translate_document("Iya benar.", decode=DecodeOptions(beam_size=2))
    prov = doc.to_dict()["provenance"]
    assert prov["model"] == "tiny-id-en"
    assert prov["revision"].startswith("sha256:")
    assert prov["backend"] == "hf-float32"
    assert prov["beam_size"] == 2
    assert prov["segmenter"] == "id/3"
    assert prov["version"] == "0.3.0"


class Spy:
    """Wraps the real backend and records what reaches the model (as the texts it tokenized)."""

    def __init__(self, translator: Translator) -> None:
        self.inner = translator.backend
        self.name, self.device = self.inner.name, self.inner.device
        self.texts: dict[tuple[str, ...], str] = {}
        self.tokenized: list[str] = []  # every text tokenized
        self.seen: list[str] = []  # what the model was asked, first attempts only
        self.retried: list[str] = []  # what it was asked again by the runaway guard
        self.returned: dict[str, Output] = {}  # each text's last output

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        rows = self.inner.tokenize(texts)
        self.texts.update((tuple(row), text) for row, text in zip(rows, texts, strict=True))
        self.tokenized += texts
        return rows

    def translate(self, rows: Sequence[Sequence[str]], options: DecodeOptions, width: int) -> list[Output]:
        texts = [self.texts[tuple(row)] for row in rows]
        if options.no_repeat_ngram_size:
            self.retried += texts
        else:
            self.seen += texts
        outputs = self.inner.translate(rows, options, width)
        self.returned.update(zip(texts, outputs, strict=True))
        return outputs


def count(translator: Translator, texts: Sequence[str]) -> list[int]:
    return [len(row) for row in translator.backend.tokenize(texts)]


def alone(translator: Translator, text: str, decode: DecodeOptions, limit: int) -> Output:
    """What the backend makes of `text` in a batch of its own, padded to its band as a pipeline with
    sentence pieces of at most `limit` tokens pads it."""
    [row] = translator.backend.tokenize([text])
    [output] = translator.backend.translate([row], decode, batching.width(len(row), limit))
    return output


def test_duplicates_reach_the_model_once(tiny: Translator, pairs: list[dict[str, str]]) -> None:
    spy = Spy(tiny)
    spied = Translator(spy, tiny.config, tiny.source)
    texts = [pairs[0]["source"], pairs[1]["source"] + " " + pairs[0]["source"], pairs[1]["source"]]
    out = spied.translate(texts)
    assert out == [pairs[0]["target"], pairs[1]["target"] + " " + pairs[0]["target"], pairs[1]["target"]]
    assert sorted(spy.seen) == sorted([pairs[0]["source"], pairs[1]["source"]])
    assert sorted(spy.tokenized) == sorted(spy.seen)  # each sentence tokenized once


def test_documents_stream_in_input_order_across_chunks(pairs: list[dict[str, str]]) -> None:
    # CTranslate2, the default engine: the same memorised outputs as transformers at a tenth of the time
    small_chunks = TranslatorConfig(model=str(TINY_MODEL), backend="ct2", device="cpu", documents_per_chunk=3)
    translator = Translator.from_config(small_chunks)
    order = list(range(len(pairs)))
    random.Random(1).shuffle(order)
    docs = translator.translate_documents((f"doc-{i}", pairs[i]["source"]) for i in order)
    first = next(docs)
    assert first.id == f"doc-{order[0]}"
    rest = list(docs)
    assert [d.id for d in [first, *rest]] == [f"doc-{i}" for i in order]
    assert [d.translation for d in [first, *rest]] == [pairs[i]["target"] for i in order]


def test_long_sentence_is_translated_in_pieces_and_flagged(tiny: Translator, pairs: list[dict[str, str]]) -> None:
    vocabulary = " ".join(p["source"].rstrip(".") for p in pairs).replace(",", "").split()
    rng = random.Random(0)
    text = ""
    while len(text) < 5000:
        text += rng.choice(vocabulary) + " "
    text = text[:5000].strip()
    spy = Spy(tiny)
    doc = Translator(spy, tiny.config, tiny.source).translate_document(text, decode=DecodeOptions(beam_size=1))
    [sentence] = doc.sentences
    assert sentence.source == text
    assert "cut" in sentence.flags
    assert len(spy.seen) > 1
    # every character reached the model (in batch order, which is by length, not by position)
    assert Counter("".join(spy.seen).replace(" ", "")) == Counter(text.replace(" ", ""))
    assert all(n <= tiny.config.max_sentence_tokens for n in count(tiny, spy.seen))
    assert sentence.target
    # its confidence is the token-weighted mean of its pieces' log-probabilities, as one output would have it
    outputs = [spy.returned[text] for text in spy.seen]
    assert sentence.confidence == quality.confidence([(o.score, o.tokens) for o in outputs if o.score is not None])
    weights = Counter(o.tokens for o in outputs)
    assert len(weights) > 1 and sentence.confidence != quality.confidence([(o.score, 1) for o in outputs if o.score])


@pytest.mark.parametrize(
    "text",
    ["", "   \n\n  ", "\x00\x00", "Iya\x00 benar.", "\ud800 dan \udfff.", "😀 \u202e\u200b", "a\r\nb\rc"],
    ids=["empty", "whitespace", "nul", "nul-inside", "lone-surrogates", "emoji-bidi", "line-endings"],
)
def test_bad_input_never_raises(tiny: Translator, text: str) -> None:
    doc = tiny.translate_document(text, decode=DecodeOptions(beam_size=1))
    assert all(text[s.start : s.end] == s.source for s in doc.sentences)
    assert "".join("".join(s.source for s in doc.sentences).split()) == "".join(text.split())
    assert (doc.translation == "") == (not text.strip())


def test_a_looping_output_is_retried_once_and_flagged(tiny: Translator) -> None:
    spy = Spy(tiny)
    looping = "Iya benar dia sedang"  # the tiny model stutters on this fragment
    [first] = tiny.translate_sentences([looping], DecodeOptions(beam_size=1))
    [guarded] = Translator(spy, tiny.config, tiny.source).translate_sentences([looping], DecodeOptions(beam_size=1))
    assert spy.seen == [looping] and spy.retried == [looping]  # one retry, never more
    raw = alone(tiny, looping, DecodeOptions(beam_size=1), tiny.config.max_sentence_tokens)
    assert quality.repeats(raw.text)  # the model's own first attempt loops
    assert "retried" in guarded.flags and "repetition" not in guarded.flags  # the retry does not
    assert first == guarded and not quality.repeats(guarded.target)
    unguarded = Translator(tiny.backend, replace(tiny.config, retry_loops=False), tiny.source)
    [kept] = unguarded.translate_sentences([looping], DecodeOptions(beam_size=1))
    assert "repetition" in kept.flags and "retried" not in kept.flags


def test_english_passes_through_unless_asked(tiny: Translator, pairs: list[dict[str, str]]) -> None:
    english = "The president said that the government will not raise fuel prices this year."
    [passed, translated] = tiny.translate_sentences([english, pairs[0]["source"]])
    assert passed.target == english and passed.flags == ("not_indonesian",)
    assert translated.target == pairs[0]["target"] and translated.flags == ()
    anyway = Translator(tiny.backend, replace(tiny.config, translate_english=True), tiny.source)
    assert "not_indonesian" not in anyway.translate_sentences([english])[0].flags


def test_document_summary_counts_flags(tiny: Translator, pairs: list[dict[str, str]]) -> None:
    english = "The president said that the government will not raise fuel prices this year."
    doc = tiny.translate_document(pairs[0]["source"] + " " + english)
    assert doc.to_dict()["summary"] == {"sentences": 2, "flags": {"not_indonesian": 1}}


def test_a_one_megabyte_line() -> None:
    words = ["dia", "sedang", "jaga", "warung", "banyak", "hal", "yang", "kita", "lakukan"]
    rng = random.Random(2)
    text = " ".join(rng.choice(words) for _ in range(200_000))[: 1 << 20]
    # a tight output cap and CTranslate2 (the default engine; transformers takes 20 times as long on its ~1,000
    # pieces) keep this test to seconds; the path through the pipeline is the ordinary one
    translator = Translator.load(str(TINY_MODEL), backend="ct2", device="cpu")
    doc = translator.translate_document(text, decode=DecodeOptions(beam_size=1, max_output_ratio=0.05, output_slack=1))
    [sentence] = doc.sentences
    assert sentence.source == text
    assert set(sentence.flags) >= {"cut", "truncated"}


def test_non_string_text_is_an_input_error(tiny: Translator) -> None:
    with pytest.raises(InputError, match="must be a string"):
        tiny.translate([b"bytes"])  # type: ignore[list-item]


def unfamiliar(count: int, seed: int) -> list[str]:
    """`count` distinct sentences of the pairs' words shuffled, 1 to 8 words, every 25th 20 to 40 words:
    text the tiny model never saw, so that its outputs loop and hit their caps, and the long ones are cut."""
    words = sorted({w for p in load_pairs() for w in p["source"].split()})
    rng = random.Random(seed)
    sentences: dict[str, None] = {}
    while len(sentences) < count:
        size = rng.randint(20, 40) if len(sentences) % 25 == 24 else rng.randint(1, 8)
        sentences[" ".join(rng.choice(words) for _ in range(size))] = None
    return list(sentences)


@pytest.fixture(scope="module")
def ct2() -> Translator:
    """The CTranslate2 engine (cpu, int8); pieces of at most 16 tokens, so that long sentences are cut cheaply."""
    config = TranslatorConfig(model=str(TINY_MODEL), backend="ct2", device="cpu", max_sentence_tokens=16)
    return Translator.from_config(config)


def in_calls(
    translator: Translator, sentences: list[str], decode: DecodeOptions, sizes: Sequence[int]
) -> list[Translation]:
    """`sentences` translated in shuffled calls of the given sizes (cycled), put back in order."""
    order = list(range(len(sentences)))
    random.Random(len(sizes)).shuffle(order)
    found: dict[int, Translation] = {}
    start, cycle = 0, itertools.cycle(sizes)
    while start < len(order):
        call = order[start : start + next(cycle)]
        start += len(call)
        found.update(zip(call, translator.translate_sentences([sentences[i] for i in call], decode), strict=True))
    return [found[i] for i in range(len(sentences))]


@pytest.mark.parametrize("beam", [1, 4])
def test_ctranslate2_output_is_a_function_of_the_sentence_alone(ct2: Translator, beam: int) -> None:
    sentences = unfamiliar(1000, seed=beam)
    decode = DecodeOptions(beam_size=beam)
    together = ct2.translate_sentences(sentences, decode)
    assert in_calls(ct2, sentences, decode, [37, 200, 5, 64]) == together
    assert in_calls(ct2, sentences, decode, [1]) == together
    flags = Counter(f for t in together for f in t.flags)
    assert min(flags["truncated"], flags["retried"], flags["split"], flags["cut"]) >= 20, flags  # loops, caps, pieces
    assert all(t.confidence is not None for t in together)  # compared above with the English: the same, each


def test_the_retry_decodes_again_only_the_pieces_that_looped(ct2: Translator, pairs: list[dict[str, str]]) -> None:
    # a memorised sentence of 39 tokens, then a fragment the tiny model stutters on: two pieces, one loops
    sentence = pairs[18]["source"] + ", Iya benar dia sedang"
    spy = Spy(ct2)
    config = replace(ct2.config, max_sentence_tokens=40)
    decode = DecodeOptions(beam_size=1)
    [result] = Translator(spy, config, ct2.source).translate_sentences([sentence], decode)
    [row] = ct2.backend.tokenize([sentence])
    texts = pieces.fit(sentence, row, ct2.backend.tokenize, config.max_sentence_tokens).texts
    first = {p: alone(ct2, p, decode, config.max_sentence_tokens).text for p in texts}  # each piece alone
    looped = [p for p in texts if quality.repeats(first[p])]
    assert 0 < len(looped) < len(texts) and sorted(spy.seen) == sorted(texts)
    assert sorted(spy.retried) == sorted(looped)  # only the looping pieces are decoded again
    retry = replace(decode, no_repeat_ngram_size=3)
    again = {p: alone(ct2, p, retry, config.max_sentence_tokens).text for p in looped}
    assert result.target == " ".join(again.get(p, first[p]) for p in texts if again.get(p, first[p]))
    assert "retried" in result.flags
    # the confidence is that of the English returned: the retried pieces' retries, the others' first outputs
    kept = [spy.returned[p] for p in texts]
    assert [o.text for o in kept] == [again.get(p, first[p]) for p in texts]
    assert result.confidence == quality.confidence([(o.score, o.tokens) for o in kept if o.score is not None])


def test_decode_pools_the_same_piece_from_several_requests(tiny: Translator, pairs: list[dict[str, str]]) -> None:
    """The service's batcher hands `decode` the pieces of many requests; a piece they share (a popular
    sentence) is decoded once."""
    spy = Spy(tiny)
    spied = Translator(spy, tiny.config, tiny.source)
    a, b = (spied.prepare([p["source"]]).rows[0] for p in pairs[:2])
    outputs = spied.decode([a, b, a, a])
    assert sorted(spy.seen) == sorted([pairs[0]["source"], pairs[1]["source"]])
    assert [o.text for o in outputs] == [pairs[i]["target"] for i in (0, 1, 0, 0)]


def test_a_headline_the_model_garbles_is_flagged_low_confidence_and_what_it_learned_is_not(
    tiny: Translator, pairs: list[dict[str, str]]
) -> None:
    """A source under 20 characters skips the length check; its garbage is caught by the model's confidence.
    The minimum is the tiny model's own (0.8: it is sure of what it learned, unsure of anything else)."""
    judged = Translator(tiny.backend, replace(tiny.config, min_confidence=0.8), tiny.source)
    [polri, short, learned] = judged.translate_sentences(
        ["Polri amankan pilkada", "Harga BBM naik", pairs[0]["source"]]
    )
    assert polri.target == ",derediveddd" and "low_confidence" in polri.flags  # the headline, as reported
    assert "length_ratio" not in short.flags and "low_confidence" in short.flags
    assert short.confidence is not None and short.confidence < 0.8
    assert "low_confidence" not in learned.flags and learned.confidence is not None and learned.confidence > 0.9
    [unjudged] = Translator(tiny.backend, replace(tiny.config, min_confidence=0), tiny.source).translate_sentences(
        ["Harga BBM naik"]
    )
    assert unjudged == replace(short, flags=tuple(f for f in short.flags if f != "low_confidence"))


def test_the_memory_gives_back_the_confidence_the_model_gave(tiny: Translator, tmp_path: Path) -> None:
    sentences = ["Harga BBM naik", *unfamiliar(6, seed=5)]
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    remembering = Translator(tiny.backend, replace(tiny.config, min_confidence=0.8), tiny.source, memory)
    first = remembering.translate_sentences(sentences)
    again = remembering.translate_sentences(sentences)
    assert remembering.stats.memory_hits == len(sentences) and again == first
    assert all(t.confidence is not None for t in again) and "low_confidence" in again[0].flags
    memory.close()
