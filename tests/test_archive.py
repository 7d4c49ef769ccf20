"""Archive mode on the tiny model: a mixed archive, the exports, the memory, bad input, and crash-resume
(`translator batch` processes killed with SIGKILL; the rest of the command runs in-process)."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from markupsafe import escape
from translate.storage import tmx, xliff2

from tests.conftest import SHARED_DATA, TINY_MODEL, run_main
from tests.readers.test_inputs import patch_zip
from translator import Translator, archive
from translator.archive import JobOptions, run
from translator.errors import ArchiveError, RefusedError
from translator.memory import TranslationMemory
from translator.writers import page

ALL = ("jsonl", "tmx", "xliff", "tsv", "moses", "html")


def make_archive(root: Path, pairs: list[dict[str, str]]) -> dict[str, list[str]]:
    """A folder of every input type, good and bad; returns each good document's expected targets."""
    s = [p["source"] for p in pairs]
    t = [p["target"] for p in pairs]
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text(s[0] + s[1] + "\n\n" + s[2], encoding="utf-8")
    (root / "sub" / "b.md").write_text(s[3], encoding="utf-8")
    (root / "c.html").write_text(
        f"<html><head><title>t</title></head><body><nav><a href='/'>Beranda</a><a href='/p'>Politik</a></nav>"
        f"<article><h1>{s[4]}</h1><p>{s[5]} {s[6]}</p><p>{s[7]}</p></article><footer>Hak cipta</footer></body></html>",
        encoding="utf-8",
    )
    lines = [json.dumps({"id": "j1", "text": s[8], "title": ""}), "{not json", json.dumps({"id": "j3", "body": s[9]})]
    (root / "d.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (root / "e.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["id", "text"], ["c1", s[10]], ["c2", ""]])
    (root / "nocol.csv").write_text("id,body\nx,y\n", encoding="utf-8")
    with zipfile.ZipFile(root / "f.zip", "w") as z:
        z.writestr("x/g.txt", s[11])
        z.writestr("x/h.jsonl", json.dumps({"text": s[12]}) + "\n")
    data = s[13].encode()
    with tarfile.open(root / "k.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("y/k.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    (root / "bin.txt").write_bytes(b"\x00\x01\x02 binary")
    (root / "empty.txt").write_text("", encoding="utf-8")
    (root / "latin1.txt").write_bytes("Caf\xe9 \xfc".encode("latin-1"))
    return {
        "in/a.txt": [t[0], t[1], t[2]],
        "in/c.html": [t[4], t[5], t[6], t[7]],
        "j1": [t[8]],
        "c1": [t[10]],
        "in/f.zip!x/g.txt": [t[11]],
        "in/f.zip!x/h.jsonl#L1": [t[12]],
        "in/k.tar.gz!y/k.txt": [t[13]],
        "in/sub/b.md": [t[3]],
    }


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def archive_dir(tmp_path: Path, pairs: list[dict[str, str]]) -> tuple[Path, dict[str, list[str]]]:
    expected = make_archive(tmp_path / "in", pairs)
    return tmp_path / "in", expected


def test_mixed_archive_gives_memorised_translations_and_records_failures(
    tiny: Translator, archive_dir: tuple[Path, dict[str, list[str]]], tmp_path: Path
) -> None:
    inputs, expected = archive_dir
    result = run(JobOptions([inputs], tmp_path / "out", ALL), lambda: tiny)
    out = tmp_path / "out"
    docs = read_jsonl(out / "documents.jsonl")
    got = {d["id"]: [s["target"] for p in d["paragraphs"] for s in p["sentences"]] for d in docs}
    assert got == expected
    assert [d["id"] for d in docs] == sorted(expected, key=list(got).index)  # input order
    html_doc = next(d for d in docs if d["id"] == "in/c.html")
    assert len(html_doc["paragraphs"]) == 3 and "Beranda" not in html_doc["translation"]
    failures = {f["origin"]: f["reason"] for f in read_jsonl(out / "failures.jsonl")}
    assert failures == {
        "in/bin.txt": "binary file, not text",
        "in/d.jsonl#L2": failures["in/d.jsonl#L2"],
        "in/d.jsonl#L3": "no text field 'text'",
        "in/e.csv#R2": "row has no 'text' value",
        "in/empty.txt": "empty file",
        "in/latin1.txt": "not UTF-8 text (byte 3)",
        "in/nocol.csv": "no 'text' column (columns: id, body)",
    }
    assert failures["in/d.jsonl#L2"].startswith("line is not JSON")
    manifest = json.loads((out / "manifest.json").read_text())
    assert result.failed == manifest["counts"]["failed"] == 7
    assert manifest["counts"]["translated"] == 8 and manifest["counts"]["documents"] == 15
    assert {f["origin"] for f in manifest["failures"]} == set(failures)
    assert manifest["provenance"]["model"] == "tiny-id-en"
    assert manifest["flags"] == {}  # the memorised pairs of this archive raise none
    assert all(d["summary"]["sentences"] == len(expected[d["id"]]) for d in docs)

    index = (out / "html" / "index.html").read_text(encoding="utf-8")
    for origin, reason in failures.items():  # the failed documents too, with their reasons
        said = f'<span class="count">not translated: {escape(reason)}</span>'
        assert f'<li class="failed"><span>{escape(origin)}</span> {said}</li>' in index
    assert len(re.findall(r"<li(?: class=\"failed\")?>.*?</li>", index)) == 15
    assert '>j1</a> <span class="count">1 sentence</span>' in index  # no "(1 sentences)"
    assert '>in/a.txt</a> <span class="count">3 sentences</span>' in index
    first = (out / "html" / page.page_name("in/a.txt")).read_text(encoding="utf-8")  # named from the id
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in first
    assert '<span class="details">in/a.txt · tiny-id-en@' in first  # no empty slot for the missing date
    assert '<link rel="stylesheet" href="page.css">' in first and '<script src="page.js" defer>' in first
    for asset in page.ASSET_NAMES:
        assert (out / "html" / asset).read_bytes() == (page.ASSETS / asset).read_bytes()


def test_exports_load_and_keep_ids_and_provenance(
    tiny: Translator, archive_dir: tuple[Path, dict[str, list[str]]], tmp_path: Path
) -> None:
    inputs, expected = archive_dir
    out = tmp_path / "out"
    run(JobOptions([inputs], out, ALL), lambda: tiny)
    pairs = [(d, s) for d in read_jsonl(out / "documents.jsonl") for p in d["paragraphs"] for s in p["sentences"]]

    tm = tmx.tmxfile.parsefile(str(out / "corpus.tmx"))
    units = list(tm.unit_iter())
    assert [(u.source, u.target) for u in units] == [(s["source"], s["target"]) for _, s in pairs]
    assert [u.xmlelement.get("tuid") for u in units] == [f"{d['id']}#{s['id']}" for d, s in pairs]
    props = [{p.get("type"): p.text for p in u.xmlelement.findall("prop")} for u in units]
    assert [(p["x-doc-id"], p["x-sentence-id"]) for p in props] == [(d["id"], s["id"]) for d, s in pairs]
    header = {p.get("type"): p.text for p in tm.document.getroot().find("header").findall("prop")}
    assert header["x-provenance-model"] == "tiny-id-en" and header["x-provenance-beam_size"] == "4"

    xl = xliff2.Xliff2File.parsefile(str(out / "corpus.xlf"))
    xunits = list(xl.unit_iter())
    assert [(u.source, u.target) for u in xunits] == [(s["source"], s["target"]) for _, s in pairs]
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    notes = [u.getunitelement().xpath("x:notes/x:note/text()", namespaces=ns) for u in xunits]
    for note, (d, s) in zip(notes, pairs, strict=True):
        assert f"doc-id: {d['id']}" in note and f"sentence-id: {s['id']}" in note
    [origin] = xl.document.getroot().xpath("x:file/x:notes/x:note/text()", namespaces=ns)
    assert origin.startswith("provenance: ") and "model=tiny-id-en" in origin

    source_lines = (out / "corpus.id").read_text(encoding="utf-8").splitlines()
    target_lines = (out / "corpus.en").read_text(encoding="utf-8").splitlines()
    assert len(source_lines) == len(target_lines) == len(pairs) == sum(len(v) for v in expected.values())

    rows = (out / "pairs.tsv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "doc_id\tsentence_id\tsource\ttarget\tflags" and len(rows) == len(pairs) + 1

    index = (out / "html" / "index.html").read_text(encoding="utf-8")
    assert index.count("<li>") == len(expected)

    if not SHARED_DATA.is_dir():
        pytest.skip(f"the XLIFF schema is in the shared data, not found at {SHARED_DATA}")
    schema = etree.XMLSchema(etree.parse(str(SHARED_DATA / "schemas" / "xliff-core-2.0.xsd")))
    schema.assertValid(etree.parse(str(out / "corpus.xlf")))


def test_html_pages_escape_their_text(tiny: Translator, tmp_path: Path, pairs: list[dict[str, str]]) -> None:
    (tmp_path / "in").mkdir()
    nasty = pairs[0]["source"] + ' <script>alert("x")</script><img src=x onerror=alert(1)>'
    (tmp_path / "in" / "x.txt").write_text(nasty, encoding="utf-8")
    run(JobOptions([tmp_path / "in"], tmp_path / "out", ("jsonl", "html")), lambda: tiny)
    [page] = [p for p in (tmp_path / "out" / "html").glob("*x-txt-*.html")]  # named from the id
    text = page.read_text(encoding="utf-8")
    assert "<script>" not in text and "<img" not in text and "&lt;script&gt;" in text


def test_memory_second_run_and_repeats(tmp_path: Path, pairs: list[dict[str, str]]) -> None:
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    rng = random.Random(3)
    distinct = [p["source"] for p in pairs[:20]]
    # 30% of the sentences repeat an earlier one
    sentences = distinct + [rng.choice(distinct) for _ in range(9)]
    rng.shuffle(sentences)
    lines = [json.dumps({"id": f"d{i}", "text": s}) for i, s in enumerate(sentences)]
    (tmp_path / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def job(out: str) -> dict[str, int]:
        translator = Translator.load(str(TINY_MODEL), backend="hf", device="cpu")
        translator.memory = memory
        run(JobOptions([tmp_path / "news.jsonl"], tmp_path / out), lambda: translator)
        counts: dict[str, int] = json.loads((tmp_path / out / "manifest.json").read_text())["counts"]
        return counts

    first = job("one")
    assert first["model_sentences"] == len(set(sentences)) == 20
    assert first["sentences"] == 29
    second = job("two")
    assert second["model_sentences"] == 0 and second["memory_hits"] == 20
    assert (tmp_path / "one" / "documents.jsonl").read_bytes() == (tmp_path / "two" / "documents.jsonl").read_bytes()


def test_resuming_with_other_options_refuses_unless_restart(
    tiny: Translator, archive_dir: tuple[Path, dict[str, list[str]]], tmp_path: Path
) -> None:
    inputs, _ = archive_dir
    out = tmp_path / "out"
    run(JobOptions([inputs], out, ("jsonl", "tsv")), lambda: tiny)
    with pytest.raises(ArchiveError, match="other exports"):  # more exports are written; fewer are refused
        run(JobOptions([inputs], out), lambda: tiny)
    run(JobOptions([inputs], out, restart=True), lambda: tiny)
    assert not (out / "pairs.tsv").exists()


def test_an_engine_s_scratch_files_go_when_the_job_completes_and_on_restart(
    tiny: Translator, archive_dir: tuple[Path, dict[str, list[str]]], tmp_path: Path
) -> None:
    """A job begun on Ray and finished here (engines may change across resumes) leaves no chunk results."""
    inputs, _ = archive_dir
    out = tmp_path / "out"
    stale = out / archive.SCRATCH / "ray" / "0.pickle"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"a chunk result")
    run(JobOptions([inputs], out), lambda: tiny)
    assert not (out / archive.SCRATCH).exists()
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"a chunk result")
    run(JobOptions([inputs], out, ("jsonl", "tsv"), restart=True), lambda: tiny)
    assert not (out / archive.SCRATCH).exists()


def batch_command(inputs: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "translator", "batch", str(inputs), "--out", str(out), "--model", str(TINY_MODEL),
        "--export", ",".join(ALL), "--no-memory", "--quiet", *extra,
    ]  # fmt: skip


def in_process(command: list[str]) -> subprocess.CompletedProcess[bytes]:
    """batch_command's `translator batch ...`, run by cli.main in this process."""
    assert command[:3] == [sys.executable, "-m", "translator"]
    return run_main(command[3:])


def test_cli_exit_codes(archive_dir: tuple[Path, dict[str, list[str]]], tmp_path: Path) -> None:
    inputs, _ = archive_dir
    done = in_process(batch_command(inputs, tmp_path / "out"))
    assert done.returncode == 3, done.stderr  # some documents failed
    good = in_process(batch_command(inputs / "a.txt", tmp_path / "good"))
    assert good.returncode == 0, good.stderr
    other = in_process(batch_command(inputs, tmp_path / "out", "--beam", "2"))
    err = other.stderr.decode()
    assert other.returncode == 2 and "use --restart" in err and len(err.strip().splitlines()) == 1


def outputs(out: Path) -> dict[str, bytes]:
    skip = {"manifest.json", "ledger.sqlite", "ledger.sqlite-journal", "job.lock"}
    return {
        str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and p.name not in skip
    }


def unfamiliar(rng: random.Random, words: list[str]) -> str:
    """A sentence of the tiny model's words in an order it never saw: its output loops and hits its cap."""
    return " ".join(rng.choice(words) for _ in range(rng.randint(4, 24))).capitalize() + "."


def chaos_archive(root: Path, pairs: list[dict[str, str]]) -> set[str]:
    """Two hundred documents, memorised and unfamiliar text, with broken records sprinkled in; returns
    where the broken records are."""
    rng = random.Random(5)
    words = sorted({w.strip(".,!?") for p in pairs for w in p["source"].split()})
    root.mkdir()
    lines: list[str] = []
    broken = {"in/binary.txt", "in/more.zip!secret.txt", "in/old.tar.gz"}
    for i in range(200):
        sentences = [rng.choice(pairs)["source"] if rng.random() < 0.5 else unfamiliar(rng, words) for _ in range(3)]
        lines.append(json.dumps({"id": f"doc-{i:03d}", "text": " ".join(sentences)}))
        if i % 40 == 7:
            broken |= {f"in/news.jsonl#L{len(lines) + n}" for n in (1, 2, 3)}
            lines += ["{broken json", '{"id": "s", "text": "Dia \\ud800 warung."}', "[" * 100_000 + "]" * 100_000]
    (root / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "binary.txt").write_bytes(b"\x00\x01 not text")
    with zipfile.ZipFile(root / "more.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.txt", pairs[0]["source"])
        z.writestr("secret.txt", pairs[1]["source"])
        z.writestr("b.txt", unfamiliar(rng, words))
    patch_zip(root / "more.zip", "secret.txt", flags=0x1)  # encrypted
    with tarfile.open(root / "old.tar.gz", "w:gz") as tar:
        for i in range(10):
            data = " ".join(unfamiliar(rng, words) for _ in range(20)).encode()
            info = tarfile.TarInfo(f"old/{i:02d}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    data = bytearray((root / "old.tar.gz").read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)  # damage in the middle of the stream
    (root / "old.tar.gz").write_bytes(bytes(data))
    return broken


def test_chaos_sigkill_at_random_moments_then_resume_gives_identical_outputs(
    tmp_path: Path, pairs: list[dict[str, str]]
) -> None:
    broken = chaos_archive(tmp_path / "in", pairs)
    clean = in_process(batch_command(tmp_path / "in", tmp_path / "clean"))
    assert clean.returncode == 3, clean.stderr
    want = outputs(tmp_path / "clean")
    flags = json.loads((tmp_path / "clean" / "manifest.json").read_text())["flags"]
    assert flags.get("truncated") and flags.get("retried")  # the tiny model really looped on this text
    sentences = [
        s for d in read_jsonl(tmp_path / "clean" / "documents.jsonl") for p in d["paragraphs"] for s in p["sentences"]
    ]
    assert all(
        s["confidence"] for s in sentences if s["origin"] == "model"
    )  # compared below with the rest, byte for byte

    rng = random.Random(11)
    out = tmp_path / "killed"
    documents, final = out / "documents.jsonl", len(want["documents.jsonl"])
    command = batch_command(tmp_path / "in", out)
    kills = 0
    for attempt in range(20):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kills < 5:
            # kill at a random point of the work left, however fast this machine is
            done = documents.stat().st_size if documents.exists() else 0
            target = done + rng.uniform(0.0, 0.5) * (final - done)
            deadline = time.monotonic() + 120
            while proc.poll() is None and time.monotonic() < deadline:
                if documents.exists() and documents.stat().st_size > target:
                    break
                time.sleep(0.005)
            if attempt == 0:  # a second run on the same --out refuses at once, naming the holder
                second = in_process(command)
                assert second.returncode == 2
                assert f"in use by another translator batch (pid {proc.pid})" in second.stderr.decode()
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
        code = proc.wait(timeout=300)
        if code == 3:
            break
    assert kills >= 5 and code == 3
    got = outputs(out)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], name
    ids = [d["id"] for d in read_jsonl(out / "documents.jsonl")]
    assert [i for i in ids if i.startswith("doc-")] == [f"doc-{i:03d}" for i in range(200)]  # none lost or twice
    failed = {f["origin"] for f in read_jsonl(out / "failures.jsonl")}
    assert broken <= failed  # every broken record is a failure record (the damage may spoil a member too)
    assert not {f for f in failed - broken if not f.startswith("in/old.tar.gz!")}


# -- a job's outputs rebuilt from what it holds; counts across resumes; duplicate ids ---------------------------


def listed_archive(root: Path, pairs: list[dict[str, str]]) -> Path:
    """make_archive's folder and a Markdown list, whose sentences start lines after block markers."""
    make_archive(root, pairs)
    s = [p["source"] for p in pairs]
    (root / "list.md").write_text(f"# {s[14]}\n\n- {s[15]}\n- {s[16]}\n  {s[17]}\n", encoding="utf-8")
    return root


def test_a_finished_job_asked_for_more_exports_writes_them_from_what_it_holds(
    tiny: Translator, tmp_path: Path, pairs: list[dict[str, str]]
) -> None:
    inputs = listed_archive(tmp_path / "in", pairs)
    run(JobOptions([inputs], tmp_path / "whole", ALL, config=tiny.config), lambda: tiny)
    want = outputs(tmp_path / "whole")
    out = tmp_path / "out"
    run(JobOptions([inputs], out, ("jsonl", "tsv", "html"), config=tiny.config), lambda: tiny)

    def never_load() -> Translator:
        raise AssertionError("the model was loaded")

    result = run(JobOptions([inputs], out, ALL, config=tiny.config), never_load)
    assert result.rebuilt == ("tmx", "xliff", "moses") and not result.already_complete
    assert outputs(out) == want
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in (tmp_path / "whole").iterdir())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["exports"] == sorted(ALL) and manifest["complete"]
    again = run(JobOptions([inputs], out, ALL, config=tiny.config), never_load)
    assert again.already_complete and not again.rebuilt


