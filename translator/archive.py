"""Resumable archive jobs: documents are read, translated and written as a stream into an output folder,
with a ledger there (translator/ledger.py) that records what the job is and how far it got.

A job is its inputs and its settings: the ledger keeps each input file's size and content hash, and a
re-run over another input set, or with settings that change outputs, is refused before anything is
touched. One job per output folder at a time: an flock that the kernel releases when the process dies.

Each finished document goes to every export's writer (translator/writers/base.py: the protocol, and how a
writer resumes); the registry in translator/writers/__init__.py is the only list of them.

Crash safety: writers append, and are synced (flushed and fsynced) before the ledger commits what they
returned; a resumed run opens them with that, so each cuts its files back to the last commit (dropping any
half-written tail) and goes on with the next document. Outputs hold no wall-clock time (only manifest.json
does), and a sentence's translation does not depend on its batch-mates, so a resumed job's files are byte
for byte those of an uninterrupted one. The manifest is written to a temporary name, fsynced and renamed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any

from translator import durable
from translator.config import TranslatorConfig
from translator.errors import ArchiveError, BackendError, InputError, OutputError, RefusedError
from translator.ledger import DocumentRecord, InputRecord, Ledger
from translator.pipeline import Translator
from translator.readers import DEFAULT_MAX_DOCUMENT_BYTES, Document, Fields, Unit
from translator.readers.walk import InputFile, input_files, iter_units
from translator.types import AlignedDocument
from translator.writers import WRITERS, writer_type
from translator.writers.base import Finished, Writer

BASE_EXPORT = "jsonl"  # documents.jsonl and failures.jsonl: every job writes them, whatever else it exports
LEDGER, MANIFEST, LOCK = "ledger.sqlite", "manifest.json", "job.lock"
SCRATCH = "_scratch"  # an engine's files while the job runs (the Ray driver's chunk results): gone at the end
COMMIT_DOCUMENTS, _COMMIT_SECONDS = 256, 2.0
MAX_DOCUMENT_BYTES = 1 << 30  # what a document limit may be set to: no sentence that long can be translated


@dataclass(frozen=True)
class JobOptions:
    inputs: Sequence[Path]
    out: Path
    exports: tuple[str, ...] = ("jsonl",)
    fields: Fields = field(default_factory=Fields)
    restart: bool = False
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    # the configuration the job's translator is loaded with; when given, re-running a finished job with the
    # same configuration and inputs is answered without loading the model
    config: TranslatorConfig | None = None
    # how chunks of documents get translated: in this process (None), or elsewhere (translator/cluster.py);
    # not part of the job's signature, as it never changes an output byte
    engine: ChunkTranslation | None = None


ChunkTranslation = Callable[[Translator, Iterator[dict[int, Document]]], Iterator[dict[int, AlignedDocument | str]]]


def translate_locally(
    translator: Translator, chunks: Iterator[dict[int, Document]]
) -> Iterator[dict[int, AlignedDocument | str]]:
    """Each chunk (seq → Document), in order: seq → its aligned translation, or why it has none."""
    for documents in chunks:
        yield _translate_isolated(translator, documents)


@dataclass
class Progress:
    """What a progress display needs; sent after every document."""

    documents: int = 0  # finished, this run and earlier ones
    failed: int = 0
    sentences: int = 0  # in translated documents, this run
    memory_hits: int = 0
    model_sentences: int = 0
    read: int = 0  # bytes of the input files read so far (skipped ones included)
    total: int = 0  # bytes of all input files
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class JobResult:
    documents: int
    failed: int
    manifest: Path
    already_complete: bool = False  # nothing was done: the folder held this job, finished


def run(
    options: JobOptions,
    load: Callable[[], Translator],
    report: Callable[[Progress], None] = lambda _: None,
) -> JobResult:
    """Run (or resume) the job; `load` is called only when there is something to translate.

    RefusedError before anything is created or changed: unknown exports, a missing input, an output
    folder that is a file, holds another job, or is in use.
    """
    check(options)
    with durable.writing(options.out):
        options.out.mkdir(parents=True, exist_ok=True)
    with _locked(options.out):
        if options.restart:
            _wipe(options.out)
        ledger = Ledger(options.out / LEDGER)
        try:
            return _Job(options, ledger, report).run(load)
        finally:
            ledger.close()


def check(options: JobOptions) -> None:
    """The usage errors a job can know of without reading anything."""
    unknown = set(options.exports) - set(WRITERS)
    if unknown:
        raise RefusedError(f"unknown export {', '.join(sorted(unknown))}; choose from {', '.join(WRITERS)}")
    for path in options.inputs:
        if not path.exists() and not path.is_symlink():
            raise RefusedError(f"input {path} does not exist")
    if options.out.exists() and not options.out.is_dir():
        raise RefusedError(f"the output folder {options.out} is a file")
    if not 1 <= options.max_document_bytes <= MAX_DOCUMENT_BYTES:
        raise RefusedError(f"the document size limit must be between 1 byte and {MAX_DOCUMENT_BYTES:,} bytes")
    named = [(Path(os.path.realpath(p)), p) for p in options.inputs]
    for i, (real, path) in enumerate(named):
        for other_real, other in named[:i]:
            if real == other_real or other_real in real.parents or real in other_real.parents:
                raise RefusedError(f"inputs {other} and {path} overlap: each document must be named once")


@dataclass(frozen=True)
class _Input:
    """An input file as fingerprinted: what the ledger keeps, and its inode, size and modification time
    then, so that a change while the job reads it is seen."""

    file: InputFile
    record: InputRecord
    stamp: tuple[int, int, int] | None = None


def fingerprint(files: Iterable[InputFile]) -> list[_Input]:
    """Each input file's size and SHA-256; a file that cannot be read gets that reason instead (and becomes
    a failure record of the job)."""
    found = []
    for item in files:
        if item.reason is None:
            try:
                size, digest, stamp = _hash(item.path)
            except OSError as exc:
                item = replace(item, reason=f"cannot read: {exc.strerror or exc}")
            else:
                found.append(_Input(item, InputRecord(item.origin, size, digest), stamp))
                continue
        found.append(_Input(item, InputRecord(item.origin, 0, "", item.reason)))
    return found


def _hash(path: Path) -> tuple[int, str, tuple[int, int, int]]:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # never blocks on a FIFO swapped in after the walk
    with os.fdopen(fd, "rb") as stream:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise OSError(0, "not a regular file")
        digest = hashlib.file_digest(stream, "sha256")
        if _stamp(os.fstat(fd)) != _stamp(before) or stream.tell() != before.st_size:
            raise OSError(0, "it changed while it was read")
        return before.st_size, digest.hexdigest(), _stamp(before)


def _stamp(info: os.stat_result) -> tuple[int, int, int]:
    return info.st_ino, info.st_size, info.st_mtime_ns


def difference(old: Sequence[InputRecord], new: Sequence[InputRecord]) -> str | None:
    """One line saying how two input sets differ, or None when they are the same."""
    if list(old) == list(new):
        return None
    before: dict[str, list[InputRecord]] = {}
    after: dict[str, list[InputRecord]] = {}
    for records, by_origin in ((old, before), (new, after)):
        for r in records:
            by_origin.setdefault(r.origin, []).append(r)
    added = [o for o in after if o not in before]
    removed = [o for o in before if o not in after]
    changed = [o for o in after if o in before and before[o] != after[o]]
    if not added and not removed and not changed:
        return "the same inputs in another order"
    return ", ".join(
        f"{len(names)} input{'s' if len(names) != 1 else ''} {verb}" + (f" ({_some(names)})" if names else "")
        for verb, names in (("added", added), ("removed", removed), ("changed", changed))
    )


def _some(names: list[str], most: int = 3) -> str:
    return ", ".join(names[:most]) + (f", and {len(names) - most} more" if len(names) > most else "")


class _Job:
    """One run of a job: check it is the job the folder holds, stream what is left through the translator into
    the writers, commit as it goes, and write the manifest."""

    def __init__(self, options: JobOptions, ledger: Ledger, report: Callable[[Progress], None]) -> None:
        self.options, self.ledger, self.report = options, ledger, report
        self.out = options.out
        self.writers: dict[str, Writer] = {}
        self.uncommitted = 0
        self.last_commit = time.monotonic()
        self.progress = Progress()
        self.consistent = True  # False while a document is half written
        self.translator: Translator | None = None
        self.counted = (0, 0)  # the translator's memory hits and model sentences at the last commit

    def run(self, load: Callable[[], Translator]) -> JobResult:
        found = fingerprint(input_files(self.options.inputs, [self.out]))
        inputs = [i.record for i in found]
        self._check_inputs(inputs)
        config = _config_record(self.options.config) if self.options.config else None
        if self.ledger.get("finished") and config is not None and self.ledger.get("config") == config:
            return self._already_complete()
        translator = self.translator = load()
        sig = self._check_signature(translator)
        if self.ledger.get("finished"):
            return self._already_complete()
        self.ledger.set_inputs(inputs)
        self.ledger.put("config", _config_record(translator.config))
        self.ledger.start_run()
        self.ledger.commit()
        try:
            self._write_all(translator, found, sig["provenance"])
            return self._finish(sig)
        except KeyboardInterrupt:
            self._interrupted(sig)
            raise

    def _already_complete(self) -> JobResult:
        done, failed = self.ledger.count()
        return JobResult(done, failed, self.out / MANIFEST, already_complete=True)

    def _check_inputs(self, inputs: list[InputRecord]) -> None:
        old = self.ledger.inputs()
        done, _ = self.ledger.count()
        if not old and done:
            raise RefusedError(
                f"{self.out} holds a job of an older version that did not record its inputs; use --restart"
            )
        if done and not self.ledger.get("finished") and self.ledger.get("writers") is None:
            raise RefusedError(
                f"{self.out} holds an unfinished job of an older version, whose files this one cannot go on "
                "with; use --restart"
            )
        differs = difference(old, inputs) if old else None
        if differs:
            raise RefusedError(f"{self.out} holds a job over other inputs: {differs}; use a new --out, or --restart")

    def _check_signature(self, translator: Translator) -> dict[str, Any]:
        sig = signature(translator, self.options)
        found = self.ledger.get("signature")
        if found is None:
            self.ledger.put("signature", sig)  # committed with the inputs
        elif found != sig:
            changed = sorted(k for k in sig if sig[k] != found.get(k))
            raise RefusedError(
                f"{self.out} holds a job made with other {' and '.join(changed)} ({_describe(found)}); "
                "use --restart to start it over, or another --out"
            )
        return sig

    # -- the stream ---------------------------------------------------------------------------------------

    def _write_all(self, translator: Translator, inputs: list[_Input], provenance: dict[str, Any]) -> None:
        """Open the writers where the last commit left them, write every document not done yet, and complete
        their files (once translation is done, a resumed run only completes them)."""
        state = self.ledger.get("writers", {})
        try:
            for export in dict.fromkeys((BASE_EXPORT, *self.options.exports)):
                self.writers[export] = writer = writer_type(export)(self.out, provenance)
                writer.open(state.get(export, {}))
            if not self.ledger.get("translated"):
                self._translate(translator, inputs)
            for writer in self.writers.values():
                writer.close(complete=True)
        finally:
            for writer in self.writers.values():  # what an error or Ctrl-C left open: the ledger decides
                writer.close(complete=False)

    def _translate(self, translator: Translator, inputs: list[_Input]) -> None:
        first, self.progress.failed = self.ledger.count()
        self.progress.documents = first
        self.progress.total = sum(i.record.size for i in inputs)
        self.counted = (translator.stats.memory_hits, translator.stats.model_sentences)
        try:
            units = self._units(inputs)
            for _ in range(first):  # finished in an earlier run: read past, not parsed
                next(units, None)
            parsed: deque[list[tuple[int, Unit, Document | str]]] = deque()  # read, not yet written

            def chunks() -> Iterator[dict[int, Document]]:
                while chunk := list(islice(units, translator.config.documents_per_chunk)):
                    parsed.append(_parse(chunk))
                    yield {seq: doc for seq, _, doc in parsed[-1] if isinstance(doc, Document)}

            for translated in (self.options.engine or translate_locally)(translator, chunks()):
                self._write_chunk(parsed.popleft(), translated)
            self.ledger.put("translated", True)
            self._commit()
        except KeyboardInterrupt:
            if self.consistent:  # Ctrl-C between documents: keep what is done
                self._commit()
            raise

    def _units(self, inputs: list[_Input]) -> Iterator[tuple[int, Unit]]:
        """(sequence number, unit) of every document; progress counts the bytes read. An input that changed
        since it was fingerprinted stops the job: its documents might mix two versions."""
        seq = 0
        before = 0
        for item in inputs:
            for unit in iter_units([item.file], self.options.fields, self.options.max_document_bytes):
                self.progress.read = before + min(unit.read, item.record.size)
                yield seq, unit
                seq += 1
            if item.stamp is not None and _changed(item.file.path, item.stamp):
                raise ArchiveError(
                    f"{item.file.origin} changed while the job read it, so its documents may mix two versions; "
                    "run again with --restart"
                )
            before += item.record.size
        self.progress.read = before

    def _write_chunk(
        self, parsed: list[tuple[int, Unit, Document | str]], translated: dict[int, AlignedDocument | str]
    ) -> None:
        for seq, unit, doc in parsed:
            result = translated.get(seq, doc)
            if isinstance(result, AlignedDocument) and isinstance(doc, Document):
                text_hash = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
                count, flags = len(result.sentences), result.summary["flags"]
                record = DocumentRecord(seq, unit.origin, result.id, text_hash, None, count, flags)
                self._write(Finished(seq, unit.origin, result, doc.meta), record)
            else:
                record = DocumentRecord(seq, unit.origin, None, None, str(result), 0, {})
                self._write(Finished(seq, unit.origin, reason=str(result)), record)

    def _write(self, finished: Finished, record: DocumentRecord) -> None:
        """Hand a finished document to every writer and record it in the ledger (durable at the next commit)."""
        self.consistent = False
        for writer in self.writers.values():
            writer.write(finished)
        self.ledger.add(record)
        self.consistent = True
        self.progress.documents += 1
        self.progress.failed += record.reason is not None
        self.progress.sentences += record.sentences
        assert self.translator is not None
        stats = self.translator.stats
        self.progress.memory_hits = stats.memory_hits - self.counted[0]
        self.progress.model_sentences = stats.model_sentences - self.counted[1]
        self.uncommitted += 1
        if self.uncommitted >= COMMIT_DOCUMENTS or time.monotonic() - self.last_commit >= _COMMIT_SECONDS:
            self._commit()
        self.report(self.progress)

    def _commit(self) -> None:
        """Make the written bytes durable, then record them: the ledger never claims what the disk lacks."""
        state = {export: writer.sync() for export, writer in self.writers.items()}
        assert self.translator is not None
        stats = self.translator.stats
        self.ledger.count_model(stats.memory_hits - self.counted[0], stats.model_sentences - self.counted[1])
        self.ledger.stamp_run("last_commit")
        self.ledger.put("writers", state)
        self.ledger.commit()
        self.counted = (stats.memory_hits, stats.model_sentences)
        self.uncommitted = 0
        self.last_commit = time.monotonic()

    # -- the end ------------------------------------------------------------------------------------------

    def _finish(self, sig: dict[str, Any]) -> JobResult:
        self.ledger.stamp_run("finished")
        self._write_manifest(sig, complete=True)
        self.ledger.put("finished", True)
        self.ledger.commit()
        shutil.rmtree(self.out / SCRATCH, ignore_errors=True)  # whichever engine finished the job
        done, failed = self.ledger.count()
        return JobResult(documents=done, failed=failed, manifest=self.out / MANIFEST)

    def _interrupted(self, sig: dict[str, Any]) -> None:
        """Ctrl-C: record the run's end and write the manifest of what is done (as last committed: a
        document half written when the interrupt came is not)."""
        self.ledger.rollback()
        self.ledger.stamp_run("interrupted")
        self._write_manifest(sig, complete=False)
        self.ledger.commit()

    def _write_manifest(self, sig: dict[str, Any], complete: bool) -> None:
        done, failed = self.ledger.count()
        totals = self.ledger.get("model", {})
        inputs = self.ledger.inputs()
        manifest = {
            "signature": hashlib.sha256(json.dumps(sig, sort_keys=True).encode()).hexdigest()[:16],
            "provenance": sig["provenance"],
            "inputs": [str(p) for p in self.options.inputs],
            "input_files": {"count": len(inputs), "bytes": sum(r.size for r in inputs)},
            "fields": sig["fields"],
            "exports": sig["exports"],
            "max_document_bytes": sig["max_document_bytes"],
            "complete": complete,  # every document done and every file rebuilt
            "counts": {
                "documents": done,
                "translated": done - failed,
                "failed": failed,
                "sentences": self.ledger.sentences(),
                "model_sentences": totals.get("model_sentences", 0),
                "memory_hits": totals.get("memory_hits", 0),
            },
            "flags": dict(sorted(self.ledger.flags().items())),
            "failures": [
                {"seq": seq, "origin": origin, "reason": reason} for seq, origin, reason in self.ledger.failures(1000)
            ],
            "timings": {
                "runs": self.ledger.get("runs", []),
                "seconds_this_run": round(time.monotonic() - self.progress.started, 3),
            },
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        durable.replace(self.out / MANIFEST, lambda out: out.write(text.encode("utf-8")))


def signature(translator: Translator, options: JobOptions) -> dict[str, Any]:
    """What makes outputs comparable: a resumed job must have the same. Batch sizes are not part of it:
    a sentence's translation does not depend on its batch."""
    config = translator.config
    return {
        "provenance": translator.provenance().to_dict(),
        "decode": {
            **asdict(config.decode),
            "translate_english": config.translate_english,
            "retry_loops": config.retry_loops,
            "max_sentence_tokens": config.max_sentence_tokens,
        },
        "fields": [options.fields.id, options.fields.text, options.fields.title],
        "exports": sorted(options.exports),
        "max_document_bytes": options.max_document_bytes,
    }


