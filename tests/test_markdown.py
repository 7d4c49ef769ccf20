"""Markdown held aside from the model and put back around the English: the rules on their own, then one
Markdown article through the library, the command line and an archive's .md input (the service's routes in
tests/api/test_markdown.py), each giving the tiny model's memorised English after the same markers."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import TINY_MODEL, run_main
from translator import Translator
from translator.archive import JobOptions, run
from translator.markdown import Held, held, restore

HELD = [
    ("**Sebaiknya jam.**", Held("Sebaiknya jam.", (("**", 0, 14),))),
    ("Karena lapar, saya pesan _indomie_.", Held("Karena lapar, saya pesan indomie.", (("_", 25, 32),))),
    ("**a *b* c**", Held("a b c", (("*", 2, 3), ("**", 0, 5)))),
    ("`a*b*` dan *c*", Held("a*b* dan c", (("`", 0, 4), ("*", 9, 10)))),
    ("**Satu.", Held("Satu.", prefix="**")),  # one sentence's share of bold over two
    ("Dua.**", Held("Dua.", suffix="**")),
    ("Satu,\n> dua.", Held("Satu,\ndua.")),  # a quote's continuation line
    # text, not Markdown
    ("snake_case dan 2*3*4 atau 5 * 6", Held("snake_case dan 2*3*4 atau 5 * 6")),
    ("**", Held("**")),
    ("** kata **", Held("** kata **")),
]


@pytest.mark.parametrize(("source", "expected"), HELD, ids=[h[0] for h in HELD])
def test_what_the_model_sees(source: str, expected: Held) -> None:
    assert held(source) == expected


RESTORED = [
    ("**Sebaiknya jam.**", "It is best.", "**It is best.**", False),
    ("**Sebaiknya jam**.", "It is best.", "**It is best**.", False),
    ("**Sebaiknya jam**.", "It is best", "**It is best**", False),
    ("Karena lapar, saya pesan **indomie**.", "Because I was hungry, I ordered Indomie", "…ordered **Indomie**", False),
    ("Dari `5111`.", "From 5111", "From `5111`", False),
    ("Budi **dan _Ani_** pergi.", "Budi and Ani went.", "Budi **and _Ani_** went.", False),
    # no identical words: placed where the words around it say, flagged, never dropped (it was, until 0.3.0)
    ("Ini **penting** sekali.", "This matters a lot.", "This **matters a** lot.", True),
    ("**Satu.", "One.", "**One.", False),
    ("Dua.**", "Two.", "Two.**", False),
    ("Biasa saja.", "", "", False),
]


@pytest.mark.parametrize(("source", "english", "expected", "moved"), RESTORED, ids=[r[0] for r in RESTORED])
def test_what_the_english_gets_back(source: str, english: str, expected: str, moved: bool) -> None:
    restored, guessed = restore(source, english)
    assert guessed == moved
    if expected.startswith("…"):
        assert restored.endswith(expected[1:])
    else:
        assert restored == expected


def test_stray_delimiters_in_a_long_sentence_take_linear_time() -> None:
    started = time.perf_counter()
    for line in ("*a " * 33_000, "`` a ` " * 15_000, "_x_y " * 20_000):
        assert held(line).text
    assert time.perf_counter() - started < 2


@pytest.fixture(scope="module")
def ct2() -> Translator:
    """The tiny model on CTranslate2: the same English as transformers (tests/backends), far faster on a CPU."""
    return Translator.load(str(TINY_MODEL), backend="ct2", device="cpu")


def article(pairs: list[dict[str, str]]) -> tuple[str, str]:
    """A Markdown article of memorised sentences, and its English."""
    s = {i: p["source"] for i, p in enumerate(pairs)}
    t = {i: p["target"] for i, p in enumerate(pairs)}
    text = (
        f"# {s[12]}\n\n"
        f"- {s[0]}\n- {s[15][:-8]}**indomie**.\n\n"
        f"> {s[36]}\n\n"
        f"* {s[2]}\n  + {s[3]}\n\n"
        f"1. {s[35][:-5]}`5111`.\n2) **{s[12]}**\n\n"
        f"_{s[20][:-1]}_."
    )
    english = (
        f"# {t[12]}\n\n"
        f"- {t[0]}\n- {t[15][:-7]}**Indomie**\n\n"
        f"> {t[36]}\n\n"
        f"* {t[2]}\n  + {t[3]}\n\n"
        f"1. {t[35][:-4]}`5111`\n2) **{t[12]}**\n\n"
        f"_{t[20][:-1]}_."
    )
    return text, english


def test_the_library_translates_the_sentences_after_the_markers(ct2: Translator, pairs: list[dict[str, str]]) -> None:
    text, english = article(pairs)
    doc = ct2.translate_document(text)
    assert doc.translation == english
    sentences = doc.sentences
    assert [s.lead for s in sentences] == ["# ", "- ", "- ", "> ", "* ", "  + ", "1. ", "2) ", ""]
    assert all(text[s.start : s.end] == s.source for s in sentences)
    assert sentences[1].source == pairs[0]["source"] and sentences[1].target == pairs[0]["target"]
    assert not any(s.flags for s in sentences)


def test_the_command_line_and_an_archive_s_md_input_give_the_same_english(
    ct2: Translator, pairs: list[dict[str, str]], tmp_path: Path
) -> None:
    text, english = article(pairs)
    result = run_main(["translate", "--model", str(TINY_MODEL), "--beam", "4"], stdin=text)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == english + "\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "berita.md").write_text(text, encoding="utf-8")
    run(JobOptions([tmp_path / "in"], tmp_path / "out"), lambda: ct2)
    [doc] = [json.loads(line) for line in (tmp_path / "out" / "documents.jsonl").read_text().splitlines()]
    assert doc["translation"] == english


def test_lines_without_words_are_their_own_english(ct2: Translator, pairs: list[dict[str, str]]) -> None:
    """A rule, or a quote's empty line between two paragraphs of one quote: nothing for the model."""
    text = f"> {pairs[0]['source']}\n>\n> {pairs[12]['source']}\n\n---\n\n* * *"
    english = f"> {pairs[0]['target']}\n>\n> {pairs[12]['target']}\n\n---\n\n* * *"
    assert ct2.translate([text]) == [english]
