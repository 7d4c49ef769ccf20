"""`translator translate-file`: the file in, NAME.en.SUFFIX (or --out) beside it, never over a file without --force."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import docx
import pytest

from tests.conftest import TINY_MODEL, run_main
from tests.files.test_docx import annotated

MODEL = ["--model", str(TINY_MODEL)]


def test_the_help_says_what_is_written_and_where() -> None:
    listed = " ".join(run_main(["--help"]).stdout.decode().split())  # as read, whatever the wrapping
    assert "in place" not in listed and "NAME.en.SUFFIX" in listed
    own = run_main(["translate-file", "--help"]).stdout.decode()
    assert "NAME.en.SUFFIX" in own and "--force" in own


def test_an_existing_output_is_refused_in_one_line_unless_forced(tmp_path: Path, pairs: list[dict[str, str]]) -> None:
    source, out = tmp_path / "berita.txt", tmp_path / "berita.en.txt"
    source.write_text(pairs[0]["source"] + "\n", encoding="utf-8")
    out.write_text("earlier work\n", encoding="utf-8")
    refused = run_main(["translate-file", str(source), *MODEL])
    err = refused.stderr.decode()
    assert refused.returncode != 0 and err.count("\n") == 1, err
    assert str(out) in err and "--force" in err
    assert out.read_text(encoding="utf-8") == "earlier work\n"
    forced = run_main(["translate-file", str(source), *MODEL, "--force"])
    assert forced.returncode == 0, forced.stderr
    assert out.read_text(encoding="utf-8") == pairs[0]["target"] + "\n"


def test_an_existing_out_is_refused_too(tmp_path: Path, pairs: list[dict[str, str]]) -> None:
    (tmp_path / "a.txt").write_text(pairs[0]["source"], encoding="utf-8")
    (tmp_path / "mine.txt").write_text("keep", encoding="utf-8")
    refused = run_main(["translate-file", str(tmp_path / "a.txt"), "--out", str(tmp_path / "mine.txt"), *MODEL])
    assert refused.returncode != 0 and (tmp_path / "mine.txt").read_text(encoding="utf-8") == "keep"


def test_markdown_is_translated_as_markdown(tmp_path: Path, pairs: list[dict[str, str]]) -> None:
    for suffix in (".md", ".markdown"):
        source = tmp_path / f"catatan{suffix}"
        source.write_text(f"# {pairs[0]['source']}\n\n- {pairs[1]['source']}\n", encoding="utf-8")
        run = run_main(["translate-file", str(source), *MODEL])
        assert run.returncode == 0, run.stderr
        english = (tmp_path / f"catatan.en{suffix}").read_text(encoding="utf-8")
        assert english == f"# {pairs[0]['target']}\n\n- {pairs[1]['target']}\n"


def test_force_replaces_a_regular_file_only(tmp_path: Path, pairs: list[dict[str, str]]) -> None:
    """--force renames the English over a file: over a link, a device or a pipe (`--out /dev/stdout` run by
    root) that would replace the link or the device node itself, so it is refused in one line, nothing touched."""
    source = tmp_path / "a.txt"
    source.write_text(pairs[0]["source"], encoding="utf-8")
    (tmp_path / "mine.txt").write_text("keep", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(tmp_path / "mine.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    for name in ("link.txt", "pipe.txt"):
        refused = run_main(["translate-file", str(source), "--out", str(tmp_path / name), "--force", *MODEL])
        err = refused.stderr.decode()
        assert refused.returncode != 0 and err.count("\n") == 1 and "not a regular file" in err, err
    assert (tmp_path / "link.txt").is_symlink() and (tmp_path / "mine.txt").read_text(encoding="utf-8") == "keep"
    assert stat.S_ISFIFO((tmp_path / "pipe.txt").lstat().st_mode)


def test_what_is_left_untranslated_is_said_and_a_family_can_be_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "berita.docx"
    source.write_bytes(annotated())
    monkeypatch.setenv("TRANSLATOR_DOCUMENT_SKIP", "footnotes")  # the option below is laid over it
    done = run_main(["translate-file", str(source), *MODEL, "--skip", "comments"])
    err = done.stderr.decode()
    assert done.returncode == 0, err
    said = next(line for line in err.splitlines() if "left untranslated" in line)
    assert said.endswith("charts 1, comments 1, field_results 1, image_descriptions 1, tracked_deletions 1")
    english = docx.Document(str(tmp_path / "berita.en.docx"))
    assert [c.text for c in english.comments] == ["Periksa angka ini."]  # as it was
