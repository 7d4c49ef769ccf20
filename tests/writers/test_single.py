"""`translate --format`: one document printed by the writers' registry, each one-file export exactly as an
archive job of that document writes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TINY_MODEL, run_main
from tests.writers.test_bitext import written
from translator import Translator
from translator.writers import SINGLE, WRITERS


def test_translate_tsv_is_the_archives_pairs_tsv_header_and_all(tmp_path: Path, pairs: list[dict[str, str]]) -> None:
    source = tmp_path / "berita.txt"
    source.write_text(" ".join(p["source"] for p in pairs[:3]) + "\n\n" + pairs[3]["source"] + "\n", encoding="utf-8")
    model = ["--model", str(TINY_MODEL), "--beam", "1"]
    printed = run_main(["translate", str(source), "--format", "tsv", "--id", "berita.txt", *model])
    assert printed.returncode == 0, printed.stderr
    job = run_main(["batch", str(source), "--out", str(tmp_path / "out"), "--export", "tsv", "--no-memory", *model])
    assert job.returncode == 0, job.stderr
    archived = (tmp_path / "out" / "pairs.tsv").read_bytes()
    assert archived.startswith(b"doc_id\tsentence_id\tsource\ttarget\tflags\n")
    assert printed.stdout == archived


@pytest.mark.parametrize("export", ["tsv", "tmx", "xliff"])
def test_a_one_file_export_prints_what_a_job_of_that_document_writes(
    export: str, tiny: Translator, pairs: list[dict[str, str]]
) -> None:
    doc = tiny.translate_document(pairs[0]["source"] + "\n\n" + pairs[1]["source"], doc_id="berita")
    assert SINGLE.load(export)(doc) == written(export, [doc], doc.provenance.to_dict()).decode()


def test_every_export_of_one_file_is_a_format_and_moses_is_not() -> None:
    assert set(WRITERS) - set(SINGLE) == {"moses"}  # corpus.id and corpus.en: two files
    assert set(SINGLE) - set(WRITERS) == {"text", "json"}
    refused = run_main(["translate", "--format", "moses"])
    assert refused.returncode == 2 and b"invalid choice" in refused.stderr
