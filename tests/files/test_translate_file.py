"""`translator translate-file`: the file in, NAME.en.SUFFIX (or --out) beside it, never over a file without --force."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TINY_MODEL, run_main

MODEL = ["--model", str(TINY_MODEL)]


def test_markdown_is_translated_as_markdown(tmp_path: Path, pairs: list[dict[str, str]]) -> None:
    for suffix in (".md", ".markdown"):
        source = tmp_path / f"catatan{suffix}"
        source.write_text(f"# {pairs[0]['source']}\n\n- {pairs[1]['source']}\n", encoding="utf-8")
        run = run_main(["translate-file", str(source), *MODEL])
        assert run.returncode == 0, run.stderr
        english = (tmp_path / f"catatan.en{suffix}").read_text(encoding="utf-8")
        assert english == f"# {pairs[0]['target']}\n\n- {pairs[1]['target']}\n"
