"""Resumable archive jobs: documents are read, translated and written as a stream into an output folder,
with a SQLite ledger there that records each finished document and how far every output file had grown.

Crash safety: output files are appended, flushed and fsynced before the ledger commits; a resumed run cuts
every file back to the sizes of the last commit (dropping any half-written tail) and goes on with the next
document. Outputs hold no wall-clock time (only manifest.json does), so a resumed job's files are byte for
byte those of an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from translator.errors import ArchiveError, InputError
from translator.formats import Document, Fields, input_files, iter_units, moses, page, tmx, tsv, xliff
from translator.formats import jsonl as jsonl_format
from translator.pipeline import Translator
from translator.types import AlignedDocument

EXPORTS = ("jsonl", "tmx", "xliff", "tsv", "moses", "html")
DOCUMENTS, FAILURES, PAIRS = "documents.jsonl", "failures.jsonl", "pairs.tsv"
MOSES_ID, MOSES_EN = "corpus.id", "corpus.en"
LEDGER, MANIFEST = "ledger.sqlite", "manifest.json"
_COMMIT_DOCUMENTS, _COMMIT_SECONDS = 64, 2.0


@dataclass(frozen=True)
class JobOptions:
    inputs: Sequence[Path]
    out: Path
    exports: tuple[str, ...] = ("jsonl",)
    fields: Fields = field(default_factory=Fields)
    restart: bool = False


@dataclass
class Progress:
    """What a progress display needs; sent after every document."""

    documents: int = 0  # finished, this run and earlier ones
    total: int = 0
    failed: int = 0
    sentences: int = 0  # in translated documents, this run
    memory_hits: int = 0
    model_sentences: int = 0
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class JobResult:
    documents: int
    failed: int
    manifest: Path


@dataclass
class _Entry:
    seq: int
    origin: str
    document: Document | None = None
    reason: str | None = None


class _Ledger:
    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS docs (
                seq INTEGER PRIMARY KEY, origin TEXT NOT NULL, doc_id TEXT, reason TEXT,
                sentences INTEGER NOT NULL, page TEXT, flags TEXT NOT NULL
            );
            """
        )

    def get(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def put(self, key: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    def add(self, entry: _Entry, doc: AlignedDocument | None, page_name: str | None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entry.seq,
                entry.origin,
                doc and doc.id,
                entry.reason,
                len(doc.sentences) if doc else 0,
                page_name,
                json.dumps(doc.summary["flags"] if doc else {}),
            ),
        )

    def next_seq(self) -> int:
        (count,) = self.db.execute("SELECT COUNT(*) FROM docs").fetchone()
        return int(count)

    def close(self) -> None:
        self.db.close()


def signature(translator: Translator, options: JobOptions) -> dict[str, Any]:
    """What makes outputs comparable: a resumed job must have the same."""
    return {
        "provenance": translator.provenance().to_dict(),
        "fields": [options.fields.id, options.fields.text, options.fields.title],
        "exports": sorted(options.exports),
    }


def run(translator: Translator, options: JobOptions, report: Callable[[Progress], None] = lambda _: None) -> JobResult:
    unknown = set(options.exports) - set(EXPORTS)
    if unknown:
        raise ArchiveError(f"unknown export {', '.join(sorted(unknown))}; choose from {', '.join(EXPORTS)}")
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    if options.restart:
        _wipe(out)
    ledger = _Ledger(out / LEDGER)
    try:
        return _Job(translator, options, ledger, report).run()
    finally:
        ledger.close()


class _Job:
    def __init__(
        self, translator: Translator, options: JobOptions, ledger: _Ledger, report: Callable[[Progress], None]
    ) -> None:
        self.translator, self.options, self.ledger, self.report = translator, options, ledger, report
        self.out = options.out
        self.sig = signature(translator, options)
        self.streams: dict[str, IO[bytes]] = {}
        self.uncommitted = 0
        self.last_commit = time.monotonic()
        self.progress = Progress()
        self.consistent = True  # False while a document is half written
        self.counted = (translator.stats.memory_hits, translator.stats.model_sentences)

    def run(self) -> JobResult:
        started = datetime.now(UTC)
        self._check_signature()
        self._open_streams()
        first = self.ledger.next_seq()
        self.progress.documents = first
        failed = self.ledger.db.execute("SELECT COUNT(*) FROM docs WHERE reason IS NOT NULL").fetchone()
        self.progress.failed = failed[0]
        self.progress.total = sum(
            1 for _ in iter_units(input_files(self.options.inputs, [self.out]), self.options.fields)
        )
        try:
            self._translate(first)
            self._commit()
        except BaseException:
            if self.consistent:  # Ctrl-C between documents: keep what is done
                self._commit()
            raise
        finally:
            for stream in self.streams.values():
                stream.close()
        return self._finish(started)

    def _check_signature(self) -> None:
        found = self.ledger.get("signature")
        if found is None:
            with self.ledger.db:
                self.ledger.put("signature", self.sig)
        elif found != self.sig:
            changed = sorted(k for k in self.sig if self.sig[k] != found.get(k))
            raise ArchiveError(
                f"{self.out} holds a job made with other {' and '.join(changed)} ({_describe(found)}); "
                "use --restart to start it over, or another --out"
            )

    def _stream_names(self) -> list[str]:
        names = [DOCUMENTS, FAILURES]
        if "tsv" in self.options.exports:
            names.append(PAIRS)
        if "moses" in self.options.exports:
            names += [MOSES_ID, MOSES_EN]
        return names

    def _open_streams(self) -> None:
        sizes: dict[str, int] = self.ledger.get("sizes", {})
        for name in self._stream_names():
            path = self.out / name
            stream = path.open("ab" if path.exists() else "wb")
            stream.truncate(sizes.get(name, 0))  # drop whatever was written after the last commit
            stream.seek(0, os.SEEK_END)
            if name == PAIRS and stream.tell() == 0:
                stream.write(tsv.HEADER.encode())
            self.streams[name] = stream
        if "html" in self.options.exports:
            (self.out / "html").mkdir(exist_ok=True)
            for leftover in (self.out / "html").glob("*.partial"):  # from a run killed mid-write
                leftover.unlink()

    def _translate(self, first: int) -> None:
        pending: deque[_Entry] = deque()

        def documents() -> Iterator[tuple[str, str]]:
            for seq, unit in enumerate(iter_units(input_files(self.options.inputs, [self.out]), self.options.fields)):
                if seq < first:
                    continue  # finished in an earlier run; its content is not even parsed
                entry = _Entry(seq, unit.origin)
                try:
                    entry.document = unit.parse()
                except InputError as exc:
                    entry.reason = str(exc)
                pending.append(entry)
                if entry.document is not None:
                    yield entry.document.id, entry.document.text

        for doc in self.translator.translate_documents(documents()):
            self._drain_failures(pending)
            self._write(pending.popleft(), doc)
        self._drain_failures(pending)

    def _drain_failures(self, pending: deque[_Entry]) -> None:
        while pending and pending[0].document is None:
            entry = pending.popleft()
            record = {"seq": entry.seq, "origin": entry.origin, "reason": entry.reason}
            self.streams[FAILURES].write(jsonl_format.line(record).encode())
            self.ledger.add(entry, None, None)
            self.progress.failed += 1
            self._done()

    def _write(self, entry: _Entry, doc: AlignedDocument) -> None:
        assert entry.document is not None
        self.consistent = False
        meta = entry.document.meta
        self.streams[DOCUMENTS].write(jsonl_format.line({**doc.to_dict(), "meta": meta}).encode())
        if PAIRS in self.streams:
            self.streams[PAIRS].write(tsv.pairs(doc).encode())
        if MOSES_ID in self.streams:
            source, target = moses.lines(doc)
            self.streams[MOSES_ID].write(source.encode())
            self.streams[MOSES_EN].write(target.encode())
        page_name = None
        if "html" in self.options.exports:
            page_name = f"{entry.seq:06d}.html"
            _write_atomically(self.out / "html" / page_name, page.document(doc, meta))
        self.ledger.add(entry, doc, page_name)
        self.consistent = True
        self.progress.sentences += len(doc.sentences)
        self._done()

    def _done(self) -> None:
        self.progress.documents += 1
        stats = self.translator.stats
        self.progress.memory_hits = stats.memory_hits - self.counted[0]
        self.progress.model_sentences = stats.model_sentences - self.counted[1]
        self.uncommitted += 1
        if self.uncommitted >= _COMMIT_DOCUMENTS or time.monotonic() - self.last_commit >= _COMMIT_SECONDS:
            self._commit()
        self.report(self.progress)

    def _commit(self) -> None:
        """Make the written bytes durable, then record them: the ledger never claims what the disk lacks."""
        sizes = {}
        for name, stream in self.streams.items():
            if stream.closed:
                return
            stream.flush()
            os.fsync(stream.fileno())
            sizes[name] = stream.tell()
        stats = self.translator.stats
        with self.ledger.db:
            self.ledger.put("sizes", sizes)
            totals = self.ledger.get("model", {"memory_hits": 0, "model_sentences": 0})
            totals["memory_hits"] += stats.memory_hits - self.counted[0]
            totals["model_sentences"] += stats.model_sentences - self.counted[1]
            self.ledger.put("model", totals)
        self.counted = (stats.memory_hits, stats.model_sentences)
        self.uncommitted = 0
        self.last_commit = time.monotonic()

    def _finish(self, started: datetime) -> JobResult:
        provenance = self.sig["provenance"]
        if "tmx" in self.options.exports:
            with (self.out / "corpus.tmx").open("wb") as stream:
                tmx.write(self._records(), stream, provenance)
        if "xliff" in self.options.exports:
            with (self.out / "corpus.xlf").open("wb") as stream:
                xliff.write(self._records(), stream, provenance)
        rows = self.ledger.db.execute("SELECT seq, origin, doc_id, reason, sentences, page FROM docs ORDER BY seq")
        docs = list(rows)
        if "html" in self.options.exports:
            entries = [(p, d, n) for _, _, d, r, n, p in docs if r is None and p]
            _write_atomically(self.out / "html" / "index.html", page.index(entries))
        failures = [{"seq": s, "origin": o, "reason": r} for s, o, _, r, _, _ in docs if r is not None]
        flags: Counter[str] = Counter()
        for (counts,) in self.ledger.db.execute("SELECT flags FROM docs"):
            flags.update(json.loads(counts))
        totals = self.ledger.get("model", {})
        finished = datetime.now(UTC).isoformat(timespec="seconds")
        this_run = {"started": started.isoformat(timespec="seconds"), "finished": finished}
        runs = [*self.ledger.get("runs", []), this_run]
        with self.ledger.db:
            self.ledger.put("runs", runs)
        manifest = {
            "signature": hashlib.sha256(json.dumps(self.sig, sort_keys=True).encode()).hexdigest()[:16],
            "provenance": provenance,
            "inputs": [str(p) for p in self.options.inputs],
            "fields": self.sig["fields"],
            "exports": self.sig["exports"],
            "counts": {
                "documents": len(docs),
                "translated": len(docs) - len(failures),
                "failed": len(failures),
                "sentences": sum(n for *_, n, _ in docs),
                "model_sentences": totals.get("model_sentences", 0),
                "memory_hits": totals.get("memory_hits", 0),
            },
            "flags": dict(sorted(flags.items())),
            "failures": failures[:1000],
            "timings": {"runs": runs, "seconds_this_run": round(time.monotonic() - self.progress.started, 3)},
        }
        _write_atomically(self.out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        return JobResult(documents=len(docs), failed=len(failures), manifest=self.out / MANIFEST)

    def _records(self) -> Iterator[dict[str, Any]]:
        with (self.out / DOCUMENTS).open(encoding="utf-8") as lines:
            for line in lines:
                yield json.loads(line)


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _wipe(out: Path) -> None:
    for name in (LEDGER, MANIFEST, DOCUMENTS, FAILURES, PAIRS, MOSES_ID, MOSES_EN, "corpus.tmx", "corpus.xlf"):
        with contextlib.suppress(FileNotFoundError):
            (out / name).unlink()
    shutil.rmtree(out / "html", ignore_errors=True)


def _describe(sig: dict[str, Any]) -> str:
    prov = sig.get("provenance", {})
    model = f"{prov.get('model')}@{prov.get('revision')}"
    return f"model {model}, backend {prov.get('backend')}, beam {prov.get('beam_size')}"
