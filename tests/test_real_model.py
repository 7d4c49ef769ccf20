"""The real opus-mt-id-en, when TRANSLATOR_REAL_MODEL points at a local copy (no hub is reachable in CI)."""

from __future__ import annotations

import os

import pytest

from translator import Translator

REAL = os.environ.get("TRANSLATOR_REAL_MODEL")
pytestmark = pytest.mark.skipif(not REAL, reason="set TRANSLATOR_REAL_MODEL to a local opus-mt-id-en directory")


@pytest.fixture(scope="module")
def real() -> Translator:
    assert REAL
    return Translator.load(REAL)


def test_real_model_translates_a_glued_article_sentence_by_sentence(real: Translator) -> None:
    text = (
        "Presiden Rusia Vladimir Putin berkunjung ke Pyongyang.Duta Besar Rusia untuk Korea Utara "
        "menyatakan hal itu pada hari Rabu (07/02)."
    )
    doc = real.translate_document(text)
    assert len(doc.sentences) == 2
    assert "Putin" in doc.sentences[0].target and "Pyongyang" in doc.sentences[0].target
    assert "Ambassador" in doc.sentences[1].target
    assert doc.provenance.backend.startswith("hf")


def test_real_model_keeps_n_in_n_out(real: Translator) -> None:
    texts = ["Saya suka makan nasi goreng.", "", "Hari ini hujan.\n\nBesok cerah."]
    out = real.translate(texts)
    assert len(out) == 3 and out[1] == "" and "\n\n" in out[2]
