"""Cross-request dynamic batching, fair in model work: one worker pools the pieces of concurrent requests into
model calls, taking turns between requests, and an express lane keeps short pieces from waiting for long ones.

At admission a request's sentences are cleaned, deduplicated and cut into pieces of at most the model's
sentence length (as the library cuts them), and counted in tokens. The queue bound, the batch budget and the
per-request budget count tokens: a request over its budget is refused (413), one that would overflow the
queue is refused at once (503). Each batch takes one piece of one length band from each waiting request in
turn until the token budget is spent, so a small request waits behind at most the one batch running when it
came. A request that is
cancelled (its client left) or past its deadline (504) leaves the queue at once: at most the batch already
running is wasted. The model runs in a worker thread, so the event loop stays free.

One long piece can take the model for seconds, and no engine can be interrupted mid-call; so while the main
lane decodes a band wider than `express_tokens`, an express lane on a second engine of the same model
(Translator.beside: the same outputs) takes the short pieces waiting, and a one-sentence request is
answered at about its idle latency however long the others are.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import anyio

from api.errors import ApiError
from translator import DecodeOptions, Translation, Translator, batching
from translator.backends import Output
from translator.glossary import Glossary
from translator.pipeline import Work

log = logging.getLogger(__name__)
INLINE_CHARS = 2000  # a request this short is planned and prepared on the event loop (well under 1 ms)

PrepareFn = Callable[[Sequence[str], DecodeOptions, Glossary | None], Work]
DecodeFn = Callable[[Sequence[Sequence[str]], DecodeOptions], list[Output]]
RememberFn = Callable[[Work, list[Translation]], None]
BandFn = Callable[[int], int]


class QueueFull(ApiError):
    """The queue holds too many tokens to take this request now."""

    def __init__(self, retry_after_s: int) -> None:
        message = f"the translation queue is full; retry in {retry_after_s} s"
        super().__init__(503, "queue_full", message, {"Retry-After": str(retry_after_s)})
        self.retry_after_s = retry_after_s


class TooMuchWork(ApiError):
    """The request needs more model tokens than one request may have."""

    def __init__(self, tokens: int, limit: int) -> None:
        message = f"the request needs {tokens} model tokens, over the limit of {limit} per request"
        super().__init__(413, "too_large", f"{message} (TRANSLATOR_MAX_REQUEST_TOKENS)", limit="max_request_tokens")


class DeadlineExceeded(ApiError):
    """The request waited longer than its deadline."""

    def __init__(self, timeout_s: float) -> None:
        message = f"the translation took longer than the {timeout_s:g} s deadline (TRANSLATOR_REQUEST_TIMEOUT_S)"
        super().__init__(504, "deadline_exceeded", message)


def model_band(translator: Translator) -> BandFn:
    """A piece's token count → its length band (its padded width), as `translator` batches it."""
    limit = translator.config.max_sentence_tokens
    return lambda tokens: batching.width(tokens, limit)


