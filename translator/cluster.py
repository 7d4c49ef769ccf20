"""The Ray Data driver of an archive job: `translator batch ... --ray [ADDRESS]`.

The archive job (translator/archive.py) reads, parses, writes and commits exactly as it does locally; only
the translation of its chunks of documents runs on Ray. `translate_chunks` takes the job's chunks (each a
dict seq → Document, in input order) and yields, chunk by chunk and in input order, what
`archive._translate_isolated` yields locally: seq → AlignedDocument, or a string saying why that record
could not be translated.

Data flow (one Ray Data dataset for the whole run, so each actor loads the model once):

    driver: job chunks ──► Ray chunks of `chunk_documents` documents ──► a Ray queue (bounded window)
    read tasks (0.25 CPU) pull Ray chunks from the queue, fused with plan (`translator.plan.plan`: each
        document segmented into its layout and sentences)
    actor pool (`actors` actors, `cpus_per_actor` CPU, `gpus_per_actor` GPU): `Translator.translate_sentences`
        (prepare: the memory, read-only, and the English pass-through; decode; finish), isolating failures
        record by record; the translations the memory should keep are collected, not written; write the
        chunk's result file and done marker
    driver: results arrive in any order; they are held until the oldest job chunk is complete, then
        assembled (`translator.plan.assemble`) and yielded in input order; new translations are stored in
        the memory there (one writer)

Durability: a result file holds everything the driver needs to assemble its documents (segmentation,
translations, failure reasons), keyed by seq and by a hash of each document's id and text, under a
fingerprint of the model and decode options; it is written to a temporary name, fsynced and renamed, then
its marker `<first seq>.done` is written. A resumed driver (after a SIGKILL at any moment) takes a chunk's
documents from result files whose marker exists and whose hashes and fingerprint match, and sends Ray only
the rest. Translations do not depend on batch-mates, so a stored result and a fresh one are the same bytes:
results are a cache of work done, never a source of truth about what was written. What was written is the
job's ledger: it truncates its output streams to the last commit and asks for the documents after it, so
a document is written once however often the driver dies. Result files are deleted once the job must have
committed them (it commits at least every `archive.COMMIT_DOCUMENTS` documents) and at the end of the run.

Ray is imported here only, and only when a job uses it: `import translator` never imports ray.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from translator import plan as flow
from translator.archive import COMMIT_DOCUMENTS, SCRATCH, ChunkTranslation
from translator.config import DecodeOptions, TranslatorConfig
from translator.errors import BackendError, OutputError, RefusedError, TranslatorError
from translator.memory import TranslationMemory
from translator.pipeline import Translator
from translator.readers import Document
from translator.types import AlignedDocument, Translation

RESULTS = f"{SCRATCH}/ray"  # the results folder, inside the job's --out (the job removes it when complete)
INSTALL = "the Ray engine needs Ray: pip install -e .[ray]"
_DONE, _RESULT = ".done", ".pickle"
_FATAL = (OSError, MemoryError, BackendError, OutputError)  # the machine or the model, not the record


@dataclass(frozen=True)
class RayOptions:
    address: str | None = None  # None: a local Ray started for the job; "auto" or "ray://...": a cluster
    actors: int = 2
    gpus_per_actor: float = 0.0
    cpus_per_actor: float = 0.5  # fractional on purpose: actors must never take every CPU (ray#44687)
    chunk_documents: int | None = None  # documents per Ray chunk; None: the job's documents_per_chunk
    no_progress_timeout_s: float = 600.0  # Ray Data gives up after this long without progress (default 30 min)
    extra_init: dict[str, Any] = field(default_factory=dict)  # more ray.init arguments (tests, benchmarks)


def import_ray() -> Any:
    """ray, or RefusedError naming the extra to install."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise RefusedError(INSTALL) from None
    return ray


def engine(options: RayOptions, results: Path) -> ChunkTranslation:
    """The job's chunk translation (archive.ChunkTranslation) on Ray, with its results in `results`."""

    def translate(
        translator: Translator, chunks: Iterator[dict[int, Document]]
    ) -> Iterator[dict[int, AlignedDocument | str]]:
        return translate_chunks(chunks, translator, options, results)

    import_ray()  # fail before the job touches anything
    return translate


# -- the driver -----------------------------------------------------------------------------------------------


