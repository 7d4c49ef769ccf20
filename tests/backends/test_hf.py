"""The transformers backend with a model of the caller's (how bench/engines.py tries other engines on it)."""

from __future__ import annotations

from transformers import MarianMTModel

from tests.conftest import TINY_MODEL
from translator import DecodeOptions, Translator, TranslatorConfig
from translator.backends.hf import HFBackend
from translator.models import resolve


def test_a_model_of_the_caller_s_is_the_one_that_translates(pairs: list[dict[str, str]]) -> None:
    source = resolve(str(TINY_MODEL))
    mine = MarianMTModel.from_pretrained(str(TINY_MODEL)).eval()
    backend = HFBackend(source, "cpu", mine, "mine-float32")
    assert backend.model is mine and backend.model.generation_config.max_length is None  # our caps, not its own
    translator = Translator(backend, TranslatorConfig(model=str(TINY_MODEL)), source)
    some = pairs[:4]  # the seam is what is tested, not the model: a few pairs keep it fast
    assert translator.translate([p["source"] for p in some], DecodeOptions(beam_size=1)) == [p["target"] for p in some]
    assert translator.provenance().backend == "mine-float32"
