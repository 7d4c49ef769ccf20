"""CTranslate2 against transformers on the tiny model: same outputs, the conversion cached, auto picks it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import TINY_MODEL
from translator import DecodeOptions, Translation, Translator, TranslatorConfig
from translator.backends.ct2 import CT2Backend, thread_layout
from translator.models import resolve


@pytest.fixture(scope="module")
def model_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture, so that conversions are cached in a temporary folder."""
    target = tmp_path_factory.mktemp("models") / "tiny-id-en"
    shutil.copytree(TINY_MODEL, target)
    return target


@pytest.fixture(scope="module")
def hf(model_copy: Path) -> Translator:
    return Translator.load(str(model_copy), backend="hf", device="cpu")


def with_backend(hf: Translator, compute_type: str, workers: int = 0) -> Translator:
    return Translator(CT2Backend(hf.source, "cpu", compute_type, inter_threads=workers), hf.config, hf.source)


def same(got: list[Translation], want: list[Translation], tolerance: float = 0.001) -> bool:
    """The same English and flags, and confidences that differ by at most `tolerance`: two engines compute the
    scores with other kernels, which round differently in the last bits."""
    unscored = [replace(t, confidence=None) for t in got] == [replace(t, confidence=None) for t in want]
    return unscored and all(
        g.confidence is not None and w.confidence is not None and abs(g.confidence - w.confidence) <= tolerance
        for g, w in zip(got, want, strict=True)
    )


@pytest.mark.parametrize("beam", [1, 4])
def test_float32_gives_what_transformers_gives(hf: Translator, pairs: list[dict[str, str]], beam: int) -> None:
    ct2 = with_backend(hf, "float32")
    sources = [p["source"] for p in pairs]
    decode = DecodeOptions(beam_size=beam)
    assert same(ct2.translate_sentences(sources, decode), hf.translate_sentences(sources, decode))


def test_both_engines_score_an_output_by_the_mean_log_probability_of_its_tokens(hf: Translator) -> None:
    """CTranslate2 returns its score divided by the length (length_penalty 1), transformers' is computed from a
    teacher-forced pass: on outputs that end, outputs cut at their cap and retried ones alike, the two agree
    (greedy: at beam 4 the engines' retries under the n-gram ban differ in their English already)."""
    ct2 = with_backend(hf, "float32")
    odd = ["Iya benar dia sedang", "warung makan enak sekali", "Banyak hal yang dapat kita lakukan.", "a"]
    decode = DecodeOptions(beam_size=1)
    got, want = ct2.translate_sentences(odd, decode), hf.translate_sentences(odd, decode)
    assert same(got, want) and "truncated" in got[0].flags and "retried" in got[0].flags
    assert all(0 < t.confidence < 0.95 for t in got if t.confidence is not None)  # unfamiliar: the model is unsure


def test_int8_still_reproduces_every_memorised_pair(hf: Translator, pairs: list[dict[str, str]]) -> None:
    ct2 = with_backend(hf, "int8")
    got = ct2.translate_sentences([p["source"] for p in pairs])
    differences = [p["source"] for p, g in zip(pairs, got, strict=True) if g.target != p["target"]]
    assert differences == []
    assert min(t.confidence or 0 for t in got) > 0.9  # and it is sure of each: it learned them


@pytest.mark.parametrize("workers", [1, 2])
def test_caps_and_flags_agree_on_unknown_input(hf: Translator, workers: int) -> None:
    ct2 = with_backend(hf, "float32", workers)
    odd = ["xyz qqq " * 40, "Iya benar dia sedang", "a", "Iya benar, dia sedang jaga warung."]
    decode = DecodeOptions(beam_size=1)
    got, want = ct2.translate_sentences(odd, decode), hf.translate_sentences(odd, decode)
    assert same(got, want)
    assert "truncated" in got[1].flags


def test_the_engine_beside_gives_the_same_outputs(hf: Translator, pairs: list[dict[str, str]]) -> None:
    main = with_backend(hf, "int8", 2)
    beside = main.beside()
    assert beside is not None and hf.beside() is None  # transformers has no second engine
    assert beside.backend.translator is not main.backend.translator and beside.backend.workers == 1
    texts = ["xyz qqq " * 40, "Iya benar dia sedang", *(p["source"] for p in pairs[:12])]
    for beam in (1, 4):
        decode = DecodeOptions(beam_size=beam)
        assert beside.translate_sentences(texts, decode) == main.translate_sentences(texts, decode)


def test_conversion_is_cached_beside_the_model(hf: Translator, model_copy: Path) -> None:
    with_backend(hf, "int8")
    converted = model_copy.parent / "tiny-id-en.converted"
    [folder] = [p for p in converted.iterdir() if p.name.endswith("ct2-int8")]
    assert folder.name.startswith(hf.source.revision.replace(":", "-")[:24])
    stamp = (folder / "model.bin").stat().st_mtime_ns
    with_backend(hf, "int8")
    assert (folder / "model.bin").stat().st_mtime_ns == stamp


def test_auto_picks_ctranslate2_and_says_so(model_copy: Path, pairs: list[dict[str, str]]) -> None:
    translator = Translator.from_config(TranslatorConfig(model=str(model_copy)))
    doc = translator.translate_document(pairs[0]["source"])
    assert doc.provenance.backend == "ct2-int8"
    assert doc.sentences[0].target == pairs[0]["target"]


def test_thread_layout() -> None:
    assert thread_layout("cuda", 0, 0)[0] == 1
    assert thread_layout("cpu", 2, 1) == (2, 1)
    workers, threads = thread_layout("cpu", 0, 0)
    assert 1 <= workers <= 4 and threads >= 1


def test_a_model_that_cannot_convert_is_a_backend_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(TINY_MODEL, broken)
    (broken / "model.safetensors").write_bytes(b"not weights")
    source = resolve(str(broken))
    from translator.backends import load_backend
    from translator.errors import BackendError

    with pytest.raises(BackendError):
        load_backend("ct2", source, "cpu")