def translate_chunks(
    chunks: Iterator[dict[int, Document]],
    translator: Translator,
    options: RayOptions,
    results: Path,
) -> Iterator[dict[int, AlignedDocument | str]]:
    """For each chunk of `chunks`, in order, seq → AlignedDocument or a failure reason. `translator` is the
    job's: its config says how to load the actors' model, its memory is consulted (read-only, in the actors'
    prepare) and written (here), its stats count the work."""
    config = translator.config
    decode = config.decode
    provenance = translator.provenance(decode)
    fingerprint = _fingerprint(config, provenance.to_dict())
    store = _Store(results, fingerprint)
    size = options.chunk_documents or config.documents_per_chunk
    window = 2 * options.actors + 2  # Ray chunks in flight: keeps every actor busy, bounds memory
    cluster: _Cluster | None = None
    pending: deque[_Pending] = deque()
    try:
        source = iter(chunks)
        exhausted = False
        while True:
            while not exhausted and (cluster is None or cluster.in_flight < window):
                documents = next(source, None)
                if documents is None:
                    exhausted = True
                    if cluster is not None:
                        cluster.close_input()
                    break
                item = _Pending(documents, store.take(documents))
                todo = {s: d for s, d in documents.items() if s not in item.entries}
                if todo:
                    if cluster is None:
                        cluster = _Cluster(options, translator, fingerprint, results)
                    for part in _split(todo, size):
                        first = min(part)
                        item.waiting.add(first)
                        cluster.send(first, {s: (d.id, d.text, _doc_hash(d)) for s, d in part.items()})
                pending.append(item)
            if not pending:
                break
            head = pending[0]
            while head.waiting:
                assert cluster is not None
                first, result = cluster.receive()
                _check_result(result, provenance)
                if translator.memory is not None and result["new"]:
                    translator.memory.store(result["new"], translator.source.name, translator.source.revision, decode)
                stats = translator.stats
                stats.sentences += result["stats"]["sentences"]
                stats.memory_hits += result["stats"]["memory_hits"]
                stats.model_sentences += result["stats"]["model_sentences"]
                for item in pending:
                    if first in item.waiting:
                        item.waiting.discard(first)
                        item.entries.update(result["docs"])
                        break
                store.arrived(first, max(result["docs"]))
            pending.popleft()
            translated = {}
            for seq in head.documents:
                entry = head.entries[seq]
                if entry[0] == "fail":
                    translated[seq] = entry[2]
                else:
                    (translated[seq],) = flow.assemble(flow.Plan((entry[2],)), entry[3], provenance)
            last = max(head.documents, default=None)
            _check_isolation(head.documents, translated)
            yield translated
            if last is not None:
                store.written(last)
        store.clear()
    finally:
        if cluster is not None:
            cluster.shutdown()


@dataclass
class _Pending:
    documents: dict[int, Document]
    entries: dict[int, tuple[Any, ...]]  # seq → ("ok", hash, Layout, translations) or ("fail", hash, why)
    waiting: set[int] = field(default_factory=set)  # first seqs of its Ray chunks not yet back


def _split(documents: dict[int, Document], size: int) -> Iterator[dict[int, Document]]:
    seqs = sorted(documents)
    for start in range(0, len(seqs), size):
        yield {s: documents[s] for s in seqs[start : start + size]}


def _check_result(result: dict[str, Any], provenance: Any) -> None:
    if result.get("fatal"):
        raise BackendError(f"a Ray actor could not translate: {result['fatal']}")
    if result["provenance"] != provenance.to_dict():
        raise BackendError(
            f"the Ray actors translate with {_describe(result['provenance'])}, the job with "
            f"{_describe(provenance.to_dict())}: give the actors the job's device and backend"
        )


def _check_isolation(documents: dict[int, Document], translated: dict[int, Any]) -> None:
    """As locally: when every document of a chunk fails alone, the model is at fault, not the records."""
    if len(translated) > 1 and all(isinstance(r, str) for r in translated.values()):
        raise BackendError(f"every document of a chunk failed; the first: {next(iter(translated.values()))}")


def _describe(prov: dict[str, Any]) -> str:
    return f"model {prov.get('model')}@{prov.get('revision')}, backend {prov.get('backend')}"


def _doc_hash(doc: Document) -> str:
    return hashlib.sha256(f"{doc.id}\0{doc.text}".encode("utf-8", "surrogatepass")).hexdigest()


def _fingerprint(config: TranslatorConfig, provenance: dict[str, Any]) -> str:
    material = {
        "provenance": provenance,
        "decode": asdict(config.decode),
        "translate_english": config.translate_english,
        "retry_loops": config.retry_loops,
        "max_sentence_tokens": config.max_sentence_tokens,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:16]


