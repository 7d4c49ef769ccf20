"""What runs on a Ray job's workers (translator/cluster.py): the plan task and the translating actor."""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from translator import plan as flow
from translator.chunks import FATAL, Failure, failure, isolate
from translator.config import DecodeOptions, TranslatorConfig
from translator.errors import TranslatorError
from translator.memory import TranslationMemory
from translator.pipeline import Translator
from translator.results import Entry, Result, persist
from translator.reviewed import Snapshot
from translator.store import StoreError, open_database, open_sqlite
from translator.store.database import is_postgres_url
from translator.types import Translation


def plan_task(row: dict[str, Any]) -> dict[str, Any]:
    """A CPU task: the chunk's documents planned (`translator.plan.plan`), each a layout and its sentences, or
    why it could not be (`chunks.isolate`)."""
    chunk = pickle.loads(row["payload"])
    docs: dict[int, tuple[str, str, str]] = chunk["docs"]

    def plan(part: dict[int, tuple[str, str, str]]) -> dict[int, flow.Layout]:
        layouts = flow.plan((doc_id, text) for doc_id, text, _ in part.values()).layouts
        return dict(zip(part, layouts, strict=True))

    layouts = isolate(plan, docs)
    planned = {seq: Entry(docs[seq][2], layouts[seq]) for seq in docs}
    return {"first": chunk["first"], "payload": pickle.dumps({"first": chunk["first"], "planned": planned})}


class CollectingMemory(TranslationMemory):
    """The job's memory as an actor sees it: read-only lookups (none where this node cannot reach or read
    it), and stores collected for the driver, the memory's one writer. `address`: a SQLite path or the
    PostgreSQL URL (translator/store)."""

    def __init__(self, address: str | None) -> None:
        self.where, self.address = "", address or ""
        self.collected: list[tuple[str, str, Translation]] = []
        self.db = None  # type: ignore[assignment]
        with contextlib.suppress(TranslatorError):  # unreachable, unreadable: translated by the model instead
            if address is not None and is_postgres_url(address):
                self.db = open_database(address, pool_size=1)
            elif address is not None and Path(address).exists():
                self.db = open_sqlite(Path(address), ("memory",), read_only=True)

    def lookup(self, keys: Sequence[str]) -> dict[str, Translation]:
        if self.db is None:
            return {}
        try:
            return super().lookup(keys)
        except StoreError:
            return {}

    def store(
        self, entries: Sequence[tuple[str, str, Translation]], model: str, revision: str, options: DecodeOptions
    ) -> None:
        self.collected.extend(entries)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


class TranslateChunk:
    """An actor: loads the model once, translates plans into results and persists each one."""

    def __init__(
        self, config: TranslatorConfig, memory: str | None, reviewed: Snapshot | None, results: str, fingerprint: str
    ) -> None:
        # a memory even without the job's: it collects what finish() would store, which the driver ignores
        self.memory = CollectingMemory(memory)
        # the job's snapshot of the reviewed translations (the driver took it from the store when the job began)
        self.translator = Translator.from_config(config, download=False, memory=self.memory, reviewed=reviewed)
        self.results, self.fingerprint = Path(results), fingerprint

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        plan = pickle.loads(row["payload"])
        planned: dict[int, Entry] = plan["planned"]
        result = Result(plan["first"], self.fingerprint, self.translator.provenance().to_dict())
        before = replace(self.translator.stats)
        self.memory.collected.clear()
        layouts = {seq: e.result for seq, e in planned.items() if isinstance(e.result, flow.Layout)}
        try:
            found = isolate(self._translate, layouts)
        except FATAL as exc:
            fatal = replace(result, fatal=failure(exc).reason)
            return {"first": plan["first"], "payload": pickle.dumps(fatal)}
        docs = {seq: entry if seq not in found else translated(entry, found[seq]) for seq, entry in planned.items()}
        counts = self.translator.stats.since(before)
        result = replace(result, docs=docs, learned=list(self.memory.collected), counts=counts)
        persist(self.results, result)
        return {"first": plan["first"], "payload": pickle.dumps(result)}

    def _translate(self, layouts: dict[int, flow.Layout]) -> dict[int, tuple[Translation, ...]]:
        """One translate_sentences call for every sentence of these documents, cut back per document."""
        plans = {seq: flow.Plan((layout,)) for seq, layout in layouts.items()}
        sources = [s for p in plans.values() for s in p.sources]
        translations = iter(self.translator.translate_sentences(sources))
        return {seq: tuple(next(translations) for _ in p.sources) for seq, p in plans.items()}


def translated(entry: Entry, found: tuple[Translation, ...] | Failure) -> Entry:
    return replace(entry, result=found) if isinstance(found, Failure) else replace(entry, translations=found)
