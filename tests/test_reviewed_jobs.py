"""Archive jobs and reviewed translations (a real data folder's reviewed.sqlite3, as the service writes it): a
job translates with the store as it stood when it started, and a resume after a SIGKILL uses the same reviewed
English however the store changed meanwhile."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.test_archive import batch_command, in_process, outputs, read_jsonl
from translator.reviewed import ReviewedStore
from translator.store import layout


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