@dataclass(eq=False)
class Ticket:
    """One request in the queue: its sentences prepared for the model (their pieces are the units the worker
    schedules), and one future per part (a paragraph of a stream; the whole request otherwise), answered as
    soon as its pieces are."""

    work: Work
    parts: list[list[int]]  # per part, per sentence: its index in `work.distinct`
    futures: list[asyncio.Future[list[Translation]]] = field(default_factory=list)  # made when queued
    tokens: list[int] = field(init=False)  # of each piece, in order
    ends: list[int] = field(init=False)  # per part, how many pieces must be done to answer it
    outputs: list[Output] = field(default_factory=list)  # of the pieces done so far
    translations: dict[int, Translation] = field(default_factory=dict)  # of the distinct sentences answered
    taken: int = 0  # pieces handed to the model
    answered: int = 0  # parts answered
    enqueued: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = [len(row) for row in self.work.rows]
        spans = self.work.spans
        self.ends, end = [], 0
        for part in self.parts:
            end = max([end, *(spans[i][1] for i in part)])
            self.ends.append(end)

    @property
    def decode(self) -> DecodeOptions:
        return self.work.decode

    @property
    def queued_tokens(self) -> int:
        return sum(self.tokens[self.taken :])

    @property
    def running(self) -> bool:
        """Some of its pieces are in a model call now (on either lane)."""
        return len(self.outputs) < self.taken

    @property
    def cancelled(self) -> bool:
        return all(f.cancelled() for f in self.futures[self.answered :])

    @property
    def done(self) -> bool:
        return self.answered == len(self.parts)

    def answer_ready_parts(self) -> None:
        while self.answered < len(self.parts) and self.ends[self.answered] <= len(self.outputs):
            part, future = self.parts[self.answered], self.futures[self.answered]
            if not future.done():
                future.set_result([self.translation(i) for i in part])
            self.answered += 1

    def translation(self, i: int) -> Translation:
        """Distinct sentence `i`'s translation, once its pieces are done."""
        if i not in self.translations:
            start, end = self.work.spans[i]
            self.translations[i] = self.work.join(i, self.outputs[start:end])
        return self.translations[i]

    def fail(self, exc: BaseException | None) -> None:
        """Fail (or, with None, cancel) every part not answered yet."""
        for future in self.futures[self.answered :]:
            if future.done():
                continue
            if exc is None:
                future.cancel()
            else:
                future.set_exception(exc)


@dataclass
class BatchStats:
    """What the worker reports after each model call, for metrics."""

    pieces: int
    tokens: int
    requests: int
    seconds: float
    wasted: int  # pieces translated for requests that had gone meanwhile
    express: bool  # on the express lane


