"""Archive jobs in the messy world: changed inputs, two runs at once, the job's own outputs, a full disk, a
read-only folder, a file-size limit, Ctrl-C, usage errors. Real files, real SQLite, real processes where a
signal, a process limit or the terminal is involved; the other runs of the command in-process."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import TINY_MODEL, run_main
from tests.test_archive import outputs, read_jsonl
from translator import Translator, cli
from translator.archive import JobOptions, Progress, run
from translator.config import DecodeOptions
from translator.errors import ArchiveError, RefusedError
from translator.memory import TranslationMemory
from translator.types import Translation


def never_load() -> Translator:
    raise AssertionError("the model was loaded")


def snapshot(out: Path) -> dict[str, bytes]:
    """Every byte of the folder, ledger included."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_a_job_is_its_inputs(tiny: Translator, news: Path, tmp_path: Path, pairs: list[dict[str, str]]) -> None:
    out = tmp_path / "out"
    options = JobOptions([news], out, config=tiny.config)
    first = run(options, lambda: tiny)
    assert (first.documents, first.failed, first.already_complete) == (4, 0, False)
    before = snapshot(out)

    again = run(options, never_load)  # unchanged and finished: says so, loads nothing, touches nothing
    assert again.already_complete and again.documents == 4
    assert snapshot(out) == before

    (news / "a-new.txt").write_text(pairs[20]["source"], encoding="utf-8")
    with pytest.raises(RefusedError, match=r"1 input added \(news/a-new.txt\), 0 inputs removed, 0 inputs changed"):
        run(options, never_load)
    (news / "a-new.txt").unlink()
    (news / "a1.txt").unlink()
    with pytest.raises(RefusedError, match=r"0 inputs added, 1 input removed \(news/a1.txt\)"):
        run(options, never_load)
    (news / "a1.txt").write_text(pairs[30]["source"], encoding="utf-8")  # same name, other text
    with pytest.raises(RefusedError, match=r"1 input changed \(news/a1.txt\); use a new --out, or --restart"):
        run(options, never_load)
    with pytest.raises(RefusedError, match="other inputs"):
        run(JobOptions([news / "a0.txt"], out, config=tiny.config), never_load)
    assert snapshot(out) == before  # every refusal before anything was touched

    restarted = run(JobOptions([news], out, restart=True, config=tiny.config), lambda: tiny)
    assert restarted.documents == 4
    assert pairs[30]["target"] in (out / "documents.jsonl").read_text(encoding="utf-8")


def test_an_input_that_changes_while_the_job_reads_it_stops_the_job(
    tiny: Translator, tmp_path: Path, pairs: list[dict[str, str]]
) -> None:
    first, feed = tmp_path / "first.txt", tmp_path / "feed.jsonl"
    first.write_text(pairs[0]["source"], encoding="utf-8")
    feed.write_text("".join(json.dumps({"text": p["source"]}) + "\n" for p in pairs[:5]), encoding="utf-8")

    def append_once(progress: Progress) -> None:  # after first.txt is done, before feed.jsonl is read
        if progress.documents == 1:
            with feed.open("a", encoding="utf-8") as more:
                more.write(json.dumps({"text": pairs[6]["source"]}) + "\n")

    one_at_a_time = Translator(tiny.backend, replace(tiny.config, documents_per_chunk=1), tiny.source)
    with pytest.raises(ArchiveError, match=r"feed.jsonl changed while the job read it.*--restart"):
        run(JobOptions([first, feed], tmp_path / "out"), lambda: one_at_a_time, append_once)
    with pytest.raises(RefusedError, match=r"1 input changed \(feed.jsonl\)"):
        run(JobOptions([first, feed], tmp_path / "out"), never_load)


def test_the_same_inputs_in_another_order_are_another_job(tiny: Translator, news: Path, tmp_path: Path) -> None:
    a, b = news / "a0.txt", news / "a1.txt"
    run(JobOptions([a, b], tmp_path / "out"), lambda: tiny)
    with pytest.raises(RefusedError, match="the same inputs in another order"):
        run(JobOptions([b, a], tmp_path / "out"), never_load)


