"""Shared fixtures: the tiny memorising Marian model and its pairs, the shared data folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from translator import Translator

ROOT = Path(__file__).resolve().parents[1]
TINY_MODEL = ROOT / "tests" / "fixtures" / "tiny-id-en"
SHARED_DATA = ROOT.parent / "shared" / "data"


def load_pairs() -> list[dict[str, str]]:
    lines = (TINY_MODEL / "pairs.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="session")
def pairs() -> list[dict[str, str]]:
    return load_pairs()


@pytest.fixture(scope="session")
def tiny() -> Translator:
    return Translator.load(str(TINY_MODEL), backend="hf", device="cpu")


def needs_shared_data() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"shared data not found at {SHARED_DATA}")
