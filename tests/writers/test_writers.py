"""The archive job's writers: the registry is the only list of them, and a job that dies at any step (between
documents, in the middle of one, between completing one file and the next) resumes to the same bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.test_archive import outputs
from translator import Translator, archive, cli
from translator.archive import JobOptions, run
from translator.errors import RefusedError
from translator.ledger import Ledger
from translator.writers import WRITERS
from translator.writers.base import Appended, Finished, Streaming

EXPORTS = ("jsonl", "tmx", "xliff", "tsv", "moses", "html")


class Tally(Streaming):
    """A writer the tests register: a line per document in tally.txt, and it dies when told to."""

    FILES = ("tally.txt",)
    die_at: ClassVar[tuple[str, int] | None] = None  # ("write", seq) or ("close", 0)

    def __init__(self, out: Path, provenance: dict[str, Any]) -> None:
        self.files = (Appended(out / self.FILES[0]),)

    def write(self, document: Finished) -> None:
        if self.die_at == ("write", document.seq):
            raise RuntimeError("killed")
        self.files[0].write(f"{document.seq} {document.origin}\n".encode())

    def close(self, complete: bool) -> None:
        if complete and self.die_at == ("close", 0):
            raise RuntimeError("killed")
        super().close(complete)


@pytest.fixture
def tally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(WRITERS, "tally", f"{__name__}:Tally")
    monkeypatch.setattr(Tally, "die_at", None)


@pytest.fixture
def feed(news: Path) -> Path:
    (news / "a4.txt").write_bytes(b"\x00 not text")  # a failure too
    return news


def test_a_writer_registered_once_is_an_export_of_the_cli_and_the_job(
    tally: None, tiny: Translator, feed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["batch", "--help"])
    assert "from jsonl,tmx,xliff,tsv,moses,html,tally" in " ".join(capsys.readouterr().out.split())
    out = tmp_path / "out"
    run(JobOptions([feed], out, ("jsonl", "tally")), lambda: tiny)
    assert (out / "tally.txt").read_text().splitlines() == [f"{i} news/a{i}.txt" for i in range(5)]
    run(JobOptions([feed], out, ("jsonl",), restart=True), lambda: tiny)
    assert not (out / "tally.txt").exists()  # a restart removes what every registered writer may have left


@pytest.mark.parametrize(
    ("exports", "die_at"),
    [
        (("tally", *EXPORTS), ("write", 3)),  # between documents, with document 2 written but not committed
        ((*EXPORTS, "tally"), ("write", 3)),  # inside a document: every other writer has written it
        (("tmx", "tally", "xliff", "html"), ("close", 0)),  # corpus.tmx complete, corpus.xlf and html's lists not
    ],
    ids=["between-documents", "inside-a-document", "between-completions"],
)
def test_a_job_that_dies_resumes_to_the_same_bytes(
    tally: None,
    tiny: Translator,
    feed: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    exports: tuple[str, ...],
    die_at: tuple[str, int],
) -> None:
    monkeypatch.setattr(archive, "COMMIT_DOCUMENTS", 2)
    run(JobOptions([feed], tmp_path / "clean", exports), lambda: tiny)
    monkeypatch.setattr(Tally, "die_at", die_at)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="killed"):
        run(JobOptions([feed], out, exports), lambda: tiny)
    streaming = {p.name for p in out.rglob(".*.partial")}
    html = {".index.html.partial", ".documents.js.partial", ".sentences.js.partial"}  # the html export's three
    assert streaming == ({".corpus.xlf.partial", *html} if die_at[0] == "close" else streaming)
    monkeypatch.setattr(Tally, "die_at", None)
    run(JobOptions([feed], out, exports), lambda: tiny)
    assert outputs(out) == outputs(tmp_path / "clean")
    assert not list(out.rglob(".*.partial"))


def test_an_unfinished_job_of_the_version_before_writers_is_refused(
    tally: None, tiny: Translator, feed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its ledger holds no writer state, so its TMX and XLIFF would miss the documents done before: --restart."""
    monkeypatch.setattr(archive, "COMMIT_DOCUMENTS", 2)
    monkeypatch.setattr(Tally, "die_at", ("write", 3))
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="killed"):
        run(JobOptions([feed], out, ("tmx", "tally")), lambda: tiny)
    ledger = Ledger(out / archive.LEDGER)
    ledger.put("writers", None)  # as that version left it: no such key
    ledger.commit()
    ledger.close()
    with pytest.raises(RefusedError, match=r"unfinished job of an older version.*--restart"):
        run(JobOptions([feed], out, ("tmx", "tally")), lambda: tiny)
