"""The batcher on its own, with the tiny model preparing requests (tokenized once, cut into pieces):
concurrent requests pooled into model calls, results back to each in order; turns taken between requests;
cancelled and late requests leave the queue; the express lane."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import replace

import pytest

from api.batcher import Batcher, BatchStats, DeadlineExceeded, QueueFull, TooMuchWork, model_band
from translator import DecodeOptions, Translation, Translator
from translator.backends import Output
from translator.glossary import Entry, Glossary
from translator.pipeline import Work

GREEDY, BEAM = DecodeOptions(beam_size=1), DecodeOptions(beam_size=4)


class Recorder:
    """Records each model call (as the texts of its rows), then decodes with `translator` (upper-casing when
    none is given)."""

    def __init__(self, translator: Translator | None = None, hold: threading.Event | None = None) -> None:
        self.calls: list[tuple[list[str], int]] = []
        self.translator = translator
        self.hold = hold  # the first call waits for it: a batch that runs until the test lets it end
        self.texts: dict[tuple[str, ...], str] = {}  # rows → texts, filled by `prepare`

    def __call__(self, rows: Sequence[Sequence[str]], decode: DecodeOptions) -> list[Output]:
        texts = [self.texts[tuple(row)] for row in rows]
        self.calls.append((texts, decode.beam_size))
        if self.hold is not None and len(self.calls) == 1:
            self.hold.wait(30)
        if self.translator is not None:
            return self.translator.decode(rows, decode)
        return [Output(t.upper()) for t in texts]


def preparer(tiny: Translator, *recorders: Recorder | None) -> Translator:
    """The tiny model preparing requests (English ones too: test texts are short), telling `recorders`
    which text each row is."""
    prepare = Translator(tiny.backend, replace(tiny.config, translate_english=True), tiny.source)
    tokenize = tiny.backend.tokenize

    class Telling:
        name, device = tiny.backend.name, tiny.backend.device

        def tokenize(self, batch: Sequence[str]) -> list[list[str]]:
            rows = tokenize(batch)
            for r in recorders:
                if r is not None:
                    r.texts.update((tuple(row), text) for row, text in zip(rows, batch, strict=True))
            return rows

        def translate(self, rows: Sequence[Sequence[str]], options: DecodeOptions, width: int) -> list[Output]:
            raise AssertionError("the batcher's preparer never translates")

    prepare.backend = Telling()
    return prepare


def batcher(recorder: Recorder, tiny: Translator, express: Recorder | None = None, **options: float) -> Batcher:
    settings = {"queue_tokens": 1000, "batch_tokens": 1000, "request_tokens": 1000, "wait_s": 0, **options}
    return Batcher(
        preparer(recorder.translator or tiny, recorder, express).prepare,
        recorder,
        model_band(recorder.translator or tiny),
        queue_tokens=int(settings["queue_tokens"]),
        batch_tokens=int(settings["batch_tokens"]),
        request_tokens=int(settings["request_tokens"]),
        wait_s=settings["wait_s"],
        express=express,
        express_tokens=int(options.get("express_tokens", 0)),
        on_batch=options.get("on_batch", lambda _: None),  # type: ignore[arg-type]
        on_cancel=options.get("on_cancel", lambda _: None),  # type: ignore[arg-type]
    )


def count(tiny: Translator, texts: Sequence[str]) -> list[int]:
    return [len(row) for row in tiny.backend.tokenize(texts)]


def bands(tiny: Translator, pairs: list[dict[str, str]]) -> tuple[list[str], dict[str, int]]:
    """The pairs' sources, and each one's length band."""
    sources = [p["source"] for p in pairs]
    return sources, dict(zip(sources, map(model_band(tiny), count(tiny, sources)), strict=True))


def test_concurrent_requests_share_one_model_call(tiny: Translator, pairs: list[dict[str, str]]) -> None:
    recorder = Recorder()
    words = sorted({w for p in pairs for w in p["source"].rstrip(".").split()})[:20]  # each its own tokens
    a, b = words[:10], words[10:]

    async def scenario() -> list[list[str]]:
        batch = batcher(recorder, tiny, wait_s=0.05)
        batch.start()
        await batch.translate(["wake"], GREEDY, 5)  # went at once (idle); the next ones wait for company
        results = await asyncio.gather(*(batch.translate([a[i], b[i], a[i]], GREEDY, 5) for i in range(10)))
        await batch.stop()
        return [[t.target for t in r] for r in results]

    assert run(scenario()) == [[a[i].upper(), b[i].upper(), a[i].upper()] for i in range(10)]
    assert len(recorder.calls) == 2 and len(recorder.calls[1][0]) == 20  # duplicates go to the model once


def test_different_decode_options_are_not_pooled_and_batches_have_a_token_budget(tiny: Translator) -> None:
    recorder = Recorder()
    budget = sum(count(tiny, ["x", "u", "w", "y"]))

    async def scenario() -> None:
        b = batcher(recorder, tiny, batch_tokens=budget)
        jobs = []
        for texts, decode in ((["x", "y"], GREEDY), (["z"], BEAM), (["u", "v"], GREEDY), (["w"], GREEDY)):
            queued = b.pending + len(texts)
            jobs.append(asyncio.ensure_future(b.translate(texts, decode, 5)))
            while b.pending < queued:  # queued in this order before the next one comes
                await asyncio.sleep(0.001)
        b.start()
        await asyncio.gather(*jobs)
        await b.stop()

    run(scenario())
    # turns: x, u, w, then y (one piece of each greedy request in turn), then z alone, then v
    assert recorder.calls == [(["x", "y", "u", "w"], 1), (["z"], 4), (["v"], 1)]


def test_a_small_request_waits_behind_at_most_one_batch_of_a_large_one(
    tiny: Translator, pairs: list[dict[str, str]]
) -> None:
    running = threading.Event()
    recorder = Recorder(tiny, hold=running)
    big, small = [p["source"] for p in pairs[:6]], pairs[30]["source"]
    budget = sum(count(tiny, big[:2]))

    async def scenario() -> tuple[list[Translation], list[Translation]]:
        b = batcher(recorder, tiny, batch_tokens=budget)
        b.start()
        large = asyncio.create_task(b.translate(big, GREEDY, 30))
        while not recorder.calls:
            await asyncio.sleep(0.001)
        ticket = await b.submit([[small]], GREEDY)  # while the first batch runs
        running.set()
        alone = await b.result(ticket, 0, 30)
        result = await large, alone
        await b.stop()
        return result

    large, alone = run(scenario())
    assert small in recorder.calls[1][0]  # behind the batch running when it came, in the very next one
    assert plain(large) == [(p["target"], ()) for p in pairs[:6]]
    assert plain(alone) == [(pairs[30]["target"], ())]


def test_a_batch_holds_one_length_band_so_short_requests_skip_long_ones(
    tiny: Translator, pairs: list[dict[str, str]]
) -> None:
    running = threading.Event()
    recorder = Recorder(tiny, hold=running)
    sources, widths = bands(tiny, pairs)
    short = min(sources, key=widths.__getitem__)
    longs = [s for s in sources if widths[s] > widths[short]][:6]

    async def scenario() -> tuple[list[Translation], list[Translation]]:
        b = batcher(recorder, tiny, batch_tokens=10_000)
        b.start()
        first = asyncio.create_task(b.translate([longs[0]], GREEDY, 30))
        while not recorder.calls:
            await asyncio.sleep(0.001)
        alone = await b.submit([[short]], GREEDY)  # queued while the first call runs, then a mixed request
        mixed = await b.submit([[short, *longs[1:]]], GREEDY)  # its short piece first: it joins alone's batch
        running.set()
        result = await b.result(mixed, 0, 30), await b.result(alone, 0, 30)
        await first
        await b.stop()
        return result

    mixed, alone = run(scenario())
    assert all(len({widths[s] for s in call}) == 1 for call, _ in recorder.calls)  # one band a call
    assert recorder.calls[1][0] == [short, short]  # both short pieces, and none of the long ones
    assert plain(mixed) == [(pairs[sources.index(s)]["target"], ()) for s in [short, *longs[1:]]]
    assert alone == mixed[:1]


def test_short_pieces_take_the_express_lane_only_while_a_long_band_runs(
    tiny: Translator, pairs: list[dict[str, str]]
) -> None:
    running = threading.Event()
    main, express = Recorder(tiny, hold=running), Recorder(tiny)
    sources, widths = bands(tiny, pairs)
    short, long = min(sources, key=widths.__getitem__), max(sources, key=widths.__getitem__)
    other = next(s for s in sources if widths[short] < widths[s] < widths[long])
    answered_while_long_ran = []

    async def scenario() -> list[Translation]:
        b = batcher(main, tiny, express, express_tokens=widths[other])
        b.start()
        first = asyncio.create_task(b.translate([long], GREEDY, 30))
        while not main.calls:
            await asyncio.sleep(0.001)
        got = await b.translate([short, other], GREEDY, 30)  # the main lane is still held in its long call
        answered_while_long_ran.append(not running.is_set())
        running.set()
        await first
        got += await b.translate([other], BEAM, 30)  # the main lane free (or short): it goes there
        await b.stop()
        return got

    got = run(scenario())
    assert answered_while_long_ran == [True]
    assert express.calls == [([short], 1), ([other], 1)]  # one band a call, on the express lane
    assert main.calls == [([long], 1), ([other], 4)]
    assert plain(got) == [(pairs[sources.index(s)]["target"], ()) for s in (short, other)] + plain(
        tiny.translate_sentences([other], BEAM)
    )


def test_a_request_is_on_one_lane_at_a_time_so_its_pieces_come_back_in_order(
    tiny: Translator, pairs: list[dict[str, str]]
) -> None:
    running = threading.Event()
    main, express = Recorder(tiny, hold=running), Recorder(tiny)
    sources, widths = bands(tiny, pairs)
    short, long = min(sources, key=widths.__getitem__), max(sources, key=widths.__getitem__)

    async def scenario() -> list[Translation]:
        b = batcher(main, tiny, express, express_tokens=widths[short])
        b.start()
        both = asyncio.create_task(b.translate([long, short], GREEDY, 30))  # its long piece first
        while not main.calls:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.1)  # the express lane could take its short piece now: it must not
        running.set()
        got = await both
        await b.stop()
        return got

    got = run(scenario())
    assert express.calls == [] and main.calls == [([long], 1), ([short], 1)]
    assert plain(got) == [(pairs[sources.index(s)]["target"], ()) for s in (long, short)]


def test_the_main_lane_waits_for_a_request_still_on_the_express_lane(
    tiny: Translator, pairs: list[dict[str, str]]
) -> None:
    main_held, express_held = threading.Event(), threading.Event()
    main, express = Recorder(tiny, hold=main_held), Recorder(tiny, hold=express_held)
    sources, widths = bands(tiny, pairs)
    narrow, long = min(sources, key=widths.__getitem__), max(sources, key=widths.__getitem__)
    wider = next(s for s in sources if widths[narrow] < widths[s] < widths[long])
    got: list[list[Translation]] = []

    async def scenario() -> None:
        b = batcher(main, tiny, express, express_tokens=widths[wider])
        b.start()
        first = asyncio.create_task(b.translate([long], GREEDY, 30))
        while not main.calls:
            await asyncio.sleep(0.001)
        second = asyncio.create_task(b.translate([narrow, wider], GREEDY, 30))  # two bands: two calls
        while not express.calls:
            await asyncio.sleep(0.001)
        main_held.set()  # the main lane ends its call while the express lane still holds `second`
        await first
        await asyncio.sleep(0.05)  # a main lane that spun on `second` would never let this sleep end
        express_held.set()
        got.append(await second)
        await b.stop()

    worker = threading.Thread(target=run, args=(scenario(),), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "the event loop is stuck"
    assert express.calls == [([narrow], 1)] and main.calls == [([long], 1), ([wider], 1)]
    assert [plain(g) for g in got] == [[(pairs[sources.index(s)]["target"], ()) for s in (narrow, wider)]]


def test_a_long_sentence_is_scheduled_piece_by_piece(tiny: Translator, pairs: list[dict[str, str]]) -> None:
    short = Translator(tiny.backend, replace(tiny.config, max_sentence_tokens=16, retry_loops=False), tiny.source)
    recorder = Recorder(short)
    long = " ".join(p["source"].rstrip(".") for p in pairs[:2])

    async def scenario() -> list[Translation]:
        b = batcher(recorder, tiny, batch_tokens=16)
        b.start()
        result = await b.translate([long], GREEDY, 30)
        await b.stop()
        return result

    [joined] = run(scenario())
    [fitted] = short.prepare([long], GREEDY).fitted
    assert len(recorder.calls) == len(fitted.texts) > 2  # one piece a batch
    assert [c[0] for c in recorder.calls] == [[t] for t in fitted.texts]
    assert {"split", "cut"} & set(joined.flags) and joined.flags[: len(fitted.flags)] == fitted.flags


def test_a_cancelled_request_leaves_the_queue_and_wastes_at_most_the_running_batch(
    tiny: Translator, pairs: list[dict[str, str]]
) -> None:
    recorder = Recorder(tiny)
    stats: list[BatchStats] = []
    cancelled: list[int] = []

    async def scenario() -> None:
        b = batcher(recorder, tiny, batch_tokens=40, on_batch=stats.append, on_cancel=cancelled.append)  # type: ignore[arg-type]
        b.start()
        client = asyncio.create_task(b.translate([p["source"] for p in pairs[:20]], GREEDY, 30))
        while not recorder.calls:
            await asyncio.sleep(0.001)
        client.cancel()  # what CancelOnDisconnect does when the client leaves
        await asyncio.gather(client, return_exceptions=True)
        assert b.pending == b.pending_tokens == 0
        for _ in range(3000):  # the running batch ends (30 s at most)
            if stats:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # the worker would start another batch now if anything were queued
        await b.stop()

    run(scenario())
    assert len(recorder.calls) == 1 and stats[0].wasted == len(recorder.calls[0][0])
    assert cancelled == [20 - len(recorder.calls[0][0])]


def test_queue_full_deadline_and_token_budget(tiny: Translator) -> None:
    recorder = Recorder()
    [three] = count(tiny, ["a b c"])

    async def scenario() -> None:
        b = batcher(recorder, tiny, queue_tokens=3 * three, request_tokens=6 * three, wait_s=0.5)
        b.start()
        await b.translate(["awake"], GREEDY, 5)  # went at once (idle); the next ones wait for company
        waiting = asyncio.create_task(b.translate(["a b c", "a b d", "a b e"], GREEDY, 0.1))
        await asyncio.sleep(0.05)
        with pytest.raises(QueueFull) as full:
            await b.submit([["d"]], GREEDY)
        assert full.value.retry_after_s >= 1
        with pytest.raises(TooMuchWork, match=f"over the limit of {6 * three} per request"):
            await b.submit([["a b c", "a b d", "a b e"], ["a b f", "a b g", "a b h", "a b i"]], GREEDY)
        with pytest.raises(DeadlineExceeded):
            await waiting
        assert b.pending == b.pending_tokens == 0
        await asyncio.sleep(0.6)
        await b.stop()

    run(scenario())
    assert recorder.calls == [(["awake"], 1)]  # the expired request never reached the model


def test_a_request_to_an_idle_model_does_not_wait_for_company(tiny: Translator) -> None:
    recorder = Recorder()

    async def scenario() -> None:
        b = batcher(recorder, tiny, wait_s=5)
        b.start()
        await b.translate(["a"], GREEDY, 1)  # DeadlineExceeded if it waited the 5 s
        await b.stop()

    run(scenario())
    assert recorder.calls == [(["a"], 1)]


def test_a_request_larger_than_the_queue_runs_when_alone(tiny: Translator) -> None:
    recorder = Recorder()

    async def scenario() -> int:
        b = batcher(recorder, tiny, queue_tokens=2)
        b.start()
        result = await b.translate(["a", "b", "c", "d"], GREEDY, 5)
        await b.stop()
        return len(result)

    assert run(scenario()) == 4


def test_a_failing_model_call_fails_its_requests_not_the_worker(tiny: Translator) -> None:
    recorder = Recorder()
    calls = 0

    def flaky(rows: Sequence[Sequence[str]], decode: DecodeOptions) -> list[Output]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        return recorder(rows, decode)

    async def scenario() -> list[Translation]:
        b = Batcher(
            preparer(tiny, recorder).prepare,
            flaky,
            model_band(tiny),
            queue_tokens=100,
            batch_tokens=100,
            request_tokens=100,
            wait_s=0,
        )
        b.start()
        with pytest.raises(RuntimeError, match="boom"):
            await b.translate(["a"], GREEDY, 5)
        result = await b.translate(["b"], GREEDY, 5)
        await b.stop()
        return result

    assert [t.target for t in run(scenario())] == ["B"]


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_a_long_request_is_prepared_off_the_event_loop(tiny: Translator) -> None:
    """Tokenizing and cutting 100,000 characters would hold every other request; a short one is not worth
    the thread hop. Streamed requests (submit) go the same way as plain ones (translate)."""
    on_loop: list[bool] = []
    prepare = preparer(tiny).prepare

    def watched(sentences: Sequence[str], decode: DecodeOptions, glossary: Glossary | None) -> Work:
        on_loop.append(threading.current_thread() is threading.main_thread())
        return prepare(sentences, decode, glossary)

    async def scenario() -> None:
        b = Batcher(
            watched, Recorder(), model_band(tiny), queue_tokens=10**6, batch_tokens=100, request_tokens=10**6, wait_s=0
        )
        await b.submit([["dia sedang jaga warung " * 100]], GREEDY)
        await b.submit([["dia sedang jaga warung"]], GREEDY)
        glossary = Glossary((Entry("warung", "stall"),))  # its index is built on first use: off the loop
        await b.submit([["dia sedang jaga warung"]], GREEDY, glossary)
        await b.submit([["dia sedang jaga warung"]], GREEDY, glossary)
        await b.stop()

    run(scenario())
    assert on_loop == [False, True, False, True]


def plain(translations: Sequence[Translation]) -> list[tuple[str, tuple[str, ...]]]:
    """English and flags: what these scheduling tests pin (the model's confidence is pinned by the invariance
    tests)."""
    return [(t.target, t.flags) for t in translations]
