"""Each flag as a pure function of source and target, driven with crafted outputs."""

from __future__ import annotations

import pytest

from translator import quality


@pytest.mark.parametrize(
    ("target", "loops"),
    [
        ("I'm sorry I'm sorry I'm sorry I'm sorry", True),
        ("Yeahahah that's right,'s's's's's's's's", True),
        ("the the the the the", True),
        ("He said that that was fine, and that that mattered.", False),
        ("Prices rose 1,000,000 percent.", False),
        ("", False),
    ],
)
def test_repetition(target: str, loops: bool) -> None:
    assert quality.repeats(target) is loops


@pytest.mark.parametrize(
    ("source", "target", "out"),
    [
        ("Presiden tiba di Jakarta pada hari Rabu.", "The president arrived in Jakarta on Wednesday.", False),
        ("Presiden tiba di Jakarta pada hari Rabu.", "The president.", True),
        ("Presiden tiba di Jakarta.", "The president arrived in Jakarta on Wednesday with the whole cabinet.", True),
        ("Ya.", "Yes, of course, absolutely.", False),  # sources under 20 characters are not judged
    ],
)
def test_length_ratio(source: str, target: str, out: bool) -> None:
    assert quality.length_out_of_band(source, target) is out


@pytest.mark.parametrize(
    ("source", "target", "flag"),
    [
        ("Presiden tiba di Jakarta pada hari Rabu.", "Presiden tiba di Jakarta pada hari Rabu.", True),
        ("Presiden tiba di Jakarta pada hari Rabu.", "Presiden tiba di Jakarta pada hari Rabu!", True),
        ("Presiden tiba di Jakarta pada hari Rabu.", "The president arrived in Jakarta on Wednesday.", False),
        ("Jakarta.", "Jakarta.", True),
        ("OK", "OK", False),  # too short to call
    ],
)
def test_copied(source: str, target: str, flag: bool) -> None:
    assert quality.copied(source, target) is flag


def test_copied_is_linear_enough_on_a_long_pair() -> None:
    long = "kata " * 50_000
    assert quality.copied(long, long.upper()) is True


@pytest.mark.parametrize(
    ("source", "english"),
    [
        ("The president said that the government will not raise fuel prices.", True),
        ("Presiden mengatakan bahwa pemerintah tidak akan menaikkan harga.", False),
        ("Breaking news.", False),  # too few words to be sure
    ],
)
def test_is_english(source: str, english: bool) -> None:
    assert quality.is_english(source) is english


def test_check_collects_every_flag_that_applies() -> None:
    source = "Harga naik menjadi Rp 9.500.000 pada hari Rabu kemarin."
    assert quality.check(source, "Prices rose on Wednesday yesterday.") == ("numbers",)
    assert quality.check(source, source) == ("copied",)
    assert quality.check(source, "It rose. It rose. It rose. It rose.") == ("repetition", "numbers")


def test_every_flag_has_a_meaning() -> None:
    names = [v for k, v in vars(quality).items() if k.isupper() and isinstance(v, str)]
    assert set(names) == set(quality.MEANINGS)


def test_summary() -> None:
    assert quality.summary([("numbers",), (), ("numbers", "copied"), ("numbers", "numbers")]) == {
        "copied": 1,
        "numbers": 3,
    }
