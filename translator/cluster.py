"""The Ray Data driver of an archive job: `translator batch ... --ray [ADDRESS]`.

The archive job (translator/archive.py) reads, parses, writes and commits exactly as it does locally; only
the translation of its chunks of documents runs on Ray. `translate_chunks` is a chunk translation
(translator/chunks.py): it takes the job's chunks and yields, chunk by chunk and in input order, what
`chunks.translate_locally` yields: each document's aligned translation or failure, and the counts.

Data flow (one Ray Data dataset for the whole run, so each actor loads the model once):

    driver: job chunks ──► Ray chunks of `chunk_documents` documents ──► a Ray queue (bounded window)
    read tasks (0.25 CPU) pull Ray chunks from the queue, fused with plan (`translator.plan.plan`: each
        document segmented into its layout and sentences)
    actor pool (`actors` actors, `cpus_per_actor` CPU, `gpus_per_actor` GPU): `Translator.translate_sentences`
        (prepare: the memory, read-only, and the English pass-through; decode; finish), record failures
        isolated as locally (`chunks.isolate`); the translations the memory should keep are collected, not
        written; write the chunk's result file and done marker
    driver: results arrive in any order; the job's translator learns what each one learned
        (`Translator.learn`: the memory's new entries, one writer, and the counts); they are held until the
        oldest job chunk is complete, then assembled (`translator.plan.assemble`) and yielded in input order

Actors are made with no restarts: Ray Data puts an actor's constructor arguments in the object store, from
which a restart could not rebuild it once they are gone. An actor that dies fails the run, and the job resumes.

Durability: a result file holds everything the driver needs to assemble its documents (segmentation,
translations, failure reasons), keyed by seq and by a hash of each document's id and text, under a
fingerprint of the translator's identity (`Translator.identity`); it is written whole (translator/durable.py),
then its marker `<first seq>.done`. A resumed driver (after a SIGKILL at any moment) takes a chunk's documents
from result files whose marker exists and whose hashes and fingerprint match, and sends Ray only the rest.
Translations do not depend on batch-mates, so a stored result and a fresh one are the same bytes: results are
a cache of work done, never a source of truth about what was written. What was written is the job's ledger:
it truncates its output streams to the last commit and asks for the documents after it, so a document is
written once however often the driver dies. Result files are deleted once the job must have committed them (it
commits at least every `chunks.COMMIT_DOCUMENTS` documents) and at the end of the run.

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
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from translator import plan as flow
from translator.chunks import SCRATCH, Chunk, ChunkTranslation, Failure, Translated
from translator.errors import BackendError, RefusedError, TranslatorError
from translator.pipeline import TranslationStats, Translator
from translator.readers import Document
from translator.results import Entry, Result, Store, doc_hash
from translator.types import AlignedDocument
from translator.worker import TranslateChunk, plan_task

RESULTS = f"{SCRATCH}/ray"  # the results folder, inside the job's --out (the job removes it when complete)
INSTALL = "the Ray engine needs Ray: pip install -e .[ray]"


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
    """The job's chunk translation (chunks.ChunkTranslation) on Ray, with its results in `results`."""

    def translate(translator: Translator, chunks: Iterator[Chunk]) -> Iterator[Translated]:
        return translate_chunks(chunks, translator, options, results)

    import_ray()  # fail before the job touches anything
    return translate


@dataclass
class _Pending:
    """A job chunk: its documents, the entries back so far, the first seqs of its Ray chunks not yet back."""

    documents: dict[int, Document]
    entries: dict[int, Entry]
    waiting: set[int] = field(default_factory=set)
    counts: TranslationStats = field(default_factory=TranslationStats)


# -- the driver -----------------------------------------------------------------------------------------------


def translate_chunks(
    chunks: Iterator[Chunk], translator: Translator, options: RayOptions, results: Path
) -> Iterator[Translated]:
    """Each of `chunks`, translated, in order. `translator` is the job's: its config says how to load the actors'
    model, its memory is consulted (read-only, in the actors' prepare) and written (through `learn`)."""
    driver = _Driver(translator, options, results)
    try:
        yield from driver.run(iter(chunks))
    finally:
        if driver.cluster is not None:
            driver.cluster.shutdown()


