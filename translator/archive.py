"""Resumable archive jobs: documents are read, translated and written as a stream into an output folder,
with a ledger there (translator/ledger.py) that records what the job is and how far it got.

A job is its inputs and its settings: the ledger keeps each input file's size and content hash, and a
re-run over another input set, or with settings that change outputs, is refused before anything is
touched. One job per output folder at a time: an flock that the kernel releases when the process dies.

Each finished document goes to every export's writer (translator/writers/base.py: the protocol, and how a
writer resumes); the registry in translator/writers/__init__.py is the only list of them. A job asked for
exports it lacks writes them from what it holds (translator/rebuild.py), with no model; it never drops one.
Chunks of documents are translated by a chunk translation (translator/chunks.py): in this process, or on Ray
(translator/cluster.py); the job counts what each chunk's work counted with the chunk's last document.

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
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from translator import durable, manifest, rebuild
from translator.chunks import COMMIT_DOCUMENTS, SCRATCH, Chunk, ChunkTranslation, Failure, Translated, translate_locally
from translator.config import TranslatorConfig
from translator.errors import RefusedError
from translator.inputset import Input, Stream, difference, fingerprint
from translator.ledger import DocumentRecord, InputRecord, Ledger
from translator.pipeline import TranslationStats, Translator
from translator.readers import DEFAULT_MAX_DOCUMENT_BYTES, Document, Fields, Unit
from translator.readers.walk import input_files
from translator.reviewed import Snapshot
from translator.writers import WRITERS, writer_type
from translator.writers.base import Finished, Writer

BASE_EXPORT = "jsonl"  # documents.jsonl and failures.jsonl: every job writes them, whatever else it exports
LEDGER, MANIFEST, LOCK = "ledger.sqlite", "manifest.json", "job.lock"
_COMMIT_SECONDS = 2.0  # and at least every chunks.COMMIT_DOCUMENTS documents
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


@dataclass
class Progress:
    """What a progress display needs; sent after every document. Its counts are the job's, over all its runs
    (as the manifest's are); `resumed_*` are where this run began, for its rates."""

    documents: int = 0  # finished
    failed: int = 0
    sentences: int = 0  # in translated documents
    memory_hits: int = 0  # of the distinct sentences of finished chunks: from the memory
    model_sentences: int = 0  # and from the model
    read: int = 0  # bytes of the input files read so far (those finished by earlier runs included)
    total: int = 0  # bytes of all input files
    started: float = field(default_factory=time.monotonic)  # when this run began
    resumed_sentences: int = 0  # the sentences earlier runs finished
    resumed_read: int = 0  # the bytes of the documents earlier runs finished


@dataclass(frozen=True)
class JobResult:
    documents: int
    failed: int
    manifest: Path
    already_complete: bool = False  # nothing was done: the folder held this job, finished
    rebuilt: tuple[str, ...] = ()  # exports added to the job, written from what it held


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
    with locked(options.out):
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


class _Job:
    """One run of a job: check it is the job the folder holds, write the exports it lacks from what it holds,
    stream what is left through the translator into the writers, commit as it goes, and write the manifest."""

    def __init__(self, options: JobOptions, ledger: Ledger, report: Callable[[Progress], None]) -> None:
        self.options, self.ledger, self.report = options, ledger, report
        self.out = options.out
        self.exports = list(dict.fromkeys((BASE_EXPORT, *options.exports)))
        self.writers: dict[str, Writer] = {}
        self.uncommitted = 0
        self.last_commit = time.monotonic()
        self.progress = Progress()
        self.consistent = True  # False while a document is half written
        self.stream: Stream  # the documents, once there are some to translate

    def run(self, load: Callable[[], Translator]) -> JobResult:
        found = fingerprint(input_files(self.options.inputs, [self.out]))
        inputs = [i.record for i in found]
        self._check_inputs(inputs)
        added = self._added_exports()
        config = _config_record(self.options.config) if self.options.config else None
        if self.ledger.get("finished") and config is not None and self.ledger.get("config") == config:
            return self._complete(added)
        translator = load()
        self._hold_reviewed(translator)
        sig = self._check_signature(translator)
        if self.ledger.get("finished"):
            return self._complete(added)
        self.ledger.set_inputs(inputs)
        self.ledger.put("config", _config_record(translator.config))
        self.ledger.start_run()
        self._rebuild(added, sig["provenance"], complete=False)
        try:
            self._write_all(translator, found, sig["provenance"])
            return self._finish(sig)
        except KeyboardInterrupt:
            self._interrupted(sig)
            raise

    def _complete(self, added: list[str]) -> JobResult:
        """A finished job: write the exports it lacks from what it holds, or say there is nothing to do."""
        done, failed = self.ledger.count()
        if not added:
            return JobResult(done, failed, self.out / MANIFEST, already_complete=True)
        sig = self.ledger.get("signature")
        self._rebuild(added, sig["provenance"], complete=True)
        self._write_manifest(sig, complete=True)
        self.ledger.commit()
        return JobResult(done, failed, self.out / MANIFEST, rebuilt=tuple(added))

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

    def _added_exports(self) -> list[str]:
        """The exports asked for that the job in the folder lacks; it may not lose any."""
        held = self.ledger.get("exports")
        if held is None and (old := self.ledger.get("signature")) is not None:  # a job of version 0.1
            held = list(dict.fromkeys((BASE_EXPORT, *old["exports"])))
        if held is None:  # a new job
            return []
        dropped = [export for export in held if export not in self.exports]
        if dropped:
            them = "it" if len(dropped) == 1 else "them"
            raise RefusedError(
                f"{self.out} holds a job with other exports: {', '.join(dropped)} would be dropped; ask for {them} "
                f"too (--export {','.join(held + [e for e in self.exports if e not in held])}), or use --restart"
            )
        return [export for export in self.exports if export not in held]

    def _hold_reviewed(self, translator: Translator) -> None:
        """The job translates with the reviewed translations as they stood when it started: a snapshot taken
        then (none without a store) and held in its ledger (committed with its inputs), which a resumed run
        uses again; the job's identity records its fingerprint (`Translator.identity`)."""
        held = self.ledger.get("reviewed")
        if held is None:
            held = dict(translator.reviewed.snapshot().entries) if translator.reviewed is not None else {}
            self.ledger.put("reviewed", held)
        translator.reviewed = Snapshot(held)

    def _check_signature(self, translator: Translator) -> dict[str, Any]:
        sig = signature(translator, self.options)
        found = self.ledger.get("signature")
        if found is None:
            self.ledger.put("signature", sig)  # committed with the inputs
        elif found != sig:
            differ = sorted(k for k in sig if sig[k] != found.get(k))
            raise RefusedError(
                f"{self.out} holds a job made with other {' and '.join(differ)} ({_describe(found)}); "
                "use --restart to start it over, or another --out"
            )
        return sig

    def _rebuild(self, added: list[str], provenance: dict[str, Any], complete: bool) -> None:
        """Write the added exports from what the job holds (translator/rebuild.py); commit them with the rest."""
        states = self.ledger.get("writers", {})
        if added:
            states.update(rebuild.rebuild(self.out, self.ledger, added, provenance, complete))
            self.ledger.put("writers", states)
        self.ledger.put("exports", self.exports)
        self.ledger.commit()

    # -- the stream ---------------------------------------------------------------------------------------

    def _write_all(self, translator: Translator, inputs: list[Input], provenance: dict[str, Any]) -> None:
        """Open the writers where the last commit left them, write every document not done yet, and complete
        their files (once translation is done, a resumed run only completes them)."""
        state = self.ledger.get("writers", {})
        try:
            for export in self.exports:
                self.writers[export] = writer = writer_type(export)(self.out, provenance)
                writer.open(state.get(export, {}))
            if not self.ledger.get("translated"):
                self._translate(translator, inputs)
            for writer in self.writers.values():
                writer.close(complete=True)
        finally:
            for writer in self.writers.values():  # what an error or Ctrl-C left open: the ledger decides
                writer.close(complete=False)

    def _translate(self, translator: Translator, inputs: list[Input]) -> None:
        first = self._resume(inputs)
        try:
            stream = self.stream = Stream(inputs, self.options.fields, self.options.max_document_bytes, self.ledger)
            units = stream.units()
            for _ in range(first):  # finished in an earlier run: read past, not parsed
                next(units, None)
            self.progress.read = self.progress.resumed_read = stream.read
            parsed: deque[list[tuple[int, Unit, Document | Failure]]] = deque()  # read, not yet written

            def chunks() -> Iterator[Chunk]:
                while chunk := list(islice(units, translator.config.documents_per_chunk)):
                    parsed.append(stream.parse(chunk))
                    yield Chunk({seq: doc for seq, _, doc in parsed[-1] if isinstance(doc, Document)})

            for translated in (self.options.engine or translate_locally)(translator, chunks()):
                self._write_chunk(parsed.popleft(), translated)
            self.ledger.put("translated", True)
            self._commit()
        except KeyboardInterrupt:
            if self.consistent:  # Ctrl-C between documents: keep what is done
                self._commit()
            raise

    def _resume(self, inputs: list[Input]) -> int:
        """Progress as earlier runs left the job; how many documents they finished."""
        progress = self.progress
        progress.documents, progress.failed = self.ledger.count()
        progress.sentences = progress.resumed_sentences = self.ledger.sentences()
        model = self.ledger.get("model", {})
        progress.memory_hits, progress.model_sentences = model.get("memory_hits", 0), model.get("model_sentences", 0)
        progress.total = sum(i.record.size for i in inputs)
        return progress.documents

    def _write_chunk(self, parsed: list[tuple[int, Unit, Document | Failure]], translated: Translated) -> None:
        """Write a chunk's documents; its counts go into the ledger with its last one."""
        for i, (seq, unit, doc) in enumerate(parsed):
            counts = translated.counts if i == len(parsed) - 1 else None
            if isinstance(doc, Failure):
                record = DocumentRecord(seq, unit.origin, None, None, doc.reason, 0, {})
                self._write(Finished(seq, unit.origin, reason=doc.reason), record, counts)
                continue
            self.stream.written(doc.id)
            result = translated.documents[seq]
            if isinstance(result, Failure):
                record = DocumentRecord(seq, unit.origin, doc.id, None, result.reason, 0, {})
                self._write(Finished(seq, unit.origin, reason=result.reason), record, counts)
            else:
                text_hash = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
                sentences, flags = len(result.sentences), result.summary["flags"]
                record = DocumentRecord(seq, unit.origin, result.id, text_hash, None, sentences, flags)
                self._write(Finished(seq, unit.origin, result, doc.meta), record, counts)

    def _write(self, finished: Finished, record: DocumentRecord, counts: TranslationStats | None) -> None:
        """Hand a finished document to every writer and record it in the ledger (durable at the next commit)."""
        self.consistent = False
        for writer in self.writers.values():
            writer.write(finished)
        self.ledger.add(record)
        progress = self.progress
        if counts is not None:
            self.ledger.count_model(counts.memory_hits, counts.model_sentences)
            progress.memory_hits += counts.memory_hits
            progress.model_sentences += counts.model_sentences
        self.consistent = True
        progress.documents += 1
        progress.read = self.stream.read
        progress.failed += record.reason is not None
        progress.sentences += record.sentences
        self.uncommitted += 1
        if self.uncommitted >= COMMIT_DOCUMENTS or time.monotonic() - self.last_commit >= _COMMIT_SECONDS:
            self._commit()
        self.report(progress)

    def _commit(self) -> None:
        """Make the written bytes durable, then record them: the ledger never claims what the disk lacks."""
        state = {export: writer.sync() for export, writer in self.writers.items()}
        self.ledger.stamp_run("last_commit")
        self.ledger.put("writers", state)
        self.ledger.commit()
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
        manifest.write(
            self.out / MANIFEST, self.ledger, sig, self.options.inputs, self.exports, complete, self.progress.started
        )


def signature(translator: Translator, options: JobOptions) -> dict[str, Any]:
    """What makes outputs comparable: a resumed job must have the same. Its exports are not part of it: a job
    may be given more (written from what it holds)."""
    return {
        **translator.identity(),
        "fields": [options.fields.id, options.fields.text, options.fields.title],
        "max_document_bytes": options.max_document_bytes,
    }


def _config_record(config: TranslatorConfig) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(json.dumps(asdict(config)))  # as the ledger stores it
    return record


def locked(out: Path) -> contextlib.AbstractContextManager[None]:
    def refuse(holder: str) -> RefusedError:
        return RefusedError(
            f"{out} is in use by another translator batch (pid {holder}); wait for it, or use another --out"
        )

    return durable.exclusive(out / LOCK, refuse)


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