@pytest.mark.parametrize("where", ["writing", "moving"])
def test_a_rebuild_cut_short_then_run_again_gives_the_same_bytes(
    tiny: Translator, tmp_path: Path, pairs: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    inputs = listed_archive(tmp_path / "in", pairs)
    run(JobOptions([inputs], tmp_path / "whole", ALL, config=tiny.config), lambda: tiny)
    out = tmp_path / "out"
    run(JobOptions([inputs], out, ("jsonl",), config=tiny.config), lambda: tiny)
    calls = [0]

    def dies(original: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            if calls[0] == 3:
                raise KeyboardInterrupt
            return original(*args, **kwargs)

        return call

    from translator import rebuild
    from translator.writers import tmx as tmx_export

    if where == "writing":
        monkeypatch.setattr(tmx_export.Writer, "write", dies(tmx_export.Writer.write))
    else:
        monkeypatch.setattr(rebuild, "_move", dies(rebuild._move))
    with pytest.raises(KeyboardInterrupt):
        run(JobOptions([inputs], out, ALL, config=tiny.config), lambda: tiny)
    monkeypatch.undo()
    run(JobOptions([inputs], out, ALL, config=tiny.config), lambda: tiny)
    assert outputs(out) == outputs(tmp_path / "whole")


def interrupt_after(documents: int, seen: list[archive.Progress]) -> Any:
    def report(progress: archive.Progress) -> None:
        seen.append(replace(progress))
        if progress.documents == documents:
            raise KeyboardInterrupt

    return report


def test_an_unfinished_job_asked_for_more_exports_goes_on_with_them_and_refuses_fewer(
    tiny: Translator, tmp_path: Path, pairs: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = listed_archive(tmp_path / "in", pairs)
    run(JobOptions([inputs], tmp_path / "whole", ALL), lambda: tiny)
    monkeypatch.setattr(archive, "_COMMIT_SECONDS", 0.0)  # every document committed
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run(JobOptions([inputs], out, ("jsonl", "tsv")), lambda: tiny, interrupt_after(5, []))
    with pytest.raises(RefusedError, match=r"other exports: tsv would be dropped"):
        run(JobOptions([inputs], out, ("jsonl", "html")), lambda: tiny)
    run(JobOptions([inputs], out, ALL), lambda: tiny)
    assert outputs(out) == outputs(tmp_path / "whole")


def test_counts_after_a_resume_are_the_job_s_own(
    tiny: Translator, tmp_path: Path, pairs: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The progress line and the manifest count the whole job, whatever runs it took: documents and sentences
    as finished, memory hits and model sentences once each (never more than its sentences)."""
    lines = [
        json.dumps({"id": f"d{i:02d}", "text": pairs[i]["source"] + " " + pairs[i + 1]["source"]}) for i in range(12)
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole = run(JobOptions([tmp_path / "feed.jsonl"], tmp_path / "whole"), lambda: tiny)
    want = json.loads(whole.manifest.read_text(encoding="utf-8"))["counts"]
    monkeypatch.setattr(archive, "_COMMIT_SECONDS", 0.0)
    out, seen = tmp_path / "out", []
    with pytest.raises(KeyboardInterrupt):
        run(JobOptions([tmp_path / "feed.jsonl"], out), lambda: tiny, interrupt_after(5, seen))
    resumed = run(JobOptions([tmp_path / "feed.jsonl"], out), lambda: tiny, interrupt_after(-1, seen))
    counts = json.loads(resumed.manifest.read_text(encoding="utf-8"))["counts"]
    assert (counts["documents"], counts["sentences"]) == (want["documents"], want["sentences"]) == (12, 24)
    assert counts["memory_hits"] + counts["model_sentences"] <= counts["sentences"]
    last = seen[-1]
    assert (last.documents, last.sentences) == (12, 24)
    assert (last.memory_hits, last.model_sentences) == (counts["memory_hits"], counts["model_sentences"])
    assert [p.documents for p in seen] == list(range(1, 13))  # the resumed run goes on from 6, not from 1


def test_a_second_record_with_the_same_id_is_a_failure_naming_the_first(
    tiny: Translator, tmp_path: Path, pairs: list[dict[str, str]]
) -> None:
    records = [("a", 0), ("b", 1), ("a", 2), ("c", 3), ("b", 4)]
    lines = [json.dumps({"id": doc_id, "text": pairs[i]["source"]}) for doc_id, i in records]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(JobOptions([tmp_path / "feed.jsonl"], tmp_path / "out"), lambda: tiny)
    assert (result.documents, result.failed) == (5, 2)
    assert [d["id"] for d in read_jsonl(tmp_path / "out" / "documents.jsonl")] == ["a", "b", "c"]
    assert [(f["origin"], f["reason"]) for f in read_jsonl(tmp_path / "out" / "failures.jsonl")] == [
        ("feed.jsonl#L3", "the same id 'a' as feed.jsonl#L1"),
        ("feed.jsonl#L5", "the same id 'b' as feed.jsonl#L2"),
    ]


def test_batch_help_says_the_default_exports() -> None:
    done = run_main(["batch", "--help"])
    assert done.returncode == 0
    assert "(default: jsonl)" in " ".join(done.stdout.decode().split())


def test_a_rebuild_from_damaged_documents_is_one_error_naming_the_file(
    tiny: Translator, news: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run(JobOptions([news], out, config=tiny.config), lambda: tiny)
    documents = out / "documents.jsonl"
    documents.write_bytes(documents.read_bytes()[:-40])  # the last document cut short
    with pytest.raises(ArchiveError, match=r"documents.jsonl \(before byte \d+\) is not as the job wrote it"):
        run(JobOptions([news], out, ("jsonl", "tmx"), config=tiny.config), lambda: tiny)
    assert not (out / "corpus.tmx").exists()


def test_a_job_of_version_0_1_finished_and_asked_for_more_exports_writes_them(
    tiny: Translator, news: Path, tmp_path: Path
) -> None:
    """Version 0.1 kept a job's exports in its signature; its documents are rebuilt with the provenance they
    were made with."""
    out = tmp_path / "out"
    run(JobOptions([news], out, config=tiny.config), lambda: tiny)
    with sqlite3.connect(out / archive.LEDGER) as db:
        (text,) = db.execute("SELECT value FROM meta WHERE key = 'signature'").fetchone()
        old = {**json.loads(text), "exports": ["jsonl"]}
        old["provenance"]["version"] = "0.1.0"
        db.execute("UPDATE meta SET value = ? WHERE key = 'signature'", (json.dumps(old, sort_keys=True),))
        db.execute("DELETE FROM meta WHERE key = 'exports'")
    result = run(JobOptions([news], out, ("jsonl", "tmx"), config=tiny.config), lambda: tiny)
    assert result.rebuilt == ("tmx",)
    assert '<prop type="x-provenance-version">0.1.0</prop>' in (out / "corpus.tmx").read_text(encoding="utf-8")
    with pytest.raises(RefusedError, match="other exports and provenance"):  # and a new version never goes on with it
        run(JobOptions([news], out, ("jsonl", "tmx")), lambda: tiny)
