"""What a request asks of the model: check limits, then the library's flow (translator/plan.py) with the
batcher as its middle step: plan → the batcher (prepare, decode in pooled batches, join) → assemble.

Routes are thin over this: they parse and shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any

import anyio
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from api.batcher import INLINE_CHARS, Batcher, DeadlineExceeded, QueueFull, Ticket
from api.errors import ApiError, shut_down
from translator import AlignedDocument, DecodeOptions, Paragraph, Translation, Translator, files, markup
from translator.plan import Plan, assemble, document, fill, plan
from translator.reviewed import ReviewedStore
from translator.settings import Settings

SLICE_CHARS = 16_000  # a document job's sentences go to the batcher this many characters (~4,000 tokens) at a time
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

    async def translate_texts(self, texts: Sequence[str], decode: DecodeOptions) -> list[str]:
        docs = await self.translate_documents([(str(i), t) for i, t in enumerate(texts)], decode)
        return [doc.translation for doc in docs]

    async def translate_whole(self, texts: Sequence[str], decode: DecodeOptions) -> list[str]:
        """Each text translated as one sentence, not segmented (DeepL's split_sentences=0); blank ones as they are."""
        todo = [i for i, text in enumerate(texts) if text.strip()]
        results = list(texts)
        if todo:
            done = await self.batcher.translate([texts[i] for i in todo], decode, self.settings.request_timeout_s)
            for i, translation in zip(todo, done, strict=True):
                results[i] = translation.target
        return results

    async def translate_documents(
        self, documents: Sequence[tuple[str, str]], decode: DecodeOptions
    ) -> list[AlignedDocument]:
        planned = await _plan(documents)
        translations = await self.batcher.translate(planned.sources, decode, self.settings.request_timeout_s)
        return assemble(planned, translations, self.translator.provenance(decode))

    async def translate_in_turns(self, texts: Sequence[str], decode: DecodeOptions) -> list[str]:
        """Texts of any length (a document job's) translated as translate_texts translates them, sent to the
        batcher a slice of sentences at a time: no request limit applies, other requests take turns between
        slices, and a full queue is waited out rather than failed."""
        planned = await _plan([(str(i), text) for i, text in enumerate(texts)])
        sources = planned.sources
        translations: list[Translation] = []
        for start, end in _slices(sources, SLICE_CHARS):
            while True:
                try:
                    translations += await self.batcher.translate(sources[start:end], decode, JOB_DEADLINE_S)
                    break
                except QueueFull as full:
                    await anyio.sleep(full.retry_after_s)
        return [doc.translation for doc in assemble(planned, translations, self.translator.provenance(decode))]

    async def translate_file(self, filename: str, data: bytes) -> bytes:
        """A file translated into the same format (translator/files): text nodes only where it has markup."""
        parsed = await anyio.to_thread.run_sync(files.parse, filename, data)
        english = await self.translate_in_turns(parsed.sources(), self.decode(None))
        return await anyio.to_thread.run_sync(parsed.build, english)

    async def start_stream(self, documents: Sequence[tuple[str, str]], decode: DecodeOptions) -> NDJSONResponse:
        """Queue every paragraph now, as one request (TooMuchWork and QueueFull are raised here, before any
        byte is sent), then stream NDJSON: one `{"document", "paragraph"}` line per paragraph as it is
        translated, and one `{"document", "done", "translation", "provenance"}` line closing each document."""
        events = await self.start_events(documents, decode)
        return NDJSONResponse(_ndjson(events, self.settings.request_timeout_s, self.suggested))

    async def start_events(self, documents: Sequence[tuple[str, str]], decode: DecodeOptions) -> Events:
        """Queue every paragraph now, as one request (TooMuchWork and QueueFull are raised here); then its
        events, as they come."""
        planned = await _plan(documents)
        ticket = await self.batcher.submit(planned.parts, decode)
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


async def translate_markup(
    texts: Sequence[str],
    translate: Callable[[list[str]], Awaitable[list[str]]],
    untranslated: Iterable[str] = markup.RAW_TAGS,
) -> list[str]:
    """HTML or XML fragments with their text nodes translated by `translate` (all in one call) and their
    markup kept byte for byte; the contents of `untranslated` elements are kept too."""
    fragments = markup.parse_all(texts, untranslated)
    return fragments.render(await translate(fragments.sources()))


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
    if sum(len(text) for _, text in documents) <= INLINE_CHARS:
        return plan(documents)
    return await anyio.to_thread.run_sync(plan, documents)


def ndjson_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"
