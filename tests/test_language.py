"""The Indonesian-or-not check: accuracy on the shared human pairs, and honest confidence."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SHARED_DATA, needs_shared_data
from translator.language import detect


@needs_shared_data()
def test_separates_the_two_sides_of_the_parallel_data() -> None:
    lines = (SHARED_DATA / "parallel" / "nusax-id-en.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    correct = sum(detect(r["id_text"]).language == "id" for r in rows) + sum(
        detect(r["en_text"]).language == "en" for r in rows
    )
    assert correct / (2 * len(rows)) >= 0.97


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Presiden mengatakan bahwa pemerintah akan menaikkan harga.", "id"),
        ("The president said that the government will raise prices.", "en"),
    ],
)
def test_clear_cases_are_confident(text: str, language: str) -> None:
    guess = detect(text)
    assert guess.language == language and guess.confidence > 0.8


@pytest.mark.parametrize("text", ["", "12345 !!!", "Qwerty zxcvb"])
def test_no_evidence_is_a_coin_toss(text: str) -> None:
    assert detect(text).confidence == 0.5
