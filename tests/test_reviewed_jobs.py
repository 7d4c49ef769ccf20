"""Archive jobs and reviewed translations (a real data folder's reviewed.sqlite3, as the service writes it): a
job translates with the store as it stood when it started, and a resume after a SIGKILL uses the same reviewed
English however the store changed meanwhile."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from api.app import create_app
from tests.api.conftest import settings_of
from tests.conftest import TINY_MODEL, run_main
from tests.test_archive import batch_command, in_process, outputs, read_jsonl
from translator import Translator
from translator.ledger import Ledger
from translator.reviewed import ReviewedStore
from translator.store import layout, open_database


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of the test's own (the CLI and its subprocesses read TRANSLATOR_DATA_DIR)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("TRANSLATOR_DATA_DIR", str(folder))
    return folder


def review(data: Path, *pairs: tuple[str, str]) -> None:
    store = ReviewedStore(layout.reviewed_file(data))
    try:
        for source, target in pairs:
            store.put(source, target, "cli", "api")
    finally:
        store.close()


def many_documents(root: Path, pairs: list[dict[str, str]], count: int = 120) -> None:
    root.mkdir()
    lines = [
        json.dumps({"id": f"doc-{i:03d}", "text": " ".join(p["source"] for p in pairs[i % 7 : i % 7 + 4])})
        for i in range(count)
    ]
    (root / "docs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def targets(out: Path) -> set[str]:
    return {s["target"] for d in read_jsonl(out / "documents.jsonl") for p in d["paragraphs"] for s in p["sentences"]}


def test_a_job_killed_and_resumed_after_the_store_changed_keeps_the_english_it_began_with(
    tmp_path: Path, data: Path, pairs: list[dict[str, str]]
) -> None:
    many_documents(tmp_path / "in", pairs)
    first, second = pairs[1]["source"], pairs[2]["source"]
    review(data, (first, "The first, as reviewed at the start."))
    clean = in_process(batch_command(tmp_path / "in", tmp_path / "clean"))
    assert clean.returncode == 0, clean.stderr
    want = outputs(tmp_path / "clean")
    assert "The first, as reviewed at the start." in targets(tmp_path / "clean")

    out = tmp_path / "killed"
    proc = subprocess.Popen(batch_command(tmp_path / "in", out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    documents = out / "documents.jsonl"
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if documents.exists() and documents.stat().st_size > 2000:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the job ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    review(data, (first, "The first, changed during the job."), (second, "The second, reviewed during the job."))
    resumed = in_process(batch_command(tmp_path / "in", out))
    assert resumed.returncode == 0, resumed.stderr
    got = outputs(out)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], name
    assert not {"The first, changed during the job.", "The second, reviewed during the job."} & targets(out)
    fingerprints = [json.loads((o / "manifest.json").read_text())["reviewed"] for o in (out, tmp_path / "clean")]
    assert fingerprints[0] == fingerprints[1] and fingerprints[0]["fingerprint"]


# -- refresh: a finished job's outputs rewritten with the current reviewed translations -------------------------

FIRST, SECOND = "The REVIEWED first sentence", "The REVIEWED second sentence"


def reviewed_through_the_api(data: Path, tiny: Translator, *pairs: tuple[str, str]) -> None:
    """`pairs` saved with PUT /v1/reviewed by a service on the data folder `data` (in-process)."""
    app = create_app(settings_of(TRANSLATOR_DATA_DIR=str(data), TRANSLATOR_EXPRESS_TOKENS="0"), tiny)
    with TestClient(app) as client:
        for source, target in pairs:
            r = client.put("/v1/reviewed", json={"source": source, "target": target})
            assert r.status_code == 200, r.text


def test_refresh_rewrites_every_export_with_the_reviewed_english_and_nothing_else(
    tmp_path: Path, data: Path, pairs: list[dict[str, str]], tiny: Translator
) -> None:
    many_documents(tmp_path / "in", pairs, count=40)
    job = tmp_path / "job"
    assert in_process(batch_command(tmp_path / "in", job)).returncode == 0
    before = outputs(job)
    first, second = pairs[2], pairs[4]  # each in several documents
    reviewed_through_the_api(data, tiny, (first["source"], FIRST), (second["source"], SECOND))

    done = run_main(["refresh", str(job)])
    assert done.returncode == 0, done.stderr
    after = outputs(job)
    fresh = tmp_path / "fresh"  # the same job begun now: what the refresh must equal, byte for byte
    assert in_process(batch_command(tmp_path / "in", fresh)).returncode == 0
    assert after == outputs(fresh)
    for name in ("documents.jsonl", "corpus.tmx", "corpus.xlf", "pairs.tsv", "corpus.en"):
        text = after[name].decode()
        assert FIRST in text and SECOND in text, name
        assert first["target"] not in text and second["target"] not in text, name
        assert before[name] != after[name]
    pages = [n for n in after if n.startswith("html/") and after[n] != before[n]]
    assert pages and all(n in before for n in after) and sorted(before) == sorted(after)
    occurrences = sum(d["text"].count(first["source"]) for d in read_jsonl(tmp_path / "in" / "docs.jsonl"))
    occurrences += sum(d["text"].count(second["source"]) for d in read_jsonl(tmp_path / "in" / "docs.jsonl"))
    manifest = json.loads((job / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reviewed"]["changed"] == occurrences > 2
    assert (
        manifest["reviewed"]["fingerprint"]
        == json.loads((fresh / "manifest.json").read_text())["reviewed"]["fingerprint"]
    )
    assert manifest["flags"] == json.loads((fresh / "manifest.json").read_text())["flags"]
    sentences = [s for d in read_jsonl(job / "documents.jsonl") for p in d["paragraphs"] for s in p["sentences"]]
    assert {(s["origin"], s["confidence"], tuple(s["flags"])) for s in sentences if s["target"] == FIRST} == {
        ("reviewed", None, ())
    }
    again = run_main(["refresh", str(job)])  # nothing new: the same bytes
    assert again.returncode == 0 and outputs(job) == after


def test_refresh_rewrites_terms_tsv_as_a_fresh_job_writes_it(tmp_path: Path, data: Path) -> None:
    """terms.tsv was left as the job first wrote it: glossary terms 'missing' from sentences whose English is now
    reviewed (which carry no terms), where the same job begun after the review lists none."""
    (tmp_path / "in").mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / "in" / name).write_text("Saya makan nasi.\n\nDia pergi ke pasar.\n", encoding="utf-8")
    (tmp_path / "g.tsv").write_text("nasi\tRICE\npasar\tMARKET\n", encoding="utf-8")
    job, fresh, glossary = tmp_path / "job", tmp_path / "fresh", ("--glossary", str(tmp_path / "g.tsv"))
    assert in_process(batch_command(tmp_path / "in", job, *glossary)).returncode == 0
    review(data, ("Saya makan nasi.", "I eat rice."), ("Dia pergi ke pasar.", "She went to the market."))
    assert run_main(["refresh", str(job)]).returncode == 0
    assert in_process(batch_command(tmp_path / "in", fresh, *glossary)).returncode == 0
    assert (job / "terms.tsv").read_text() == (fresh / "terms.tsv").read_text()
    assert outputs(job) == outputs(fresh)


def test_a_refresh_killed_at_any_moment_and_run_again_gives_the_uninterrupted_bytes(
    tmp_path: Path, data: Path, pairs: list[dict[str, str]]
) -> None:
    many_documents(tmp_path / "in", pairs, count=300)
    job = tmp_path / "job"
    assert in_process(batch_command(tmp_path / "in", job)).returncode == 0
    review(data, (pairs[2]["source"], FIRST), (pairs[4]["source"], SECOND))
    whole = tmp_path / "whole"
    shutil.copytree(job, whole)
    started = time.monotonic()
    assert subprocess.run(refresh_command(whole), capture_output=True, check=False).returncode == 0
    took = time.monotonic() - started
    want = outputs(whole)
    rng = random.Random(5)
    pending = 0
    for attempt in range(4):
        killed = tmp_path / f"killed-{attempt}"
        shutil.copytree(job, killed)
        proc = subprocess.Popen(refresh_command(killed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.0) * took)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if ledger_value(killed, "refreshing") is not None:  # its snapshot was taken: a change now must not count
            pending += 1
            review(data, (pairs[6]["source"], "Reviewed while the refresh lay killed"))
        assert run_main(["refresh", str(killed)]).returncode == 0
        assert outputs(killed) == want, attempt
        counts = [json.loads((f / "manifest.json").read_text())["reviewed"] for f in (killed, whole)]
        assert counts[0] == counts[1]
        ReviewedStore(layout.reviewed_file(data)).delete(pairs[6]["source"], "cli", "api")
    assert pending >= 1  # at least one kill came after the snapshot was committed


def refresh_command(out: Path) -> list[str]:
    return [sys.executable, "-m", "translator", "refresh", str(out)]


def ledger_value(out: Path, key: str) -> object:
    ledger = Ledger(out / "ledger.sqlite")
    try:
        return ledger.get(key)
    finally:
        ledger.close()


def test_a_cat_tools_final_targets_in_the_jobs_xliff_import_and_refresh_everywhere(
    tmp_path: Path, data: Path, pairs: list[dict[str, str]]
) -> None:
    many_documents(tmp_path / "in", pairs, count=30)
    job = tmp_path / "job"
    assert in_process(batch_command(tmp_path / "in", job)).returncode == 0
    tree = etree.parse(job / "corpus.xlf")
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    edited = {pairs[3]["source"]: "The CAT-edited third sentence", pairs[5]["source"]: "The CAT-edited fifth sentence"}
    done: set[str] = set()
    for segment in tree.iterfind(".//x:segment", ns):
        source = segment.find("x:source", ns).text
        if source in edited and source not in done:  # one occurrence of each is enough
            segment.find("x:target", ns).text = edited[source]
            segment.set("state", "final")
            done.add(source)
    reviewed = tmp_path / "reviewed.xlf"
    tree.write(reviewed, xml_declaration=True, encoding="UTF-8")

    imported = run_main(["memory", "import", str(reviewed)])
    assert imported.returncode == 0, imported.stderr
    counts = json.loads(imported.stdout)
    assert counts["added"] == 2 and counts["reasons"] == {"state translated, not reviewed or final": counts["skipped"]}
    assert run_main(["refresh", str(job)]).returncode == 0
    fresh = tmp_path / "fresh"
    assert in_process(batch_command(tmp_path / "in", fresh)).returncode == 0
    after = outputs(job)
    assert after == outputs(fresh)
    for name in ("documents.jsonl", "corpus.tmx", "corpus.xlf", "pairs.tsv", "corpus.en"):
        for source, english in edited.items():
            assert english in after[name].decode(), name
            assert pairs[[p["source"] for p in pairs].index(source)]["target"] not in after[name].decode(), name
    states = {s.get("state") for s in etree.parse(job / "corpus.xlf").iterfind(".//x:segment", ns)}
    assert states == {"translated", "reviewed"}


def test_with_a_database_url_the_command_line_reads_the_databases_reviewed_translations(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch, pairs: list[dict[str, str]]
) -> None:
    with open_database(postgres_url, pool_size=2) as database:  # as a replica saved it
        ReviewedStore(database).put(pairs[2]["source"], FIRST, "key-replica", "reader")
    monkeypatch.setenv("TRANSLATOR_DATABASE_URL", postgres_url)
    monkeypatch.setenv("TRANSLATOR_DATA_DIR", str(tmp_path / "unused"))
    many_documents(tmp_path / "in", pairs, count=5)
    assert in_process(batch_command(tmp_path / "in", tmp_path / "out")).returncode == 0
    assert FIRST in targets(tmp_path / "out")
    single = run_main(["translate", "--model", str(TINY_MODEL)], stdin=pairs[2]["source"])
    assert single.returncode == 0 and single.stdout.decode().strip() == FIRST
    assert not (tmp_path / "unused").exists()  # the data folder is not the store then


def test_batch_refresh_refreshes_a_finished_job_after_its_run(
    tmp_path: Path, data: Path, pairs: list[dict[str, str]]
) -> None:
    many_documents(tmp_path / "in", pairs, count=5)
    assert in_process(batch_command(tmp_path / "in", tmp_path / "out")).returncode == 0
    assert FIRST not in targets(tmp_path / "out")
    review(data, (pairs[2]["source"], FIRST))
    again = in_process(batch_command(tmp_path / "in", tmp_path / "out", "--refresh"))
    assert again.returncode == 0, again.stderr
    assert b"nothing to do" in again.stderr and b"refreshed" in again.stderr  # not translated again: refreshed
    assert FIRST in targets(tmp_path / "out")
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["reviewed"]["changed"] > 0
