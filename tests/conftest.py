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


@pytest.fixture
def news(tmp_path: Path, pairs: list[dict[str, str]]) -> Path:
    """A folder of four short documents the tiny model knows, a0.txt to a3.txt."""
    folder = tmp_path / "news"
    folder.mkdir()
    for i in range(4):
        (folder / f"a{i}.txt").write_text(pairs[i]["source"] + " " + pairs[i + 10]["source"], encoding="utf-8")
    return folder


def needs_shared_data() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"shared data not found at {SHARED_DATA}")