class _Cluster:
    """The Ray side of one run: the connection, the input queue, the dataset and a thread draining it."""

    def __init__(self, options: RayOptions, translator: Translator, fingerprint: str, results: Path) -> None:
        ray = import_ray()
        from ray.util.queue import Queue

        self.ray = ray
        self.started_here = not ray.is_initialized()
        if self.started_here:
            init: dict[str, Any] = {
                "address": options.address,
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
            }
            # actors load the model from the cache (download=False), never from the hub
            env_vars = {"HF_HUB_OFFLINE": "1"}
            if options.address is None:  # workers import this very package; Ray expands ${PYTHONPATH} itself
                env_vars["PYTHONPATH"] = f"{Path(__file__).resolve().parents[1]}{os.pathsep}${{PYTHONPATH}}"
            init["runtime_env"] = {"env_vars": env_vars}
            ray.init(**{**init, **options.extra_init})
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        context.execution_options.preserve_order = False  # the driver restores the order itself
        context.execution_no_progress_timeout_s = options.no_progress_timeout_s
        # a block leaves an operator when it is full (128 MiB): a Ray chunk must leave at once, or the read
        # tasks, which wait on the driver, and the driver, which waits on results, wait for ever
        context.target_max_block_size = 1
        self.readers = 2
        self.input = Queue(actor_options={"num_cpus": 0})
        self.output: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.in_flight = 0
        memory = translator.memory.path if translator.memory is not None else None
        results.mkdir(parents=True, exist_ok=True)
        ds = ray.data.read_datasource(
            _QueueSource(self.input, self.readers), override_num_blocks=self.readers, num_cpus=0.25
        ).map(_plan, num_cpus=0.25)
        ds = ds.map(
            _TranslateChunk,
            fn_constructor_kwargs={
                "config": translator.config,
                "memory": str(memory) if memory else None,
                "results": str(results),
                "fingerprint": fingerprint,
            },
            compute=ray.data.ActorPoolStrategy(size=options.actors),
            num_cpus=options.cpus_per_actor,
            num_gpus=options.gpus_per_actor or None,
        )
        self.thread = threading.Thread(target=self._drain, args=(ds,), name="ray-results", daemon=True)
        self.thread.start()

    def _drain(self, ds: Any) -> None:
        try:
            # a whole block at a time, nothing held back: the driver may need every result in flight before it
            # sends more (iter_rows prefetches, and would keep the last ones until the input ends)
            for batch in ds.iter_batches(batch_size=None, batch_format="pyarrow", prefetch_batches=0):
                for row in batch.to_pylist():
                    self.output.put(("row", row))
            self.output.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 (handed to the driver's thread, which raises it)
            self.output.put(("error", exc))

    def send(self, first: int, documents: dict[int, tuple[str, str, str]]) -> None:
        self.input.put(pickle.dumps({"first": first, "docs": documents}))
        self.in_flight += 1

    def close_input(self) -> None:
        for _ in range(self.readers):
            self.input.put(None)

    def receive(self) -> tuple[int, dict[str, Any]]:
        kind, value = self.output.get()
        if kind == "row":
            self.in_flight -= 1
            return int(value["first"]), pickle.loads(value["payload"])
        if kind == "end":
            raise BackendError("the Ray dataset ended before every chunk came back")
        if isinstance(value, TranslatorError):
            raise value
        raise BackendError(f"the Ray job failed: {type(value).__name__}: {value}") from value

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            self.ray.kill(self.input.actor)  # readers waiting on the queue end, and so does the dataset
        self.thread.join(timeout=30)
        if self.started_here:
            self.ray.shutdown()


class _QueueSource:
    """A Ray Data datasource whose `readers` read tasks pull Ray chunks from a queue until told to stop."""

    def __new__(cls, *args: Any) -> Any:
        from ray.data.block import BlockMetadata
        from ray.data.datasource import Datasource, ReadTask

        class QueueSource(Datasource):
            def __init__(self, source: Any, readers: int) -> None:
                self.source, self.readers = source, readers

            def estimate_inmemory_data_size(self) -> int | None:
                return None

            def get_read_tasks(
                self, parallelism: int, per_task_row_limit: int | None = None, data_context: Any = None
            ) -> list[ReadTask]:
                meta = BlockMetadata(num_rows=None, size_bytes=None, input_files=None, exec_stats=None)
                return [ReadTask(functools.partial(_read, self.source), meta) for _ in range(self.readers)]

        return QueueSource(*args)


def _read(source: Any) -> Iterator[Any]:
    import pyarrow as pa

    while (item := source.get()) is not None:
        chunk = pickle.loads(item)
        yield pa.table({"first": [chunk["first"]], "payload": [item]})


# -- the workers ----------------------------------------------------------------------------------------------


def _plan(row: dict[str, Any]) -> dict[str, Any]:
    """A CPU task: the chunk's documents planned (`translator.plan.plan`), each a layout and its sentences.
    When the chunk cannot be planned, each document is planned alone, so that one bad record fails alone."""
    chunk = pickle.loads(row["payload"])
    docs: dict[int, tuple[str, str, str]] = chunk["docs"]
    planned: dict[int, Any] = {}
    try:
        whole = flow.plan((doc_id, text) for doc_id, text, _ in docs.values())
    except _FATAL:
        raise
    except Exception:  # noqa: BLE001 (planned again document by document)
        for seq, (doc_id, text, digest) in docs.items():
            try:
                (layout,) = flow.plan([(doc_id, text)]).layouts
            except _FATAL:
                raise
            except Exception as exc:  # noqa: BLE001 (what one record provokes fails that record)
                planned[seq] = ("fail", digest, _reason(exc))
            else:
                planned[seq] = ("plan", digest, layout)
    else:
        for (seq, (_, _, digest)), layout in zip(docs.items(), whole.layouts, strict=True):
            planned[seq] = ("plan", digest, layout)
    return {"first": chunk["first"], "payload": pickle.dumps({"first": chunk["first"], "planned": planned})}


class _CollectingMemory(TranslationMemory):
    """The job's memory as an actor sees it: read-only lookups (none where this node cannot see or read
    it), and stores collected for the driver, the memory's one writer."""

    def __init__(self, path: Path | None) -> None:
        self.path = path  # type: ignore[assignment]
        self.collected: list[tuple[str, str, Translation]] = []
        self._db = None  # type: ignore[assignment]
        if path is not None and path.exists():
            with contextlib.suppress(sqlite3.Error):
                self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)

    def lookup(self, keys: Sequence[str]) -> dict[str, Translation]:
        if self._db is None:
            return {}
        try:
            return super().lookup(keys)
        except sqlite3.Error:
            return {}

    def store(
        self, entries: Sequence[tuple[str, str, Translation]], model: str, revision: str, options: DecodeOptions
    ) -> None:
        self.collected.extend(entries)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


