"""The command line's glossaries: `translate --glossary FILE`, `batch --glossary FILE|ID` (the glossary's
content part of the job: a changed one refuses to resume), `glossary check FILE`."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import TINY_MODEL, run_main
from tests.test_archive import batch_command, in_process, outputs
from translator.glossary import Entry
from translator.glossary.store import GlossaryStore
from translator.store import layout

SAY = "Dalam pilkada 2018, polri diminta meningkatkan pengamanan di sekitar tps."  # the tiny model's pair 9
HEAR = "In the 2018 regional elections, National Police was asked to increase their security around polling stations"
TSV = "pilkada\tregional elections\npolri\tNational Police\n"


def test_translate_with_a_glossary_file_tsv_or_csv(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(f"{SAY}\n", encoding="utf-8")
    (tmp_path / "news.tsv").write_text(TSV, encoding="utf-8")
    (tmp_path / "news.csv").write_text(
        'pilkada,regional elections\n"polri","National Police",id,en\n', encoding="utf-8"
    )
    plain = run_main(["translate", str(tmp_path / "a.txt"), "--model", str(TINY_MODEL)])
    assert plain.returncode == 0 and "National Police" not in plain.stdout.decode()
    for name in ("news.tsv", "news.csv"):
        done = run_main(
            ["translate", str(tmp_path / "a.txt"), "--model", str(TINY_MODEL), "--glossary", str(tmp_path / name)]
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.decode().strip() == HEAR
    aligned = run_main(
        [
            "translate",
            str(tmp_path / "a.txt"),
            "--model",
            str(TINY_MODEL),
            "--format",
            "json",
            "--glossary",
            str(tmp_path / "news.tsv"),
        ]
    )
    terms = json.loads(aligned.stdout)["paragraphs"][0]["sentences"][0]["terms"]
    assert [(t["target"], t["status"]) for t in terms] == [
        ("regional elections", "applied"),
        ("National Police", "applied"),
    ]
    (tmp_path / "bad.tsv").write_text("pilkada\tregional elections\npolri National Police\n", encoding="utf-8")
    bad = run_main(
        ["translate", str(tmp_path / "a.txt"), "--model", str(TINY_MODEL), "--glossary", str(tmp_path / "bad.tsv")]
    )
    assert bad.returncode == 1 and bad.stderr.decode().count("\n") == 1
    assert "bad.tsv: invalid glossary entries: line 2: no tab between the source and the target" in bad.stderr.decode()


def test_glossary_check_prints_entries_and_every_problem_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "g.tsv").write_text("DPR\tHouse\nno tab\nDPR\tParliament\nKPK\tKPK\n", encoding="utf-8")
    checked = run_main(["glossary", "check", str(tmp_path / "g.tsv")])
    assert checked.returncode == 1
    assert checked.stdout.decode() == "DPR\tHouse\nKPK\tKPK\n"
    err = checked.stderr.decode()
    assert "g.tsv: line 2: no tab" in err and "g.tsv: line 3: the source 'DPR' is a duplicate of line 1's" in err
    assert "2 entries, 2 problems" in err
    (tmp_path / "ok.csv").write_text('"a, b",c\n', encoding="utf-8")
    fine = run_main(["glossary", "check", str(tmp_path / "ok.csv")])
    assert fine.returncode == 0 and fine.stdout.decode() == "a, b\tc\n"
    missing = run_main(["glossary", "check", str(tmp_path / "nope.tsv")])
    assert missing.returncode == 1 and "cannot read" in missing.stderr.decode()


def batch(inputs: Path, out: Path, *extra: str) -> list[str]:
    return ["batch", str(inputs), "--out", str(out), "--model", str(TINY_MODEL), "--no-memory", "--quiet", *extra]


def test_batch_with_a_glossary_file_or_a_stored_id_and_a_changed_one_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(f"{SAY}\n", encoding="utf-8")
    (tmp_path / "news.tsv").write_text(TSV, encoding="utf-8")
    done = run_main(batch(tmp_path / "in", tmp_path / "out", "--glossary", str(tmp_path / "news.tsv")))
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "out" / "documents.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert record["translation"] == HEAR
    (tmp_path / "news.tsv").write_text(TSV + "tps\tpolling stations\n", encoding="utf-8")
    changed = run_main(batch(tmp_path / "in", tmp_path / "out", "--glossary", str(tmp_path / "news.tsv")))
    err = changed.stderr.decode()
    assert changed.returncode == 2 and "holds a job made with other glossary" in err and "use --restart" in err
    without = run_main(batch(tmp_path / "in", tmp_path / "out"))
    assert without.returncode == 2 and "other glossary" in without.stderr.decode()  # leaving it out changes it too

    data = tmp_path / "data"
    store = GlossaryStore(layout.glossaries_file(data))
    stored = store.create(
        "key-a", "news", "v2", [Entry("pilkada", "regional elections"), Entry("polri", "National Police")]
    )
    store.close()
    monkeypatch.setenv("TRANSLATOR_DATA_DIR", str(data))
    monkeypatch.delenv("TRANSLATOR_DATABASE_URL", raising=False)
    by_id = run_main(batch(tmp_path / "in", tmp_path / "by-id", "--glossary", stored.id))
    assert by_id.returncode == 0, by_id.stderr
    assert (tmp_path / "by-id" / "documents.jsonl").read_bytes() == (tmp_path / "out" / "documents.jsonl").read_bytes()
    unknown = run_main(batch(tmp_path / "in", tmp_path / "x", "--glossary", "no-such-id"))
    assert unknown.returncode == 1 and "no such file, nor a glossary with that id" in unknown.stderr.decode()
    text = str(tmp_path / "in" / "a.txt")  # translate takes a stored id as batch does, with batch's message
    translated = run_main(["translate", text, "--model", str(TINY_MODEL), "--glossary", stored.id])
    assert translated.returncode == 0 and translated.stdout.decode().strip() == HEAR, translated.stderr
    missing = run_main(["translate", text, "--model", str(TINY_MODEL), "--glossary", "no-such-id"])
    assert missing.returncode == 1 and "no such file, nor a glossary with that id" in missing.stderr.decode()


def test_a_batch_with_a_glossary_killed_and_resumed_is_byte_identical(
    tmp_path: Path, pairs: list[dict[str, str]]
) -> None:
    """Three SIGKILLs at random points of a job with --glossary, each resumed: the same bytes as one clean run."""
    rng = random.Random(3)
    (tmp_path / "in").mkdir()
    lines = [
        json.dumps({"id": f"doc-{i:03d}", "text": " ".join(rng.choice(pairs)["source"] for _ in range(4))})
        for i in range(120)
    ]
    (tmp_path / "in" / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    terms = TSV + "warung\tstall\nindomie\tIndomie\nYouTube\tYouTube\ngojek\tGojek\n"
    (tmp_path / "news.tsv").write_text(terms, encoding="utf-8")
    glossary = ("--glossary", str(tmp_path / "news.tsv"))
    clean = in_process(batch_command(tmp_path / "in", tmp_path / "clean", *glossary))
    assert clean.returncode == 0, clean.stderr
    want = outputs(tmp_path / "clean")
    assert "National Police" in want["documents.jsonl"].decode()

    out = tmp_path / "killed"
    documents, final = out / "documents.jsonl", len(want["documents.jsonl"])
    command = batch_command(tmp_path / "in", out, *glossary)
    kills = 0
    for _ in range(10):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kills < 3:
            done = documents.stat().st_size if documents.exists() else 0
            target = done + rng.uniform(0.1, 0.5) * (final - done)
            deadline = time.monotonic() + 120
            while proc.poll() is None and time.monotonic() < deadline:
                if documents.exists() and documents.stat().st_size > target:
                    break
                time.sleep(0.005)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
        if proc.wait(timeout=300) == 0:
            break
    assert kills == 3 and proc.returncode == 0
    got = outputs(out)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], name