def _config_record(config: TranslatorConfig) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(json.dumps(asdict(config)))  # as the ledger stores it
    return record


def _parse(chunk: list[tuple[int, Unit]]) -> list[tuple[int, Unit, Document | str]]:
    parsed: list[tuple[int, Unit, Document | str]] = []
    for seq, unit in chunk:
        try:
            parsed.append((seq, unit, unit.parse()))
        except InputError as exc:
            parsed.append((seq, unit, str(exc)))
    return parsed


def _translate_isolated(translator: Translator, documents: dict[int, Document]) -> dict[int, AlignedDocument | str]:
    """Each document's aligned translation, or why it could not be translated. A chunk that fails is
    translated again document by document (the same output: translations do not depend on batch-mates),
    so one bad document fails alone; when every document of a chunk fails alone, the model is at fault and
    the error goes up."""
    seqs = list(documents)
    try:
        return dict(
            zip(seqs, translator.translate_documents([(d.id, d.text) for d in documents.values()]), strict=True)
        )
    except (OSError, MemoryError, BackendError, OutputError):  # the machine or the model, not the record
        raise
    except Exception as exc:  # whatever one record provokes, it must not stop the job
        if len(seqs) == 1:
            return {seqs[0]: f"cannot translate: {type(exc).__name__}: {exc}"}
        alone: dict[int, AlignedDocument | str] = {}
        for seq in seqs:
            alone.update(_translate_isolated(translator, {seq: documents[seq]}))
        if all(isinstance(r, str) for r in alone.values()):
            raise
        return alone


def _locked(out: Path) -> contextlib.AbstractContextManager[None]:
    def refuse(holder: str) -> RefusedError:
        return RefusedError(
            f"{out} is in use by another translator batch (pid {holder}); wait for it, or use another --out"
        )

    return durable.exclusive(out / LOCK, refuse)


def _changed(path: Path, stamp: tuple[int, int, int]) -> bool:
    try:
        return _stamp(path.stat()) != stamp
    except OSError:
        return True


def _wipe(out: Path) -> None:
    """Remove the job the folder holds: the ledger, the manifest and every file any writer may have left."""
    for path in (out / LEDGER, out / MANIFEST):
        path.unlink(missing_ok=True)
    shutil.rmtree(out / SCRATCH, ignore_errors=True)
    for export in WRITERS:
        for name in writer_type(export).FILES:
            path = out / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
                durable.partial_name(path).unlink(missing_ok=True)


def _describe(sig: dict[str, Any]) -> str:
    prov = sig.get("provenance", {})
    model = f"{prov.get('model')}@{prov.get('revision')}"
    return f"model {model}, backend {prov.get('backend')}, beam {prov.get('beam_size')}"