class _TranslateChunk:
    """An actor: loads the model once, translates plans into results and persists each one."""

    def __init__(self, config: TranslatorConfig, memory: str | None, results: str, fingerprint: str) -> None:
        # a memory even without the job's: it collects what finish() would store, which the driver ignores
        self.memory = _CollectingMemory(Path(memory) if memory else None)
        self.translator = Translator.from_config(config, download=False, memory=self.memory)
        self.results, self.fingerprint = Path(results), fingerprint

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        plan = pickle.loads(row["payload"])
        stats = self.translator.stats
        before = (stats.sentences, stats.memory_hits, stats.model_sentences)
        self.memory.collected.clear()
        result: dict[str, Any] = {
            "first": plan["first"],
            "fingerprint": self.fingerprint,
            "provenance": self.translator.provenance().to_dict(),
            "docs": {},
            "new": [],
            "fatal": None,
        }
        planned = plan["planned"]
        layouts = {seq: e[2] for seq, e in planned.items() if e[0] == "plan"}
        try:
            found = self._isolated(layouts)
        except _FATAL as exc:
            result["fatal"] = _reason(exc)
            return {"first": plan["first"], "payload": pickle.dumps(result)}
        for seq, entry in planned.items():
            if entry[0] == "fail":
                result["docs"][seq] = entry
            elif isinstance(found[seq], str):
                result["docs"][seq] = ("fail", entry[1], found[seq])
            else:
                result["docs"][seq] = ("ok", entry[1], entry[2], found[seq])
        result["new"] = list(self.memory.collected)
        result["stats"] = {
            "sentences": stats.sentences - before[0],
            "memory_hits": stats.memory_hits - before[1],
            "model_sentences": stats.model_sentences - before[2],
        }
        _persist(self.results, plan["first"], result)
        return {"first": plan["first"], "payload": pickle.dumps(result)}

    def _isolated(self, layouts: dict[int, flow.Layout]) -> dict[int, Any]:
        """Each document's translations in sentence order, or why it failed. The chunk's sentences are
        translated in one call; when that raises, document by document, so one bad record fails alone."""
        try:
            return self._translate(layouts)
        except _FATAL:
            raise
        except Exception as exc:  # noqa: BLE001 (tried again record by record)
            if len(layouts) <= 1:
                return {seq: _reason(exc) for seq in layouts}
            alone: dict[int, Any] = {}
            for seq, layout in layouts.items():
                try:
                    alone.update(self._translate({seq: layout}))
                except _FATAL:
                    raise
                except Exception as one:  # noqa: BLE001 (this record fails, alone)
                    alone[seq] = _reason(one)
            return alone

    def _translate(self, layouts: dict[int, flow.Layout]) -> dict[int, list[Translation]]:
        """One translate_sentences call for every sentence of these documents, cut back per document."""
        plans = {seq: flow.Plan((layout,)) for seq, layout in layouts.items()}
        sources = [s for p in plans.values() for s in p.sources]
        translations = iter(self.translator.translate_sentences(sources))
        return {seq: [next(translations) for _ in p.sources] for seq, p in plans.items()}


