"""The `translator` command as a user runs it: stdin/stdout, exit codes, one-line errors. In-process
(`run_main`), but for the console script, run as a subprocess."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA, TINY_MODEL, needs_shared_data, run_main
from translator import Translator, files


def run(*args: str, stdin: str | bytes = "") -> subprocess.CompletedProcess[bytes]:
    return run_main(args, stdin)


def lines(out: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.decode().splitlines()]


def test_segment_from_stdin_with_the_console_script() -> None:
    exe = shutil.which("translator", path=str(Path(sys.executable).parent))  # the venv's scripts folder
    assert exe, "the package is not installed: pip install -e ."
    text = "Dr. Budi tiba pukul 10.30 WIB.Ia langsung rapat."
    result = subprocess.run([exe, "segment"], input=text.encode(), capture_output=True)
    assert result.returncode == 0
    records = lines(result.stdout)
    assert [r["text"] for r in records] == ["Dr. Budi tiba pukul 10.30 WIB.", "Ia langsung rapat."]
    assert all(text[r["start"] : r["end"]] == r["text"] for r in records)  # type: ignore[misc]
    assert [r["paragraph"] for r in records] == [0, 0]


@needs_shared_data()
def test_segment_seed_article_file() -> None:
    result = run("segment", str(SHARED_DATA / "seed-article.txt"))
    gold = [
        s
        for line in (SHARED_DATA / "segmentation" / "seed.jsonl").read_text(encoding="utf-8").splitlines()
        for s in json.loads(line)["sentences"]
    ]
    assert [r["text"] for r in lines(result.stdout)] == gold


def two_paragraphs(pairs: list[dict[str, str]]) -> str:
    return (
        pairs[0]["source"]
        + pairs[1]["source"]
        + " "
        + pairs[2]["source"]
        + "\n\n"
        + pairs[3]["source"]
        + " "
        + pairs[4]["source"]
        + pairs[5]["source"]
        + "\n"
    )


def test_translate_json(pairs: list[dict[str, str]]) -> None:
    text = two_paragraphs(pairs)
    result = run("translate", "--model", str(TINY_MODEL), "--format", "json", "--id", "berita-1", stdin=text)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["id"] == "berita-1"
    assert [[s["target"] for s in p["sentences"]] for p in doc["paragraphs"]] == [
        [p["target"] for p in pairs[0:3]],
        [p["target"] for p in pairs[3:6]],
    ]
    for p in doc["paragraphs"]:
        for s in p["sentences"]:
            assert text[s["start"] : s["end"]] == s["source"]
    assert doc["translation"].split("\n\n") == [
        " ".join(p["target"] for p in pairs[0:3]),
        " ".join(p["target"] for p in pairs[3:6]),
    ]
    assert set(doc["provenance"]) == {"model", "revision", "backend", "beam_size", "segmenter", "version"}


def test_translate_text_jsonl_and_tsv_from_a_file(tmp_path: Path, pairs: list[dict[str, str]]) -> None:
    path = tmp_path / "berita.txt"
    path.write_text(two_paragraphs(pairs), encoding="utf-8")
    model = ["--model", str(TINY_MODEL)]
    text = run("translate", str(path), *model)
    assert text.stdout.decode() == (
        " ".join(p["target"] for p in pairs[0:3]) + "\n\n" + " ".join(p["target"] for p in pairs[3:6]) + "\n"
    )
    jsonl = lines(run("translate", str(path), *model, "--format", "jsonl").stdout)
    assert [r["target"] for r in jsonl] == [p["target"] for p in pairs[:6]]
    assert [r["paragraph"] for r in jsonl] == [0, 0, 0, 1, 1, 1]
    page = run("translate", str(path), *model, "--format", "html").stdout.decode()
    assert page.startswith("<!doctype html>") and "index.html" not in page
    assert len(re.findall(r'<span class="pair[ "]', page)) == 6
    assert "<style>" in page and "<link" not in page and 'src="' not in page  # one file: the assets inline
    tsv = run("translate", str(path), *model, "--format", "tsv").stdout.decode().splitlines()
    assert tsv[0] == "doc_id\tsentence_id\tsource\ttarget\tflags"  # pairs.tsv's header and columns
    assert [row.split("\t") for row in tsv[1:]] == [
        ["doc", f"p{i // 3}s{i % 3}", p["source"], p["target"], ""] for i, p in enumerate(pairs[:6])
    ]


def test_tiny_model_through_environment_variable(pairs: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSLATOR_MODEL", str(TINY_MODEL))
    env_run = run("translate", stdin=pairs[7]["source"])
    assert env_run.stdout.decode().strip() == pairs[7]["target"]


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["translate", "--format", "xml"], b"", 2, "invalid choice"),
        (["translate", "--beam", "x"], b"", 2, "invalid int value"),
        (["frobnicate"], b"", 2, "invalid choice"),
        ([], b"", 2, "required"),
        (["translate", "--beam", "0", "--model", str(TINY_MODEL)], b"Halo.", 1, "beam_size must be between"),
        (["translate", "/no/such/file.txt", "--model", str(TINY_MODEL)], b"", 1, "cannot read /no/such/file.txt"),
        (["segment"], b"\xff\xfe\x00abc", 1, "not UTF-8 text (byte 0"),
        (["translate", "--model", "./no-such-model"], b"Halo.", 1, "does not exist"),
    ],
)
def test_errors_are_one_line_with_the_right_exit_code(args: list[str], stdin: bytes, code: int, message: str) -> None:
    result = run(*args, stdin=stdin)
    assert result.returncode == code
    err = result.stderr.decode()
    assert len(err.strip().splitlines()) == 1, err
    assert message in err
    assert result.stdout == b""


@pytest.mark.parametrize(
    "stdin",
    [b"", b"   \n\n\t", b"Iya\x00 benar.\x00", b"\xef\xbb\xbfIya benar, dia sedang jaga warung."],
    ids=["empty", "whitespace", "nul-bytes", "bom"],
)
def test_bad_input_on_stdin(stdin: bytes) -> None:
    result = run("translate", "--model", str(TINY_MODEL), "--format", "json", stdin=stdin)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    source = stdin.decode("utf-8-sig")
    assert all(source[s["start"] : s["end"]] == s["source"] for p in doc["paragraphs"] for s in p["sentences"])


def test_segment_a_one_megabyte_line() -> None:
    text = ("Kata demi kata ditulis tanpa henti " * 40_000)[: 1 << 20]
    result = run("segment", stdin=text)
    assert result.returncode == 0
    [record] = lines(result.stdout)
    assert record["text"] == text.strip()


LOOPING = "Iya benar dia sedang"  # the tiny model stutters on this fragment at beam 1 (tests/test_pipeline.py)


def flags_of(result: subprocess.CompletedProcess[bytes]) -> list[object]:
    assert result.returncode == 0, result.stderr
    [record] = lines(result.stdout)
    return record["flags"]  # type: ignore[return-value]


def test_translate_honours_retry_loops_from_the_environment_and_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    command = ("translate", "--model", str(TINY_MODEL), "--beam", "1", "--format", "jsonl")
    assert "retried" in flags_of(run(*command, stdin=LOOPING))  # on by default, as in the server
    assert "retried" not in flags_of(run(*command, "--no-retry-loops", stdin=LOOPING))
    monkeypatch.setenv("TRANSLATOR_RETRY_LOOPS", "0")
    off = flags_of(run(*command, stdin=LOOPING))
    assert "repetition" in off and "retried" not in off  # the loop is kept and flagged, not retried
    assert "retried" in flags_of(run(*command, "--retry-loops", stdin=LOOPING))  # the flag beats the variable
    monkeypatch.setenv("TRANSLATOR_RETRY_LOOPS", "sometimes")
    bad = run(*command, stdin=LOOPING)
    assert bad.returncode == 2 and b"TRANSLATOR_RETRY_LOOPS='sometimes'" in bad.stderr


@pytest.mark.parametrize("how", ["env", "flag"])
def test_batch_honours_retry_loops(how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text(LOOPING, encoding="utf-8")
    command = ["batch", str(tmp_path / "a.txt"), "--model", str(TINY_MODEL), "--beam", "1", "--no-memory"]
    on = run(*command, "--out", str(tmp_path / "on"))
    if how == "env":
        monkeypatch.setenv("TRANSLATOR_RETRY_LOOPS", "false")
    else:
        command.append("--no-retry-loops")
    off = run(*command, "--out", str(tmp_path / "off"))
    assert on.returncode == off.returncode == 0, (on.stderr, off.stderr)
    flags = {
        name: json.loads((tmp_path / name / "manifest.json").read_text(encoding="utf-8"))["flags"]
        for name in ("on", "off")
    }
    assert flags["on"].get("retried") == 1 and not flags["off"].get("retried")
    assert flags["off"].get("repetition") == 1


def test_translate_file_says_how_many_sentences_had_their_markup_placed_by_a_guess(
    tmp_path: Path, tiny: Translator
) -> None:
    """One line, with the count the file's result has (the tiny model's English shares few words with the source);
    none for a file whose markup was all placed surely."""
    page = "".join(f"<p>Saya ingin beli <b>{n}</b> tiket untuk laga <i>persebaya</i> vs arema.</p>" for n in range(4))
    (tmp_path / "laga.html").write_text(page, encoding="utf-8")
    parsed = files.parse("laga.html", page.encode())
    moved = parsed.translated([s.target for s in tiny.translate_sentences(parsed.sources())]).flags["markup_moved"]
    run = run_main(["translate-file", str(tmp_path / "laga.html"), "--model", str(TINY_MODEL)])
    assert run.returncode == 0, run.stderr
    said = [line for line in run.stderr.decode().splitlines() if "markup_moved" in line]
    assert moved > 0 and len(said) == 1 and f"in {moved} sentence(s)" in said[0], run.stderr
    (tmp_path / "polos.html").write_text("<p>Halo.</p>", encoding="utf-8")
    plain = run_main(["translate-file", str(tmp_path / "polos.html"), "--model", str(TINY_MODEL)])
    assert plain.returncode == 0 and b"markup_moved" not in plain.stderr, plain.stderr


def test_translate_file_writes_the_same_format_in_english(tmp_path: Path, pairs: list[dict[str, str]]) -> None:
    cues = f"1\n00:00:01,000 --> 00:00:02,000\n{pairs[0]['source']}\n"
    (tmp_path / "berita.srt").write_text(cues, encoding="utf-8")
    run = run_main(["translate-file", str(tmp_path / "berita.srt"), "--model", str(TINY_MODEL)])
    assert run.returncode == 0, run.stderr
    out = (tmp_path / "berita.en.srt").read_text(encoding="utf-8").split("\n")
    assert out[:2] == ["1", "00:00:01,000 --> 00:00:02,000"] and " ".join(out[2:]).strip() == pairs[0]["target"]
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    bad = run_main(["translate-file", str(tmp_path / "a.pdf"), "--model", str(TINY_MODEL)])
    assert (
        bad.returncode == 1 and bad.stderr.decode().count("\n") == 1 and "cannot translate .pdf" in bad.stderr.decode()
    )
    assert not (tmp_path / "a.en.pdf").exists()
