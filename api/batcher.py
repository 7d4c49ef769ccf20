"""Cross-request dynamic batching: one worker pools the sentences of concurrent requests into model calls.

The queue is bounded in sentences: a request that would overflow it is refused at once (503), never left
to hang; a request past its deadline gets 504 and its sentences are dropped from the queue if the model
has not started on them. The model runs in a worker thread, so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import anyio

from translator import DecodeOptions, Translation

log = logging.getLogger(__name__)

TranslateFn = Callable[[Sequence[str], DecodeOptions], list[Translation]]


class QueueFull(Exception):
    """The queue holds too many sentences to take this request now."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__("the translation queue is full")
        self.retry_after_s = retry_after_s


class DeadlineExceeded(Exception):
    """The request waited longer than its deadline."""


@dataclass(eq=False)
class Ticket:
    """One request's sentences in the queue."""

    sentences: list[str]
    decode: DecodeOptions
    future: asyncio.Future[list[Translation]]
    enqueued: float = field(default_factory=time.monotonic)


@dataclass
class BatchStats:
    """What the worker reports after each model call, for metrics."""

    sentences: int
    requests: int
    seconds: float


class Batcher:
    def __init__(
        self,
        translate: TranslateFn,
        *,
        queue_size: int,
        wait_s: float,
        batch_sentences: int,
        on_batch: Callable[[BatchStats], None] = lambda _: None,
    ) -> None:
        self._translate = translate
        self._queue_size = queue_size
        self._wait_s = wait_s
        self._batch_sentences = batch_sentences
        self._on_batch = on_batch
        self._jobs: deque[Ticket] = deque()
        self._pending = 0
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._seconds_per_sentence = 0.05  # a running estimate, for Retry-After
        self._last_call_ended = float("-inf")

    @property
    def pending(self) -> int:
        """Sentences queued and not yet handed to the model."""
        return self._pending

    @property
    def full(self) -> bool:
        return self._pending >= self._queue_size

    def start(self) -> None:
        self._worker = asyncio.create_task(self._run(), name="batcher")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        for job in self._jobs:
            job.future.cancel()

    def submit(self, sentences: list[str], decode: DecodeOptions) -> Ticket:
        """Queue `sentences` now (or raise QueueFull now); `result` waits for their translations."""
        future: asyncio.Future[list[Translation]] = asyncio.get_running_loop().create_future()
        job = Ticket(sentences, decode, future)
        if not sentences:
            future.set_result([])
            return job
        # a request larger than the whole queue still runs when it is alone
        if self._pending + len(sentences) > self._queue_size and self._pending > 0:
            raise QueueFull(retry_after_s=max(1, round(self._pending * self._seconds_per_sentence)))
        self._jobs.append(job)
        self._pending += len(sentences)
        self._wake.set()
        return job

    async def result(self, ticket: Ticket, timeout_s: float) -> list[Translation]:
        try:
            return await asyncio.wait_for(asyncio.shield(ticket.future), timeout_s)
        except TimeoutError:
            self.cancel(ticket)
            raise DeadlineExceeded from None

    def cancel(self, ticket: Ticket) -> None:
        """Drop a job the model has not started on, and free its place in the queue."""
        if ticket in self._jobs:
            self._jobs.remove(ticket)
            self._pending -= len(ticket.sentences)
        ticket.future.cancel()

    async def translate(self, sentences: list[str], decode: DecodeOptions, timeout_s: float) -> list[Translation]:
        """The translations of `sentences`, pooled with whatever else is waiting."""
        return await self.result(self.submit(sentences, decode), timeout_s)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._jobs:
                await self._gather_company()
                jobs = self._take()
                if jobs:
                    await self._call_model(jobs)

    async def _gather_company(self) -> None:
        """Wait `wait_s` for more requests, and again while they keep coming (the clients of the last
        batch come back together), up to 10 × `wait_s` or a full pool. A request that finds the model
        idle for longer than that goes at once: nobody is coming back, and waiting would only add latency."""
        if not self._wait_s or time.monotonic() - self._last_call_ended > 10 * self._wait_s:
            return
        give_up = time.monotonic() + 10 * self._wait_s
        while self._pending < self._batch_sentences and time.monotonic() < give_up:
            before = self._pending
            await asyncio.sleep(self._wait_s)
            if self._pending == before:
                return

    def _take(self) -> list[Ticket]:
        """The oldest job and those behind it with the same decode options, up to the pool size."""
        first = self._jobs[0]
        taken: list[Ticket] = []
        size = 0
        for job in list(self._jobs):
            if job.decode != first.decode:
                continue
            if taken and size + len(job.sentences) > self._batch_sentences:
                break
            taken.append(job)
            size += len(job.sentences)
        for job in taken:
            self._jobs.remove(job)
            self._pending -= len(job.sentences)
        return [job for job in taken if not job.future.done()]

    async def _call_model(self, jobs: list[Ticket]) -> None:
        sentences = [s for job in jobs for s in job.sentences]
        started = time.monotonic()
        try:
            results = await anyio.to_thread.run_sync(self._translate, sentences, jobs[0].decode)
        except Exception as exc:  # a failed model call fails its requests, never the worker
            log.exception("model call failed for %d sentences", len(sentences))
            for job in jobs:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        finally:
            self._last_call_ended = time.monotonic()
        seconds = self._last_call_ended - started
        self._seconds_per_sentence = 0.8 * self._seconds_per_sentence + 0.2 * seconds / len(sentences)
        self._on_batch(BatchStats(sentences=len(sentences), requests=len(jobs), seconds=seconds))
        position = 0
        for job in jobs:
            mine = results[position : position + len(job.sentences)]
            position += len(job.sentences)
            if not job.future.done():
                job.future.set_result(mine)