def _reason(exc: BaseException) -> str:
    return f"cannot translate: {type(exc).__name__}: {exc}"


def _persist(folder: Path, first: int, result: dict[str, Any]) -> None:
    """The result file (temporary name, fsync, rename), then its done marker; a crash leaves either both,
    a result without a marker (ignored, overwritten), or a temporary file (removed by the next driver)."""
    path = folder / f"{first:012d}{_RESULT}"
    partial = folder / f".{first:012d}.{os.getpid()}.partial"
    with partial.open("wb") as out:
        pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()
        os.fsync(out.fileno())
    partial.replace(path)
    marker = folder / f"{first:012d}{_DONE}"
    with marker.open("wb") as out:
        os.fsync(out.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Store:
    """The results folder as the driver sees it: which seqs have a finished result, and when to forget them."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder, self.fingerprint = folder, fingerprint
        self.entries: dict[int, tuple[Any, ...]] = {}
        self.files: dict[int, int] = {}  # first seq → last seq, of every result file not yet deleted
        if not folder.is_dir():
            return
        for stale in folder.glob(".*.partial"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        for marker in sorted(folder.glob(f"*{_DONE}")):
            first = int(marker.name.removesuffix(_DONE))
            try:
                with (folder / f"{first:012d}{_RESULT}").open("rb") as stream:
                    result = pickle.load(stream)
            except (OSError, pickle.UnpicklingError, EOFError):
                continue
            if result.get("fingerprint") != fingerprint or result.get("fatal"):
                continue
            self.entries.update(result["docs"])
            self.files[first] = max(result["docs"])

    def take(self, documents: dict[int, Document]) -> dict[int, tuple[Any, ...]]:
        """The stored entries for these documents (the same document, by id and text)."""
        if self.files and documents:  # a resumed job asks for nothing before its last commit: forget that
            self._delete(below=min(documents))
        return {
            s: self.entries[s] for s, d in documents.items() if s in self.entries and self.entries[s][1] == _doc_hash(d)
        }

    def arrived(self, first: int, last: int) -> None:
        self.files[first] = last

    def written(self, last: int) -> None:
        """The job has written every document up to `last`; it has committed all but its last
        COMMIT_DOCUMENTS, so results below that are no longer needed."""
        self._delete(below=last - COMMIT_DOCUMENTS + 1)

    def _delete(self, below: int) -> None:
        for first, last in sorted(self.files.items()):
            if last < below:
                self._unlink(first)

    def _unlink(self, first: int) -> None:
        for suffix in (_DONE, _RESULT):  # the marker first: a result without one is never used
            with contextlib.suppress(FileNotFoundError):
                (self.folder / f"{first:012d}{suffix}").unlink()
        last = self.files.pop(first)
        for seq in [s for s in self.entries if first <= s <= last]:
            del self.entries[seq]

    def clear(self) -> None:
        """The run is over: every result is written (and about to be committed)."""
        for first in list(self.files):
            self._unlink(first)
        with contextlib.suppress(OSError):
            for leftover in self.folder.iterdir():
                leftover.unlink()
            self.folder.rmdir()


def wait_for_results(folder: Path, timeout: float = 120.0) -> bool:
    """True once a result marker exists in `folder` (for tests and benchmarks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if folder.is_dir() and any(folder.glob(f"*{_DONE}")):
            return True
        time.sleep(0.02)
    return False