def test_settings_that_do_not_change_outputs_do_not_refuse(tiny: Translator, news: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(JobOptions([news], out, config=tiny.config), lambda: tiny)
    other_batches = Translator(tiny.backend, replace(tiny.config, max_batch_sentences=3), tiny.source)
    result = run(JobOptions([news], out, config=other_batches.config), lambda: other_batches)
    assert result.already_complete
    with pytest.raises(RefusedError, match="other max_document_bytes"):
        run(JobOptions([news], out, max_document_bytes=100), lambda: tiny)


def test_the_output_folder_is_never_an_input(
    news: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(news)
    handler = signal.getsignal(signal.SIGTERM)
    argv = ["batch", ".", "--out", "run4", "--model", str(TINY_MODEL), "--export", "jsonl,html,tsv", "--no-memory"]
    assert cli.main(argv) == 0
    assert signal.getsignal(signal.SIGTERM) is handler  # the batch's SIGTERM handling ends with it
    ids = [d["id"] for d in read_jsonl(news / "run4" / "documents.jsonl")]
    assert ids == ["a0.txt", "a1.txt", "a2.txt", "a3.txt"]  # relative to `.`, no leading slash
    before = snapshot(news / "run4")
    assert cli.main(argv) == 0  # its own pages and pairs are not new inputs: the job is complete
    assert "nothing to do: run4 holds this job, complete" in caplog.text
    assert snapshot(news / "run4") == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["news", "--export", "jsonl,pdf"], "unknown export pdf"),
        (["nothere/"], "input nothere does not exist"),
        (["news", "--out", "afile"], "afile is a file"),
        (["news", "news/a0.txt"], "inputs news and news/a0.txt overlap"),
        (["news", "./news/"], "inputs news and news overlap"),
        (["news", "--max-document-bytes", "99999999999999999999"], "between 1 byte and 1,073,741,824 bytes"),
    ],
    ids=["unknown-export", "missing-input", "out-is-a-file", "nested-inputs", "same-input-twice", "huge-limit"],
)
def test_usage_errors_exit_2_before_any_model_loads_creating_nothing(
    news: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    argv = ["batch", *args] + ([] if "--out" in args else ["--out", "runX"])
    assert cli.main([*argv, "--model", "./no-such-model"]) == 2  # a loaded model would have failed with 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def batch(inputs: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "translator", "batch", str(inputs), "--out", str(out), "--model", str(TINY_MODEL),
        "--export", "jsonl,tsv,moses,tmx,xliff,html", "--no-memory", *extra,
    ]  # fmt: skip