class Batcher:
    def __init__(
        self,
        prepare: PrepareFn,
        decode: DecodeFn,
        band: BandFn,
        *,
        queue_tokens: int,
        batch_tokens: int,
        request_tokens: int,
        wait_s: float,
        express: DecodeFn | None = None,
        express_tokens: int = 0,
        remember: RememberFn = lambda work, translations: None,
        on_batch: Callable[[BatchStats], None] = lambda _: None,
        on_cancel: Callable[[int], None] = lambda _: None,
    ) -> None:
        self._prepare_work = prepare
        self._decode = decode
        self._remember = remember
        self._band = band
        self._queue_tokens = queue_tokens
        self._batch_tokens = batch_tokens
        self._request_tokens = request_tokens
        self._wait_s = wait_s
        self._on_batch = on_batch
        self._on_cancel = on_cancel
        self._express = express
        self._express_tokens = express_tokens if express is not None else 0
        self._jobs: deque[Ticket] = deque()  # turns: the next batch starts at the front, the served go last
        self._pending = 0
        self._pending_tokens = 0
        self._wake = asyncio.Event()
        self._express_wake = asyncio.Event()
        self._long_call = False  # the main lane is decoding a band wider than express_tokens
        self._workers: list[asyncio.Task[None]] = []
        self._seconds_per_token = 0.002  # a running estimate, for Retry-After
        self._last_call_ended = float("-inf")

    @property
    def pending(self) -> int:
        """Pieces (sentences, or pieces of long ones) queued and not yet handed to the model."""
        return self._pending

    @property
    def pending_tokens(self) -> int:
        return self._pending_tokens

    @property
    def full(self) -> bool:
        return self._pending_tokens >= self._queue_tokens

    def start(self) -> None:
        self._workers = [asyncio.create_task(self._run(), name="batcher")]
        if self._express_tokens:
            self._workers.append(asyncio.create_task(self._run_express(), name="batcher-express"))

    async def stop(self) -> None:
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        for job in self._jobs:
            job.fail(None)

    async def submit(
        self, parts: Sequence[Sequence[str]], decode: DecodeOptions, glossary: Glossary | None = None
    ) -> Ticket:
        """Queue the sentences of each part (or raise TooMuchWork or QueueFull, before any answer starts);
        `result(ticket, k)` waits for part k's translations. Preparing a long text (tokenizing, cutting a very
        long sentence, matching a glossary) would take the event loop for up to a second, so beyond
        INLINE_CHARS (or with a glossary not indexed yet) it runs in a thread; below, the thread hop would cost
        more than the work. The glossary is
        the request's own: its Work carries the terms each sentence matched, and the pieces pooled with other
        requests' are plain model input, so requests with different glossaries share batches."""
        short = sum(len(s) for part in parts for s in part) <= INLINE_CHARS
        if short and (glossary is None or glossary.indexed):
            return self._enqueue(self._prepare(parts, decode, glossary))
        return self._enqueue(await anyio.to_thread.run_sync(self._prepare, parts, decode, glossary))

    async def translate(
        self, sentences: list[str], decode: DecodeOptions, timeout_s: float, glossary: Glossary | None = None
    ) -> list[Translation]:
        """The translations of `sentences`, pooled with whatever else is waiting."""
        return await self.result(await self.submit([sentences], decode, glossary), 0, timeout_s)

    def _prepare(self, parts: Sequence[Sequence[str]], decode: DecodeOptions, glossary: Glossary | None) -> Ticket:
        """The request's sentences prepared for the model (tokenized once, cut into pieces); TooMuchWork over
        budget."""
        work = self._prepare_work([s for part in parts for s in part], decode, glossary)
        positions = iter(work.where)
        job = Ticket(work, [[next(positions) for _ in part] for part in parts])
        if job.queued_tokens > self._request_tokens:
            raise TooMuchWork(job.queued_tokens, self._request_tokens)
        return job

    def _enqueue(self, job: Ticket) -> Ticket:
        tokens = job.queued_tokens
        # a request larger than the whole queue still runs when it is alone
        if self._pending_tokens + tokens > self._queue_tokens and self._pending_tokens > 0:
            raise QueueFull(retry_after_s=max(1, round(self._pending_tokens * self._seconds_per_token)))
        loop = asyncio.get_running_loop()
        job.futures = [loop.create_future() for _ in job.parts]
        job.answer_ready_parts()  # the empty ones
        if job.tokens:  # ahead of the requests served already: its first turn is the next batch
            served = next((i for i, queued in enumerate(self._jobs) if queued.taken), len(self._jobs))
            self._jobs.insert(served, job)
            self._pending += len(job.tokens)
            self._pending_tokens += tokens
            self._wake.set()
            if self._long_call:  # the express lane runs only beside a long call (whose start wakes it too)
                self._express_wake.set()
        return job

    async def result(self, ticket: Ticket, part: int, timeout_s: float) -> list[Translation]:
        """Part `part` of `ticket`; past `timeout_s`, or when the caller is cancelled (its client left), the
        whole ticket leaves the queue."""
        try:
            return await asyncio.wait_for(asyncio.shield(ticket.futures[part]), timeout_s)
        except TimeoutError:
            self.cancel(ticket)
            raise DeadlineExceeded(timeout_s) from None
        except asyncio.CancelledError:
            self.cancel(ticket)
            raise

    def cancel(self, ticket: Ticket) -> None:
        """Drop the pieces of `ticket` the model has not started on, and free their place in the queue."""
        self._on_cancel(self._drop(ticket))
        ticket.fail(None)

    def _drop(self, ticket: Ticket) -> int:
        """Take `ticket`'s pieces not yet handed to the model out of the queue; how many they were."""
        if ticket not in self._jobs:
            return 0
        self._jobs.remove(ticket)
        self._pending -= len(ticket.tokens) - ticket.taken
        self._pending_tokens -= ticket.queued_tokens
        return len(ticket.tokens) - ticket.taken

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._jobs:
                await self._gather_company()
                batch = self._take(lambda band: True)
                if not batch:
                    break  # what is queued belongs to requests on the express lane: wait for it to end
                job, start, _ = batch[0]
                self._long_call = self._band(job.tokens[start]) > self._express_tokens > 0
                if self._long_call:
                    self._express_wake.set()
                try:
                    await self._call_model(batch, self._decode)
                finally:
                    self._long_call = False

    async def _run_express(self) -> None:
        """The express lane: short pieces, on the second engine, only while the main lane is on a long band
        (otherwise the main lane serves them as soon, and two engines would only contend for the cores)."""
        assert self._express is not None
        while True:
            await self._express_wake.wait()
            self._express_wake.clear()
            while self._long_call and (batch := self._take(lambda band: band <= self._express_tokens)):
                await self._call_model(batch, self._express)

    async def _gather_company(self) -> None:
        """Wait `wait_s` for more requests, and again while they keep coming (the clients of the last
        batch come back together), up to 10 × `wait_s` or a full batch. A request that finds the model
        idle for longer than that goes at once: nobody is coming back, and waiting would only add latency."""
        if not self._wait_s or time.monotonic() - self._last_call_ended > 10 * self._wait_s:
            return
        give_up = time.monotonic() + 10 * self._wait_s
        while self._pending_tokens < self._batch_tokens and time.monotonic() < give_up:
            before = self._pending_tokens
            await asyncio.sleep(self._wait_s)
            if self._pending_tokens == before:
                return

    def _take(self, fits: Callable[[int], bool]) -> list[tuple[Ticket, int, int]]:
        """(ticket, first piece, how many) for the next batch: one piece from each waiting request with the
        decode options and next piece's length band of the first request whose next band `fits`, in turn,
        until the token budget is spent. The requests served go to the back of the line.

        One band a batch, because the model decodes each band in a call of its own anyway: a short request
        queued behind long ones then waits for the call running when it came, never for theirs in its batch.
        """
        idle = [job for job in self._jobs if not job.running]  # a request's outputs arrive in order
        front = next((job for job in idle if fits(self._band(job.tokens[job.taken]))), None)
        if front is None:
            return []
        decode, band = front.decode, self._band(front.tokens[front.taken])
        line = [job for job in idle if job.decode == decode]
        counts = dict.fromkeys(line, 0)
        size = 0
        while line and size < self._batch_tokens:
            waiting: list[Ticket] = []
            for job in line:
                n = job.tokens[job.taken + counts[job]]
                if self._band(n) != band:
                    continue  # its next piece goes in another batch: pieces are taken in order
                if size and size + n > self._batch_tokens:
                    waiting = []
                    break
                counts[job] += 1
                size += n
                if job.taken + counts[job] < len(job.tokens):
                    waiting.append(job)
            line = waiting
        batch = []
        for job, count in counts.items():
            if not count:
                continue  # not reached: it keeps its place at the front
            self._jobs.remove(job)
            if job.taken + count < len(job.tokens):
                self._jobs.append(job)
            batch.append((job, job.taken, count))
            job.taken += count
            self._pending -= count
        self._pending_tokens -= size
        return batch

    async def _call_model(self, batch: list[tuple[Ticket, int, int]], decode: DecodeFn) -> None:
        rows = [row for job, start, count in batch for row in job.work.rows[start : start + count]]
        tokens = sum(map(len, rows))
        started = time.monotonic()
        try:
            results = await anyio.to_thread.run_sync(decode, rows, batch[0][0].decode)
        except Exception as exc:  # a failed model call fails its requests, never the worker
            log.exception("model call failed for %d pieces", len(rows))
            for job, _, _ in batch:
                self._drop(job)  # the rest of its pieces leave the queue
                job.fail(exc)
            return
        finally:
            self._last_call_ended = time.monotonic()
            self._wake.set()  # its requests may go on (on the main lane, if this was the express one)
        seconds = self._last_call_ended - started
        self._seconds_per_token = 0.8 * self._seconds_per_token + 0.2 * seconds / max(1, tokens)
        wasted = 0
        position = 0
        for job, _, count in batch:
            if job.cancelled:
                wasted += count
            job.outputs += results[position : position + count]
            position += count
            job.answer_ready_parts()
            if job.done:
                self._remember(job.work, [job.translation(i) for i in range(len(job.work.distinct))])
        self._on_batch(BatchStats(len(rows), tokens, len(batch), seconds, wasted, decode is self._express))
