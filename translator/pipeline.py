"""Translator: one loaded model, and the flow's middle step, translating a sentence list (translator/plan.py
has the pure ends, plan and assemble). That step is three for drivers that schedule the model themselves (the
service's batcher, a Ray job): `prepare` (memory, duplicates, tokens, pieces), `decode` (the model, in length
bands, with the runaway guard) and `finish` (pieces joined, flags, memory).

The library's own driver pools documents in chunks, so that short documents share batches, and streams them
back in input order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, astuple, dataclass, fields, replace
from functools import cached_property
from itertools import accumulate, islice
from typing import Any

from translator import batching, models, pieces, quality
from translator._version import __version__
from translator.backends import Backend, Output, load_backend
from translator.config import DEFAULT_MODEL, BackendName, DecodeOptions, DeviceName, TranslatorConfig
from translator.memory import TranslationMemory
from translator.plan import assemble, plan
from translator.reviewed import Reviewed
from translator.segment import SEGMENTER_VERSION
from translator.types import AlignedDocument, Provenance, Translation

log = logging.getLogger(__name__)


@dataclass
class TranslationStats:
    """Running counts since the Translator was made: sentences asked for, answered by the memory, sent to
    the model (distinct ones only)."""

    sentences: int = 0
    memory_hits: int = 0
    model_sentences: int = 0

    def since(self, earlier: TranslationStats) -> TranslationStats:
        """The counts between `earlier` (a copy taken then) and now."""
        return TranslationStats(*(now - then for now, then in zip(astuple(self), astuple(earlier), strict=True)))

    def add(self, more: TranslationStats) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(more, f.name))


class Translator:
    """Owns one loaded model; `translate*` may be called any number of times."""

    def __init__(
        self,
        backend: Backend,
        config: TranslatorConfig,
        source: models.ModelSource,
        memory: TranslationMemory | None = None,
        reviewed: Reviewed | None = None,
    ) -> None:
        self.backend = backend
        self.config = config
        self.source = source
        self.memory = memory
        self.reviewed = reviewed  # the deployment's reviewed translations, read first (translator/reviewed.py)
        self.stats = TranslationStats()

    @classmethod
    def load(
        cls,
        model: str = DEFAULT_MODEL,
        *,
        backend: BackendName = "auto",
        device: DeviceName = "auto",
        revision: str | None = None,
        beam_size: int = 4,
        download: bool = True,
    ) -> Translator:
        """Load `model` (a hub id or a local Marian directory); fetch it from the hub if `download`."""
        config = TranslatorConfig(
            model=model, revision=revision, backend=backend, device=device, decode=DecodeOptions(beam_size)
        )
        return cls.from_config(config, download=download)

    @classmethod
    def from_config(
        cls,
        config: TranslatorConfig,
        *,
        download: bool = True,
        memory: TranslationMemory | None = None,
        reviewed: Reviewed | None = None,
    ) -> Translator:
        source = models.resolve(config.model, config.revision, download=download)
        return cls(load_backend(config.backend, source, config.device), config, source, memory, reviewed)

    def beside(self) -> Translator | None:
        """A Translator over the same model on an engine of its own, giving this one's outputs, to run beside
        it (the service's express lane); None when the backend cannot make a second engine (`solo`)."""
        solo = getattr(self.backend, "solo", None)
        return None if solo is None else Translator(solo(), self.config, self.source, self.memory, self.reviewed)

    def provenance(self, decode: DecodeOptions | None = None) -> Provenance:
        return Provenance(
            model=self.source.name,
            revision=self.source.revision,
            backend=self.backend.name,
            beam_size=(decode or self.config.decode).beam_size,
            segmenter=SEGMENTER_VERSION,
            version=__version__,
        )

    def identity(self) -> dict[str, Any]:
        """What this translator's outputs depend on, as JSON: what made them (provenance) and every option that
        changes a translation. Batch sizes are not part of it: a sentence's translation does not depend on its
        batch. A job's signature holds it, and a Ray job's stored results are keyed by it; with reviewed
        translations, the fingerprint of their snapshot too (a job holds one: translator/archive.py)."""
        config = self.config
        reviewed = self.reviewed.snapshot().fingerprint if self.reviewed is not None else None
        return {
            "reviewed": reviewed,
            "provenance": self.provenance().to_dict(),
            "decode": {
                **asdict(config.decode),
                "translate_english": config.translate_english,
                "retry_loops": config.retry_loops,
                "max_sentence_tokens": config.max_sentence_tokens,
            },
        }

    def learn(
        self,
        entries: Sequence[tuple[str, str, Translation]],
        counts: TranslationStats,
        decode: DecodeOptions | None = None,
    ) -> None:
        """Take in what a translator elsewhere over the same model (a Ray actor) learned: the translations it
        would have stored in the memory (`entries`, as `remember` makes them; this one is the memory's one
        writer) and its counts."""
        if self.memory is not None and entries:
            self.memory.store(entries, self.source.name, self.source.revision, decode or self.config.decode)
        self.stats.add(counts)

    def translate(self, texts: Sequence[str], decode: DecodeOptions | None = None) -> list[str]:
        """N texts in, N English texts out, in order; each text may hold many paragraphs."""
        docs = self.translate_documents(((str(i), text) for i, text in enumerate(texts)), decode)
        return [doc.translation for doc in docs]

    def translate_document(
        self, text: str, doc_id: str = "doc", decode: DecodeOptions | None = None
    ) -> AlignedDocument:
        return next(self.translate_documents([(doc_id, text)], decode))

    def translate_documents(
        self, documents: Iterable[tuple[str, str]], decode: DecodeOptions | None = None
    ) -> Iterator[AlignedDocument]:
        """Stream aligned documents in input order; memory stays bounded by one chunk of documents."""
        decode = decode or self.config.decode
        provenance = self.provenance(decode)
        iterator = iter(documents)
        while chunk := list(islice(iterator, self.config.documents_per_chunk)):
            planned = plan(chunk)
            yield from assemble(planned, self.translate_sentences(planned.sources, decode), provenance)

    def translate_sentences(self, sources: Sequence[str], decode: DecodeOptions | None = None) -> list[Translation]:
        """Each sentence's English and flags, in order: `prepare`, `decode` its pieces, `finish`.

        Batch-invariant: a sentence's English and flags depend on the sentence, the model and revision and
        `decode` only, never on the other sentences of the call (nor on how a caller cut its input into
        calls): the model sees batches of one length band, each input padded to its band's width and decoded
        to the band's cap (`batching.token_batches`), and the runaway guard judges and retries each piece on
        its own output.
        """
        decode = decode or self.config.decode
        work = self.prepare(sources, decode)
        return self.finish(work, self.decode(work.rows, decode))

    def prepare(self, sources: Sequence[str], decode: DecodeOptions | None = None) -> Work:
        """Sentences made ready for the model: cleaned, duplicates pooled; answered first those with reviewed
        English (origin `reviewed`: no flags, no confidence, no glossary), then those the memory knows, those
        without a letter or digit (and, unless asked to translate English, those already English); the rest
        tokenized once and cut into pieces of at most the model's sentence length."""
        decode = decode or self.config.decode
        distinct, where = batching.unique([pieces.clean(s) for s in sources])
        found: dict[int, Translation] = {}
        if self.reviewed is not None:
            english = self.reviewed.english(distinct)
            found = {i: Translation(e, origin="reviewed") for i, e in enumerate(english) if e is not None}
        keys: list[str] = []
        if self.memory is not None:
            keys = [TranslationMemory.key(d, self.source.name, self.source.revision, decode) for d in distinct]
            hits = self.memory.lookup([k for i, k in enumerate(keys) if i not in found])
            found.update((i, hits[k]) for i, k in enumerate(keys) if k in hits and i not in found)
        # no letter or digit ("---", a quote's empty ">" line, "* * *", "…"): nothing to translate, its own English
        found.update(
            (i, Translation(d, origin="copied")) for i, d in enumerate(distinct) if i not in found and not _has_words(d)
        )
        if not self.config.translate_english:
            found.update(
                (i, Translation(d, (quality.NOT_INDONESIAN,), "english"))
                for i, d in enumerate(distinct)
                if i not in found and quality.is_english(d)
            )
        self.stats.sentences += len(sources)
        self.stats.memory_hits += len(found)  # the English ones too: no model call
        self.stats.model_sentences += len(distinct) - len(found)
        rows = iter(self.backend.tokenize([d for i, d in enumerate(distinct) if i not in found]))
        limit, tokenize = self.config.max_sentence_tokens, self.backend.tokenize
        fitted = [
            pieces.fit(d, next(rows), tokenize, limit) if i not in found else pieces.Pieces((), ())
            for i, d in enumerate(distinct)
        ]
        return Work(distinct, where, found, fitted, decode, keys)

    def decode(self, rows: Sequence[Sequence[str]], decode: DecodeOptions | None = None) -> list[Output]:
        """Each tokenized piece's output, duplicates decoded once, in batches of one length band
        (`batching.token_batches`). The runaway guard: a piece whose English loops is decoded once more,
        forbidding repeated trigrams, and the retry is kept (marked `retried`); the pieces that did not loop
        are not decoded again."""
        decode = decode or self.config.decode
        distinct, where = batching.unique([tuple(row) for row in rows])  # the same piece from two requests
        outputs = self._batched(distinct, decode)
        looping = [i for i, o in enumerate(outputs) if self.config.retry_loops and quality.repeats(o.text)]
        retry = replace(decode, no_repeat_ngram_size=3)
        for i, out in zip(looping, self._batched([distinct[i] for i in looping], retry), strict=True):
            outputs[i] = replace(out, retried=True)
        log.debug("decoded %d pieces (%d distinct, %d retried)", len(rows), len(distinct), len(looping))
        return [outputs[w] for w in where]

    def finish(self, work: Work, outputs: Sequence[Output]) -> list[Translation]:
        """Each source sentence's translation from its pieces' outputs (in `work.rows`' order), remembered."""
        joined = [work.join(i, outputs[start:end]) for i, (start, end) in enumerate(work.spans)]
        self.remember(work, joined)
        return [joined[w] for w in work.where]

    def remember(self, work: Work, joined: Sequence[Translation]) -> None:
        """Store the distinct sentences the model translated (`joined`: one per `work.distinct`) in the
        memory, when there is one."""
        if self.memory is None:
            return
        new = [i for i in range(len(work.distinct)) if i not in work.found]
        entries = [(work.keys[i], work.distinct[i], joined[i]) for i in new]
        self.memory.store(entries, self.source.name, self.source.revision, work.decode)

    def _batched(self, rows: Sequence[Sequence[str]], decode: DecodeOptions) -> list[Output]:
        config = self.config
        outputs: list[Output] = [Output("")] * len(rows)
        lengths = [len(row) for row in rows]
        for batch in batching.token_batches(
            lengths, config.max_batch_tokens, config.max_batch_sentences, config.max_sentence_tokens
        ):
            translated = self.backend.translate([rows[i] for i in batch.indices], decode, batch.width)
            for i, out in zip(batch.indices, translated, strict=True):
                outputs[i] = out
        return outputs


@dataclass(frozen=True)
class Work:
    """Sentences prepared for the model (Translator.prepare): the distinct cleaned ones, where each source
    sentence's is, those answered already, and each one's pieces (none for those answered)."""

    distinct: list[str]
    where: list[int]
    found: dict[int, Translation]
    fitted: list[pieces.Pieces]
    decode: DecodeOptions
    keys: list[str]  # each distinct sentence's memory key (none without a memory)

    @cached_property
    def rows(self) -> list[tuple[str, ...]]:
        """Every piece's tokens, in order: what goes to the model."""
        return [row for f in self.fitted for row in f.rows]

    @cached_property
    def spans(self) -> list[tuple[int, int]]:
        """Where each distinct sentence's pieces are in `rows`."""
        ends = list(accumulate(len(f.rows) for f in self.fitted))
        return [(end - len(f.rows), end) for f, end in zip(self.fitted, ends, strict=True)]

    def join(self, i: int, outputs: Sequence[Output]) -> Translation:
        """Distinct sentence `i`'s translation from its pieces' outputs: joined as one English text, flagged
        where a piece was cut short or retried and where the whole does not match its source."""
        if i in self.found:
            return self.found[i]
        source, fitted = self.distinct[i], self.fitted[i]
        target = " ".join(out.text for out in outputs if out.text)
        flags = fitted.flags + ((quality.TRUNCATED,) if any(out.capped for out in outputs) else ())
        flags += ((quality.RETRIED,) if any(out.retried for out in outputs) else ()) + quality.check(source, target)
        return Translation(target, flags)


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)
