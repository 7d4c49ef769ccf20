"""terms.tsv: each name, acronym and glossary term of two documents or more, with its renderings."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from translator import Translator
from translator.archive import JobOptions, run
from translator.consistency import HEADER, table
from translator.plan import document
from translator.types import AlignedDocument, Paragraph, Provenance, Sentence, Term

PROVENANCE = Provenance("m", "r", "b", 1, "s", "v")


def doc(doc_id: str, *pairs: tuple[str, str, tuple[Term, ...]]) -> AlignedDocument:
    sentences = tuple(
        Sentence(f"s{k}", 0, len(source), source, target, terms=terms)
        for k, (source, target, terms) in enumerate(pairs)
    )
    return document(doc_id, [Paragraph(0, 0, 0, sentences)], PROVENANCE)


def test_renderings_across_documents_with_the_minority_ones_located() -> None:
    applied = (Term(6, 9, "House", "applied", 4, 9),)
    missing = (Term(6, 9, "House", "missing"),)
    docs = [
        doc("a", ("Ketua DPR dan Joko Widodo di KPK.", "The House chair and Joko Widodo at KPK.", applied)),
        doc("b", ("Ketua DPR dan Joko Widodo.", "The House chair and Joko Widodo.", applied)),
        doc("c", ("Ketua DPR bertemu Joko Widodo.", "The chair met Jokowi Widodo.", missing)),
        doc("d", ("Hanya di KPK kemarin, Sri Mulyani.", "Only at the Kpk yesterday, Sri.", ())),
        doc("e", ("Sekali Sri Mulyani.", "Once Sri Mulyani.", ())),
    ]
    assert table(docs) == [
        ("DPR", "glossary", "3", "House", "2", ""),
        ("DPR", "glossary", "3", "(missing)", "1", "c"),
        ("Joko Widodo", "name", "3", "Joko Widodo", "2", ""),
        ("Joko Widodo", "name", "3", "Jokowi Widodo", "1", "c"),
        ("KPK", "name", "2", "KPK", "1", ""),
        ("KPK", "name", "2", "Kpk", "1", "d"),
        ("Sri Mulyani", "name", "2", "(absent)", "1", ""),
        ("Sri Mulyani", "name", "2", "Sri Mulyani", "1", "e"),
    ]


def test_a_finished_job_writes_terms_tsv_and_its_index_links_it(
    tiny: Translator, tmp_path: Path, pairs: list[dict[str, str]]
) -> None:
    [nation] = [p["source"] for p in pairs if "Indonesia " in p["source"]]
    texts = [nation, nation + " " + pairs[3]["source"], pairs[3]["source"]]
    lines = [json.dumps({"id": f"d{i}", "text": t}) for i, t in enumerate(texts)]
    (tmp_path / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run(JobOptions([tmp_path / "news.jsonl"], tmp_path / "out", ("jsonl", "html")), lambda: tiny)
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "terms.tsv").read_text(encoding="utf-8")), delimiter="\t"))
    assert tuple(rows[0]) == HEADER
    assert ["Indonesia", "name", "2", "Indonesia", "2", ""] in rows
    index = (tmp_path / "out" / "html" / "index.html").read_text(encoding="utf-8")
    assert 'href="../terms.tsv"' in index