def in_process(command: list[str]) -> subprocess.CompletedProcess[str]:
    """batch's `translator batch ...`, run by cli.main in this process."""
    assert command[:3] == [sys.executable, "-m", "translator"]
    ran = run_main(command[3:])
    return subprocess.CompletedProcess(ran.args, ran.returncode, ran.stdout.decode(), ran.stderr.decode())


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A JSONL feed of 120 documents and the outputs of an uninterrupted job over it."""
    from tests.conftest import load_pairs

    pairs = load_pairs()
    root = tmp_path_factory.mktemp("feed")
    lines = [
        json.dumps({"id": f"d{i:03d}", "text": f"{pairs[i % 40]['source']} {pairs[(i * 7) % 40]['source']}"})
        for i in range(120)
    ]
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    clean = in_process(batch(root / "feed.jsonl", root / "clean"))
    assert clean.returncode == 0, clean.stderr
    assert "\r" not in clean.stderr  # stderr is not a terminal: plain lines, no progress bar
    return root / "feed.jsonl", outputs(root / "clean")


def one_line_error(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert all(part in lines[0] for part in parts), lines[0]


def test_a_file_size_limit_is_one_line_and_the_job_resumes(feed: tuple[Path, dict[str, bytes]], tmp_path: Path) -> None:
    source, want = feed
    out = tmp_path / "out"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))

    limited = subprocess.run(batch(source, out), capture_output=True, text=True, preexec_fn=small_files)
    one_line_error(limited, "cannot write", str(out), "File too large")
    done = in_process(batch(source, out))
    assert done.returncode == 0, done.stderr
    assert outputs(out) == want


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_disk_and_a_read_only_folder_are_one_line_and_the_job_resumes(
    feed: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    source, want = feed
    with tmpfs(tmp_path / "disk", "48k") as disk:
        out = disk / "out"
        full = in_process(batch(source, out))
        one_line_error(full, "cannot write", str(out), "No space left on device")
        subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        read_only = in_process(batch(source, out))
        one_line_error(read_only, "cannot write", str(out), "Read-only file system")
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        done = in_process(batch(source, out))
        assert done.returncode == 0, done.stderr
        assert outputs(out) == want
        assert not list(out.rglob(".*.partial"))


def wait_for_commit(out: Path, proc: subprocess.Popen[bytes]) -> None:
    documents = out / "documents.jsonl"
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if documents.exists() and documents.stat().st_size > 0:
            return
        time.sleep(0.02)
    raise AssertionError("the job wrote nothing")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_says_how_to_resume_and_writes_the_manifest(
    tmp_path: Path, pairs: list[dict[str, str]], stop: signal.Signals
) -> None:
    lines = [json.dumps({"id": f"d{i:04d}", "text": pairs[i % 40]["source"]}) for i in range(800)]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen(batch(tmp_path / "feed.jsonl", out), stderr=subprocess.PIPE)
    wait_for_commit(out, proc)
    proc.send_signal(stop)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert err.decode().strip().splitlines()[-1] == "interrupted: run the same command to resume"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["complete"] is False and "interrupted" in manifest["timings"]["runs"][-1]
    assert manifest["counts"]["documents"] < 800  # what was committed before the signal (maybe nothing yet)
    done = in_process(batch(tmp_path / "feed.jsonl", out))
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    runs = manifest["timings"]["runs"]
    assert len(runs) == 2 and "interrupted" in runs[0] and "finished" in runs[1] and manifest["complete"]
    assert [d["id"] for d in read_jsonl(out / "documents.jsonl")] == [f"d{i:04d}" for i in range(800)]


def test_memory_clear_never_wipes_without_consent(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"

    def fill() -> None:
        memory = TranslationMemory(path)
        memory.store([("k", "Halo.", Translation("Hello.", ()))], "m", "r", DecodeOptions())
        memory.close()

    def entries() -> int:
        memory = TranslationMemory(path)
        try:
            return memory.stats().entries
        finally:
            memory.close()

    def translator(*args: str) -> str:
        return " ".join([sys.executable, "-m", "translator", "memory", *args, "--memory", str(path)])

    fill()
    # the README's three commands pasted as one pipeline: clear's stdin is a pipe, so it refuses
    pasted = (
        f"{translator('stats')} | {translator('export', '--tmx', str(tmp_path / 'tm.tmx'))} | {translator('clear')}"
    )
    piped = subprocess.run(["bash", "-c", pasted], capture_output=True, text=True)
    assert piped.returncode == 2 and "pass --yes" in piped.stderr
    assert entries() == 1

    for answer, left in ((b"n\n", 1), (b"y\n", 0)):
        main, replica = pty.openpty()
        os.write(main, answer)
        on_terminal = subprocess.run(translator("clear").split(), stdin=replica, capture_output=True)
        os.close(main)
        os.close(replica)
        assert b"Delete 1 entries" in on_terminal.stderr
        assert entries() == left

    fill()
    scripted = subprocess.run(translator("clear", "--yes").split(), capture_output=True)
    assert scripted.returncode == 0 and entries() == 0
