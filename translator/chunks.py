"""What both drivers of an archive job share: what a chunk of documents is, what translating one returns, and the
per-record failure policy.

A job (translator/archive.py) reads documents in chunks and hands them to a chunk translation: in this process
(`translate_locally`), or on Ray (translator/cluster.py). Either yields, chunk by chunk and in input order, each
document's aligned translation or why it has none, and what the work counted.

The failure policy (`isolate`): what one record provokes fails that record alone; what the machine or the model
provokes (`FATAL`) stops the job, which a resume then goes on with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

from translator.errors import BackendError, OutputError
from translator.glossary import Glossary
from translator.pipeline import TranslationStats, Translator
from translator.readers import Document
from translator.types import AlignedDocument

FATAL = (OSError, MemoryError, BackendError, OutputError)  # the machine or the model, not the record
SCRATCH = "_scratch"  # an engine's files in the job's folder while it runs (Ray's chunk results): gone at the end
COMMIT_DOCUMENTS = 256  # a job commits at least this often, so an engine may forget results older than that

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Failure:
    """Why a document has no translation (its failure record says so)."""

    reason: str


@dataclass(frozen=True)
class Chunk:
    """Documents of a job, by their place in its input stream (seq), in input order."""

    documents: dict[int, Document]


@dataclass(frozen=True)
class Translated:
    """A chunk translated: each document's aligned translation or failure, and what the work counted (the
    sentences asked for, answered by the memory, sent to the model)."""

    documents: dict[int, AlignedDocument | Failure]
    counts: TranslationStats = field(default_factory=TranslationStats)


# how a job's chunks get translated: given the job's translator, its chunks and its glossary (None for none), each
# chunk's Translated, in order
ChunkTranslation = Callable[[Translator, Iterator[Chunk], Glossary | None], Iterator[Translated]]


def failure(exc: BaseException) -> Failure:
    return Failure(f"cannot translate: {type(exc).__name__}: {exc}")


def isolate(work: Callable[[dict[int, T]], Mapping[int, R]], items: dict[int, T]) -> dict[int, R | Failure]:
    """`work` done on all `items` at once, or, when that raises, on each alone: one bad record fails alone.
    Results do not depend on batch-mates, so either way they are the same. FATAL errors go up at once; when
    every item of several fails alone, the model is at fault, not the records, and that goes up too."""
    try:
        return dict(work(items))
    except FATAL:
        raise
    except Exception as exc:
        if len(items) <= 1:
            return {seq: failure(exc) for seq in items}
        alone: dict[int, R | Failure] = {}
        for seq, item in items.items():
            alone.update(isolate(work, {seq: item}))
        if all(isinstance(r, Failure) for r in alone.values()):
            raise BackendError(f"every document of a chunk failed; the first: {failure(exc).reason}") from exc
        return alone


def translate_locally(
    translator: Translator, chunks: Iterator[Chunk], glossary: Glossary | None = None
) -> Iterator[Translated]:
    """The chunk translation of this process: each chunk translated by `translator`, record failures isolated."""

    def translate(documents: dict[int, Document]) -> dict[int, AlignedDocument]:
        aligned = translator.translate_documents([(d.id, d.text) for d in documents.values()], glossary=glossary)
        return dict(zip(documents, aligned, strict=True))

    for chunk in chunks:
        before = replace(translator.stats)
        documents = isolate(translate, chunk.documents)
        yield Translated(documents, translator.stats.since(before))
