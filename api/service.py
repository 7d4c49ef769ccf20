"""What a request asks of the model: check limits, then the library's flow (translator/plan.py) with the
batcher as its middle step: plan → the batcher (prepare, decode in pooled batches, join) → assemble.

Routes are thin over this: they parse and shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import anyio
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from api.batcher import INLINE_CHARS, Batcher, DeadlineExceeded, QueueFull, Ticket
from api.errors import ApiError, shut_down
from translator import AlignedDocument, DecodeOptions, Paragraph, Translation, Translator, files, markup, quality
from translator.glossary import Glossary
from translator.plan import Plan, assemble, document, fill, plan
from translator.reviewed import ReviewedStore
from translator.settings import Settings
from translator.types import Provenance, Sentence

SLICE_CHARS = 16_000  # a document job's sentences go to the batcher this many characters (~4,000 tokens) at a time
T = TypeVar("T")
NDJSON_TYPE = "application/x-ndjson; charset=utf-8"
JOB_DEADLINE_S = 24 * 3600.0  # a slice of a job is never given up for being slow: the job's TTL ends it


class OverLimit(ApiError):
    """A request over a limit of its texts: `setting` (max_texts or max_text_chars), what it has and the limit."""

    def __init__(self, message: str, setting: str, found: int, limit: int) -> None:
        super().__init__(413, "too_large", message, limit=setting)
        self.setting, self.found, self.limit = setting, found, limit


class Service:
    def __init__(
        self, translator: Translator, batcher: Batcher, settings: Settings, reviewed: ReviewedStore | None = None
    ) -> None:
        self.translator = translator
        self.batcher = batcher
        self.settings = settings
        self.reviewed = reviewed  # the deployment's reviewed translations: fuzzy suggestions

    def suggested(self, paragraphs: Sequence[Paragraph]) -> list[dict[str, Any]]:
        """The paragraphs' JSON form, each sentence without reviewed English given its fuzzy suggestions from
        the reviewed translations (translator/suggest.py), where it has some, for /v1/documents (a sentence with
        none is the library's, byte for byte)."""
        shaped = [p.to_dict() for p in paragraphs]
        if self.reviewed is None:
            return shaped
        sentences = [s for p in shaped for s in p["sentences"]]
        asked = [s for s in sentences if s["origin"] != "reviewed"]
        for sentence, found in zip(asked, self.reviewed.suggestions([s["source"] for s in asked]), strict=True):
            if found:
                sentence["suggestions"] = [f.to_dict() for f in found]
        return shaped

    def decode(self, beam_size: int | None) -> DecodeOptions:
        return self.settings.decode(beam_size or self.settings.beam)

    def check(self, texts: Sequence[str], noun: str = "text") -> None:
        """OverLimit for the first per-request limit that `texts` break."""
        if len(texts) > (limit := self.settings.max_texts):
            message = f"{len(texts)} {noun}s is over the limit of {limit} per request (TRANSLATOR_MAX_TEXTS)"
            raise OverLimit(message, "max_texts", len(texts), limit)
        limit = self.settings.max_text_chars
        for i, text in enumerate(texts):
            if len(text) > limit:
                message = (
                    f"{noun} {i} has {len(text)} characters, over the limit of {limit} (TRANSLATOR_MAX_TEXT_CHARS)"
                )
                raise OverLimit(message, "max_text_chars", len(text), limit)

    async def translate_texts(
        self, texts: Sequence[str], decode: DecodeOptions, glossary: Glossary | None = None
    ) -> list[str]:
        docs = await self.translate_documents([(str(i), t) for i, t in enumerate(texts)], decode, glossary)
        return [doc.translation for doc in docs]

    async def translate_whole(
        self, texts: Sequence[str], decode: DecodeOptions, glossary: Glossary | None = None
    ) -> list[str]:
        """Each text translated as one sentence, not segmented (DeepL's split_sentences=0); blank ones as they are."""
        return [t.target for t in await self.translate_sentences(texts, decode, glossary)]

    async def translate_sentences(
        self, sentences: Sequence[str], decode: DecodeOptions, glossary: Glossary | None = None
    ) -> list[Translation]:
        """Each text translated as one sentence, with its flags; blank ones as they are."""
        todo = [i for i, text in enumerate(sentences) if text.strip()]
        results = [Translation(text, origin="copied") for text in sentences]
        if todo:
            done = await self.batcher.translate(
                [sentences[i] for i in todo], decode, self.settings.request_timeout_s, glossary
            )
            for i, translation in zip(todo, done, strict=True):
                results[i] = translation
        return results

    async def translate_documents(
        self, documents: Sequence[tuple[str, str]], decode: DecodeOptions, glossary: Glossary | None = None
    ) -> list[AlignedDocument]:
        planned = await _plan(documents)
        timeout_s = self.settings.request_timeout_s
        translations = await self.batcher.translate(planned.sources, decode, timeout_s, glossary)
        return assemble(planned, translations, self.translator.provenance(decode))

    async def translate_in_turns(
        self, texts: Sequence[str], decode: DecodeOptions, glossary: Glossary | None = None, whole: bool = False
    ) -> list[str]:
        """Texts of any length (a document job's) translated as translate_texts translates them (with `whole`:
        each as one sentence, as translate_sentences does), sent to the batcher a slice of sentences at a time:
        no request limit applies, other requests take turns between slices, and a full queue is waited out
        rather than failed."""
        if whole:
            return [t.target for t in await self._in_turns(texts, decode, glossary)]
        planned = await _plan([(str(i), text) for i, text in enumerate(texts)])
        translations = await self._in_turns(planned.sources, decode, glossary)
        return [doc.translation for doc in assemble(planned, translations, self.translator.provenance(decode))]

    async def _in_turns(
        self, sources: Sequence[str], decode: DecodeOptions, glossary: Glossary | None = None
    ) -> list[Translation]:
        translations: list[Translation] = []
        for start, end in _slices(sources, SLICE_CHARS):
            while True:
                try:
                    part = list(sources[start:end])
                    translations += await self.batcher.translate(part, decode, JOB_DEADLINE_S, glossary)
                    break
                except QueueFull as full:
                    await anyio.sleep(full.retry_after_s)
        return translations

    async def translate_markup(
        self, texts: Sequence[str], options: markup.Options, decode: DecodeOptions, glossary: Glossary | None = None
    ) -> tuple[list[str], dict[str, int]]:
        """HTML or XML fragments in English (translate_markup_documents), and how many sentences carry each flag
        (markup_moved where a tag's place is a guess)."""
        pairs = [(str(i), t) for i, t in enumerate(texts)]
        docs = await self.translate_markup_documents(pairs, options, decode, glossary)
        return [doc.translation for doc in docs], quality.summary(s.flags for doc in docs for s in doc.sentences)

    async def translate_markup_documents(
        self,
        documents: Sequence[tuple[str, str]],
        options: markup.Options,
        decode: DecodeOptions,
        glossary: Glossary | None = None,
    ) -> list[AlignedDocument]:
        """HTML or XML documents (translator/markup.py): each sentence translated whole, its inline tags placed
        back, the markup kept byte for byte (`translation`); a paragraph per block, each sentence's `source` its
        stretch of the markup (tags included), its `target` the English of its tagless text."""
        texts = [text for _, text in documents]
        fragments = await _off_loop(sum(map(len, texts)), markup.parse_all, texts, options)
        translations = iter(await self.translate_sentences(fragments.sources(), decode, glossary))
        provenance = self.translator.provenance(decode)
        return [
            _markup_document(doc_id, text, fragment, [next(translations) for _ in fragment.sources()], provenance)
            for (doc_id, text), fragment in zip(documents, fragments.items, strict=True)
        ]

    async def translate_file(
        self, filename: str, data: bytes, glossary: Glossary | None = None, tags: markup.Options | None = None
    ) -> files.Built:
        """A file translated into the same format (translator/files): sentence by sentence, whole, where it has
        markup or its texts are sentences already; an .html file's markup read with `tags` where given. With
        the count of its sentences whose markup was placed by a guess."""
        options = replace(self.settings.file_options(), markup=tags)
        parsed = await anyio.to_thread.run_sync(files.parse, filename, data, options)
        english = await self.translate_in_turns(parsed.sources(), self.decode(None), glossary, whole=parsed.by_sentence)
        return await anyio.to_thread.run_sync(parsed.translated, english)

    async def start_stream(
        self, documents: Sequence[tuple[str, str]], decode: DecodeOptions, glossary: Glossary | None = None
    ) -> NDJSONResponse:
        """Queue every paragraph now, as one request (TooMuchWork and QueueFull are raised here, before any
        byte is sent), then stream NDJSON: one `{"document", "paragraph"}` line per paragraph as it is
        translated, and one `{"document", "done", "translation", "provenance"}` line closing each document."""
        events = await self.start_events(documents, decode, glossary)
        return NDJSONResponse(_ndjson(events, self.settings.request_timeout_s, self.suggested))

    async def start_events(
        self, documents: Sequence[tuple[str, str]], decode: DecodeOptions, glossary: Glossary | None = None
    ) -> Events:
        """Queue every paragraph now, as one request (TooMuchWork and QueueFull are raised here); then its
        events, as they come."""
        planned = await _plan(documents)
        ticket = await self.batcher.submit(planned.parts, decode, glossary)
        return Events(planned, self._events(planned, ticket, decode), lambda: self.batcher.cancel(ticket))

    async def _events(self, planned: Plan, ticket: Ticket, decode: DecodeOptions) -> AsyncGenerator[Event, None]:
        provenance = self.translator.provenance(decode)
        deadline = time.monotonic() + self.settings.request_timeout_s
        part = 0
        for layout in planned.layouts:
            done = []
            for paragraph in layout.paragraphs:
                translations = await self.batcher.result(ticket, part, max(0.0, deadline - time.monotonic()))
                part += 1
                done.append(fill(paragraph, iter(translations)))
                yield layout.id, done[-1]
            yield document(layout.id, done, provenance)


Event = tuple[str, Paragraph] | AlignedDocument  # a paragraph translated (its document's id), or a document


class Events:
    """A streamed request: its plan, and (iterated) each paragraph as it is translated, with its document's
    id, and each document once whole; DeadlineExceeded past the request's deadline. Closing it (at the end,
    early, or before it started, when a client leaves that soon) takes the request's pieces off the queue."""

    def __init__(self, planned: Plan, events: AsyncGenerator[Event, None], cancel: Callable[[], None]) -> None:
        self.plan, self._events, self._cancel = planned, events, cancel

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events

    async def aclose(self) -> None:
        try:
            await self._events.aclose()
        finally:
            self._cancel()


async def _ndjson(
    events: Events, timeout_s: float, shape: Callable[[Sequence[Paragraph]], list[dict[str, Any]]]
) -> AsyncIterator[str]:
    async with contextlib.aclosing(events):
        try:
            async for event in events:
                if isinstance(event, AlignedDocument):
                    closing = {"document": event.id, "done": True, "translation": event.translation}
                    closing["summary"] = event.summary
                    yield ndjson_line({**closing, "provenance": event.provenance.to_dict()})
                else:
                    (paragraph,) = await anyio.to_thread.run_sync(shape, [event[1]])
                    yield ndjson_line({"document": event[0], "paragraph": paragraph})
        except DeadlineExceeded:
            yield ndjson_line({"error": {"code": "deadline_exceeded", "message": f"over the {timeout_s:g} s deadline"}})
        except asyncio.CancelledError:  # see NDJSONResponse
            cut = shut_down()
            yield ndjson_line({"error": {"code": cut.code, "message": cut.message}})


class NDJSONResponse(StreamingResponse):
    """A stream of NDJSON lines, in UTF-8 (said, so that a client does not guess). Sent from the request's own
    task, without Starlette's task group watching for the client (api/body.py does): so a stream that the
    server cancels when it shuts down can still send its last line, saying so, and end."""

    media_type = NDJSON_TYPE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.stream_response(send)


def _markup_document(
    doc_id: str, text: str, fragment: markup.Fragment, translations: list[Translation], provenance: Provenance
) -> AlignedDocument:
    rendered = fragment.render([t.target for t in translations])
    blocks: dict[int, list[Sentence]] = {}
    for (block, start, end), t, moved in zip(fragment.spans(), translations, rendered.moved, strict=True):
        paragraph = blocks.setdefault(block, [])
        flags = (*t.flags, quality.MARKUP_MOVED) if moved else t.flags
        sentence = Sentence(f"p{len(blocks) - 1}s{len(paragraph)}", start, end, text[start:end], t.target, flags)
        paragraph.append(replace(sentence, origin=t.origin, confidence=t.confidence, terms=t.terms))
    paragraphs = tuple(
        Paragraph(k, sentences[0].start, sentences[-1].end, tuple(sentences))
        for k, sentences in enumerate(blocks.values())
    )
    return AlignedDocument(doc_id, rendered.text, paragraphs, provenance)


def _slices(sentences: Sequence[str], chars: int) -> Iterator[tuple[int, int]]:
    """[start, end) ranges of `sentences` of about `chars` characters each (one sentence at least)."""
    start, size = 0, 0
    for end, sentence in enumerate(sentences):
        if size and size + len(sentence) > chars:
            yield start, end
            start, size = end, 0
        size += len(sentence)
    if start < len(sentences):
        yield start, len(sentences)


async def _plan(documents: Sequence[tuple[str, str]]) -> Plan:
    """The documents planned: on the event loop when short, else in a thread (segmenting 100,000 characters
    would hold every other request for tens of milliseconds)."""
    return await _off_loop(sum(len(text) for _, text in documents), plan, documents)


async def _off_loop(chars: int, work: Callable[..., T], *args: Any) -> T:
    """`work(*args)` on the event loop for up to INLINE_CHARS characters of input, else in a thread."""
    if chars <= INLINE_CHARS:
        return work(*args)
    return await anyio.to_thread.run_sync(work, *args)


def ndjson_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"