class _Driver:
    """One run on Ray: job chunks split into Ray chunks and sent (a bounded window of them in flight), results
    received in any order and filed with their job chunk, job chunks yielded in input order."""

    def __init__(self, translator: Translator, options: RayOptions, results: Path) -> None:
        self.translator, self.options, self.results = translator, options, results
        self.provenance = translator.provenance()
        identity = json.dumps(translator.identity(), sort_keys=True).encode()
        self.fingerprint = hashlib.sha256(identity).hexdigest()[:16]
        self.store = Store(results, self.fingerprint)
        self.size = options.chunk_documents or translator.config.documents_per_chunk
        self.window = 2 * options.actors + 2  # Ray chunks in flight: keeps every actor busy, bounds memory
        self.cluster: _Cluster | None = None
        self.pending: deque[_Pending] = deque()
        self.exhausted = False

    def run(self, source: Iterator[Chunk]) -> Iterator[Translated]:
        while True:
            self._feed(source)
            if not self.pending:
                break
            head = self.pending[0]
            while head.waiting:
                self._receive()
            self.pending.popleft()
            yield self._assemble(head)
            if head.documents:
                self.store.written(max(head.documents))
        self.store.clear()

    def _feed(self, source: Iterator[Chunk]) -> None:
        """Send job chunks until the window is full or the job has no more."""
        while not self.exhausted and (self.cluster is None or self.cluster.in_flight < self.window):
            chunk = next(source, None)
            if chunk is None:
                self.exhausted = True
                if self.cluster is not None:
                    self.cluster.close_input()
                return
            item = _Pending(chunk.documents, self.store.take(chunk.documents))
            todo = {s: d for s, d in chunk.documents.items() if s not in item.entries}
            for part in _split(todo, self.size):
                if self.cluster is None:
                    self.cluster = _Cluster(self.options, self.translator, self.fingerprint, self.results)
                item.waiting.add(min(part))
                self.cluster.send(min(part), {s: (d.id, d.text, doc_hash(d)) for s, d in part.items()})
            self.pending.append(item)

    def _receive(self) -> None:
        """One Ray chunk's result, learned and filed with its job chunk."""
        assert self.cluster is not None
        result = self.cluster.receive()
        if result.fatal:
            raise BackendError(f"a Ray actor could not translate: {result.fatal}")
        if result.provenance != self.provenance.to_dict():
            raise BackendError(
                f"the Ray actors translate with {_describe(result.provenance)}, the job with "
                f"{_describe(self.provenance.to_dict())}: give the actors the job's device and backend"
            )
        self.translator.learn(result.learned, result.counts)
        item = next(item for item in self.pending if result.first in item.waiting)
        item.waiting.discard(result.first)
        item.entries.update(result.docs)
        item.counts.add(result.counts)
        self.store.arrived(result.first, max(result.docs))

    def _assemble(self, item: _Pending) -> Translated:
        documents: dict[int, AlignedDocument | Failure] = {}
        for seq in item.documents:
            entry = item.entries[seq]
            if isinstance(entry.result, Failure):
                documents[seq] = entry.result
            else:
                (documents[seq],) = flow.assemble(flow.Plan((entry.result,)), entry.translations, self.provenance)
        return Translated(documents, item.counts)


def _split(documents: dict[int, Document], size: int) -> Iterator[dict[int, Document]]:
    seqs = sorted(documents)
    for start in range(0, len(seqs), size):
        yield {s: documents[s] for s in seqs[start : start + size]}


def _describe(prov: dict[str, Any]) -> str:
    return f"model {prov.get('model')}@{prov.get('revision')}, backend {prov.get('backend')}"


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
        memory = translator.memory.address if translator.memory is not None else None
        results.mkdir(parents=True, exist_ok=True)
        ds = ray.data.read_datasource(
            _QueueSource(self.input, self.readers), override_num_blocks=self.readers, num_cpus=0.25
        ).map(plan_task, num_cpus=0.25)
        ds = ds.map(
            TranslateChunk,
            fn_constructor_kwargs={
                "config": translator.config,
                "memory": memory,
                "reviewed": translator.reviewed.snapshot() if translator.reviewed is not None else None,
                "results": str(results),
                "fingerprint": fingerprint,
            },
            compute=ray.data.ActorPoolStrategy(size=options.actors),
            num_cpus=options.cpus_per_actor,
            num_gpus=options.gpus_per_actor or None,
            max_restarts=0,  # a restart would need the constructor arguments, which the object store may lose
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

    def receive(self) -> Result:
        kind, value = self.output.get()
        if kind == "row":
            self.in_flight -= 1
            result: Result = pickle.loads(value["payload"])
            return result
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
