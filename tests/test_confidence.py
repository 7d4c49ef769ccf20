"""The minimum confidence as the command line and the environment set it (translator/settings.py)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import TINY_MODEL, run_main


def sentences(*args: str) -> list[dict[str, object]]:
    done = run_main(
        ["translate", "--model", str(TINY_MODEL), "--format", "json", *args],
        stdin="Harga BBM naik. Iya benar, dia sedang jaga warung.",
    )
    assert done.returncode == 0, done.stderr
    return [s for p in json.loads(done.stdout)["paragraphs"] for s in p["sentences"]]


def test_min_confidence_from_the_option_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    default = sentences()
    assert all(0 < s["confidence"] <= 1 and "low_confidence" not in s["flags"] for s in default)  # type: ignore[operator]
    garbled, learned = sentences("--min-confidence", "0.8")
    assert "low_confidence" in garbled["flags"] and "low_confidence" not in learned["flags"]  # type: ignore[operator]
    monkeypatch.setenv("TRANSLATOR_MIN_CONFIDENCE", "0.8")
    assert [s["flags"] for s in sentences()] == [garbled["flags"], learned["flags"]]
    assert all("low_confidence" not in s["flags"] for s in sentences("--min-confidence", "0"))  # type: ignore[operator]


@pytest.mark.parametrize("value", ["1.5", "-0.1"])
def test_a_minimum_outside_0_to_1_is_a_usage_error(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    done = run_main(["translate", "--model", str(TINY_MODEL), "--min-confidence", value], stdin="Halo.")
    assert done.returncode == 2 and b"argument --min-confidence: " in done.stderr and b"from 0 to 1" in done.stderr
    monkeypatch.setenv("TRANSLATOR_MIN_CONFIDENCE", value)
    done = run_main(["translate", "--model", str(TINY_MODEL)], stdin="Halo.")
    assert done.returncode == 2 and b"TRANSLATOR_MIN_CONFIDENCE" in done.stderr
