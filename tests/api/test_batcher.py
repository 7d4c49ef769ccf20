"""The batcher on its own: concurrent requests pooled into one model call, results back to each, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from api.batcher import Batcher, DeadlineExceeded, QueueFull
from translator import DecodeOptions, Translation

GREEDY, BEAM = DecodeOptions(beam_size=1), DecodeOptions(beam_size=4)


class Recorder:
    """A translate function that upper-cases and records each call (the pooling is what is under test)."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], int]] = []

    def __call__(self, sentences: Sequence[str], decode: DecodeOptions) -> list[Translation]:
        self.calls.append((list(sentences), decode.beam_size))
        return [Translation(s.upper()) for s in sentences]


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_concurrent_requests_share_one_model_call() -> None:
    recorder = Recorder()

    async def scenario() -> list[list[str]]:
        batcher = Batcher(recorder, queue_size=100, wait_s=0.05, batch_sentences=100)
        batcher.start()
        results = await asyncio.gather(*(batcher.translate([f"a{i}", f"b{i}"], GREEDY, 5) for i in range(10)))
        await batcher.stop()
        return [[t.target for t in r] for r in results]

    assert run(scenario()) == [[f"A{i}", f"B{i}"] for i in range(10)]
    assert len(recorder.calls) == 1 and len(recorder.calls[0][0]) == 20


def test_different_decode_options_are_not_pooled_and_pools_have_a_size() -> None:
    recorder = Recorder()

    async def scenario() -> None:
        batcher = Batcher(recorder, queue_size=100, wait_s=0.05, batch_sentences=4)
        batcher.start()
        jobs = [batcher.translate(["x", "y"], GREEDY, 5), batcher.translate(["z"], BEAM, 5)]
        jobs += [batcher.translate(["u", "v"], GREEDY, 5), batcher.translate(["w"], GREEDY, 5)]
        await asyncio.gather(*jobs)
        await batcher.stop()

    run(scenario())
    assert sorted((len(s), beam) for s, beam in recorder.calls) == [(1, 1), (1, 4), (4, 1)]


def test_queue_full_and_deadline() -> None:
    recorder = Recorder()

    async def scenario() -> None:
        batcher = Batcher(recorder, queue_size=3, wait_s=0.5, batch_sentences=100)
        batcher.start()
        await batcher.translate(["awake"], GREEDY, 5)  # went at once (idle); the next ones wait for company
        waiting = asyncio.create_task(batcher.translate(["a", "b", "c"], GREEDY, 0.1))
        await asyncio.sleep(0)
        with pytest.raises(QueueFull) as full:
            batcher.submit(["d"], GREEDY)
        assert full.value.retry_after_s >= 1
        with pytest.raises(DeadlineExceeded):
            await waiting
        assert batcher.pending == 0
        await asyncio.sleep(0.6)
        await batcher.stop()

    run(scenario())
    assert recorder.calls == [(["awake"], 1)]  # the expired request never reached the model


def test_a_request_to_an_idle_model_does_not_wait_for_company() -> None:
    recorder = Recorder()

    async def scenario() -> None:
        batcher = Batcher(recorder, queue_size=10, wait_s=5, batch_sentences=100)
        batcher.start()
        await batcher.translate(["a"], GREEDY, 1)  # DeadlineExceeded if it waited the 5 s
        await batcher.stop()

    run(scenario())
    assert recorder.calls == [(["a"], 1)]


def test_a_request_larger_than_the_queue_runs_when_alone() -> None:
    recorder = Recorder()

    async def scenario() -> int:
        batcher = Batcher(recorder, queue_size=2, wait_s=0, batch_sentences=100)
        batcher.start()
        result = await batcher.translate(["a", "b", "c", "d"], GREEDY, 5)
        await batcher.stop()
        return len(result)

    assert run(scenario()) == 4


def test_a_failing_model_call_fails_its_requests_not_the_worker() -> None:
    calls = 0

    def flaky(sentences: Sequence[str], decode: DecodeOptions) -> list[Translation]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        return [Translation(s) for s in sentences]

    async def scenario() -> list[Translation]:
        batcher = Batcher(flaky, queue_size=10, wait_s=0, batch_sentences=10)
        batcher.start()
        with pytest.raises(RuntimeError, match="boom"):
            await batcher.translate(["a"], GREEDY, 5)
        result = await batcher.translate(["b"], GREEDY, 5)
        await batcher.stop()
        return result

    assert run(scenario()) == [Translation("b")]
