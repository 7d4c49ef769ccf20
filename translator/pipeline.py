"""Translator: the one orchestrator of the flow segment → pool and batch → backend → align.

Documents are pooled in chunks, so that short documents share batches, and streamed back in input order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice

from translator import batching, models, pieces, quality
from translator._version import __version__
from translator.backends import Backend, Output, load_backend
from translator.config import DEFAULT_MODEL, BackendName, DecodeOptions, DeviceName, TranslatorConfig
from translator.errors import InputError
from translator.memory import TranslationMemory
from translator.segment import SEGMENTER_VERSION, segment
from translator.types import AlignedDocument, Paragraph, Provenance, Sentence, Translation

log = logging.getLogger(__name__)


@dataclass
class TranslationStats:
    """Running counts since the Translator was made: sentences asked for, answered by the memory, sent to
    the model (distinct ones only)."""

    sentences: int = 0
    memory_hits: int = 0
    model_sentences: int = 0


class Translator:
    """Owns one loaded model; `translate*` may be called any number of times."""

    def __init__(
        self,
        backend: Backend,
        config: TranslatorConfig,
        source: models.ModelSource,
        memory: TranslationMemory | None = None,
    ) -> None:
        self.backend = backend
        self.config = config
        self.source = source
        self.memory = memory
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
        cls, config: TranslatorConfig, *, download: bool = True, memory: TranslationMemory | None = None
    ) -> Translator:
        source = models.resolve(config.model, config.revision, download=download)
        return cls(load_backend(config.backend, source, config.device), config, source, memory)

    def beside(self) -> Translator | None:
        """A Translator over the same model on an engine of its own, giving this one's outputs, to run beside
        it (the service's express lane); None when the backend cannot make a second engine (`solo`)."""
        solo = getattr(self.backend, "solo", None)
        return None if solo is None else Translator(solo(), self.config, self.source, self.memory)

    def provenance(self, decode: DecodeOptions | None = None) -> Provenance:
        return Provenance(
            model=self.source.name,
            revision=self.source.revision,
            backend=self.backend.name,
            beam_size=(decode or self.config.decode).beam_size,
            segmenter=SEGMENTER_VERSION,
            version=__version__,
        )

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
            for doc_id, text in chunk:
                if not isinstance(text, str):
                    raise InputError(f"document {doc_id!r}: text must be a string, not {type(text).__name__}")
            segmented = [segment(text) for _, text in chunk]
            sources = [s.source for paragraphs in segmented for p in paragraphs for s in p.sentences]
            translations = iter(self.translate_sentences(sources, decode))
            for (doc_id, text), paragraphs in zip(chunk, segmented, strict=True):
                yield align(doc_id, text, paragraphs, translations, provenance)

    def translate_sentences(self, sources: Sequence[str], decode: DecodeOptions | None = None) -> list[Translation]:
        """Each sentence's English and flags, in order; duplicates translated once, long sentences in pieces.

        Batch-invariant: a sentence's English and flags depend on the sentence, the model and revision and
        `decode` only, never on the other sentences of the call (nor on how a caller cut its input into
        calls): the model sees batches of one length band, each input padded to its band's width and decoded
        to the band's cap (`batching.token_batches`), and the runaway guard judges and retries each piece on
        its own output.
        """
        decode = decode or self.config.decode
        distinct, where = batching.unique([pieces.clean(s) for s in sources])
        self.stats.sentences += len(sources)
        found: dict[int, Translation] = {}
        if self.memory is not None:
            keys = [TranslationMemory.key(d, self.source.name, self.source.revision, decode) for d in distinct]
            hits = self.memory.lookup(keys)
            found = {i: hits[k] for i, k in enumerate(keys) if k in hits}
        if not self.config.translate_english:
            found.update(
                (i, Translation(d, (quality.NOT_INDONESIAN,)))
                for i, d in enumerate(distinct)
                if i not in found and quality.is_english(d)
            )
        todo = [i for i in range(len(distinct)) if i not in found]
        translated = self._translate_distinct([distinct[i] for i in todo], decode)
        found.update(zip(todo, translated, strict=True))
        if self.memory is not None and todo:
            entries = [(keys[i], distinct[i], found[i]) for i in todo]
            self.memory.store(entries, self.source.name, self.source.revision, decode)
        self.stats.memory_hits += len(distinct) - len(todo)
        self.stats.model_sentences += len(todo)
        return [found[w] for w in where]

    def _translate_distinct(self, distinct: list[str], decode: DecodeOptions) -> list[Translation]:
        """Distinct cleaned sentences through the backend, long ones in pieces, with their quality flags.

        The runaway guard works on pieces: a piece whose English loops is decoded once more, forbidding
        repeated trigrams, and the retry is kept (its sentence flagged `retried`, and `repetition` if the
        joined English still loops); the pieces that did not loop are not decoded again.
        """
        if not distinct:
            return []
        counts = self.backend.count_tokens(distinct)
        limit = self.config.max_sentence_tokens
        fitted = [
            pieces.fit(text, n, self.backend.count_tokens, limit) for text, n in zip(distinct, counts, strict=True)
        ]
        texts = [t for f in fitted for t in f.texts]
        tokens = [n for f in fitted for n in f.tokens]
        outputs = self._decode(texts, tokens, decode)
        looping = [i for i, o in enumerate(outputs) if self.config.retry_loops and quality.repeats(o.text)]
        retry = replace(decode, no_repeat_ngram_size=3)
        retried = self._decode([texts[i] for i in looping], [tokens[i] for i in looping], retry)
        for i, out in zip(looping, retried, strict=True):
            outputs[i] = out
        log.debug("translated %d distinct sentences (%d pieces, %d retried)", len(distinct), len(texts), len(looping))
        again = set(looping)
        joined = []
        position = 0
        for source, f in zip(distinct, fitted, strict=True):
            mine = range(position, position + len(f.texts))
            position += len(f.texts)
            target = " ".join(outputs[i].text for i in mine if outputs[i].text)
            flags = f.flags + ((quality.TRUNCATED,) if any(outputs[i].capped for i in mine) else ())
            flags += ((quality.RETRIED,) if again.intersection(mine) else ()) + quality.check(source, target)
            joined.append(Translation(target, flags))
        return joined

    def _decode(self, texts: list[str], tokens: list[int], decode: DecodeOptions) -> list[Output]:
        """Each text's output from the backend, in batches of one length band (`batching.token_batches`)."""
        config = self.config
        outputs: list[Output] = [Output("")] * len(texts)
        for batch in batching.token_batches(
            tokens, config.max_batch_tokens, config.max_batch_sentences, config.max_sentence_tokens
        ):
            translated = self.backend.translate([texts[i] for i in batch.indices], decode, batch.width)
            for i, out in zip(batch.indices, translated, strict=True):
                outputs[i] = out
        return outputs


def align(
    doc_id: str,
    text: str,
    paragraphs: Sequence[Paragraph],
    translations: Iterator[Translation],
    provenance: Provenance,
) -> AlignedDocument:
    """Put each sentence's translation (taken in order from `translations`) beside its source."""
    aligned = []
    for p in paragraphs:
        pairs = [(s, next(translations)) for s in p.sentences]
        aligned.append(replace(p, sentences=tuple(replace(s, target=t.target, flags=t.flags) for s, t in pairs)))
    return AlignedDocument(doc_id, english(text, aligned), tuple(aligned), provenance)


def starts_line(text: str, prev: Sentence, sentence: Sentence) -> bool:
    """A line break lies between two sentences of a paragraph (after a headline, say)."""
    gap = text[prev.end : sentence.start]
    return "\n" in gap or "\r" in gap


def english(text: str, paragraphs: Sequence[Paragraph]) -> str:
    """The English text: paragraphs apart by a blank line, sentences by a space or the source's line break."""
    rendered = []
    for p in paragraphs:
        parts = []
        for prev, s in zip((None, *p.sentences), p.sentences, strict=False):
            if prev is not None:
                parts.append("\n" if starts_line(text, prev, s) else " ")
            parts.append(s.target)
        rendered.append("".join(parts))
    return "\n\n".join(rendered)
