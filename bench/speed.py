"""The speed harness: engines side by side, in one process and one run, interleaved, on the same sentences
with the same output cap (1.22 x input tokens + 1, the length of real English), with the opus-mt-id-en-shaped
random model (bench/opus_shape.py).

    (a) the design card taken literally: MarianMTModel.generate, batches of 16 in document order, beam 6
    (b) transformers greedy on length-sorted batches
    (c) raw CTranslate2 int8 translate_batch (1 worker x N threads, and N workers x 1 thread)
    (d) our whole pipeline (segment, memory, batching, backend, align) on the same text, greedy, beam 4
        and beam 6; it decodes batches of one length band, each input padded to its band's width and
        decoded to the band's cap (batch invariance)

Each engine decodes every batch to the same length for all its sentences (the model never ends one): (a)-(c)
to the cap of the batch's longest input, (d) to its band's cap, so (d) decodes somewhat more tokens than the
target-token count printed, the sum of the sentences' own caps.

It prints sentences/s, target tokens/s and peak RSS for each, then the ratios d/a (same beam) and d/c.

    python bench/speed.py                 # CPU
    python bench/speed.py --gpu           # transformers fp32 and bf16 at large batches and CTranslate2 on
                                          # CUDA; without a GPU the same code runs on the CPU (say so)
    python bench/speed.py --scores        # what each sentence's confidence costs: (d4) with the engine's
                                          # scores and without, interleaved, the median of --rounds (3)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from opus_shape import ENGLISH_RATIO, SENTENCES, build, default_cache  # the sibling script (bench/ is on sys.path)

from translator.config import DecodeOptions

DECODE = DecodeOptions(1, ENGLISH_RATIO, 1)


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # "5" resets the peak RSS counter (Linux)


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Engines:
    def __init__(self, model: Path, sentences: list[str], device: str) -> None:
        import torch
        from transformers import MarianMTModel, MarianTokenizer

        self.torch = torch
        self.device = device
        self.sentences = sentences
        self.tokenizer = MarianTokenizer.from_pretrained(str(model))
        self.hf = MarianMTModel.from_pretrained(str(model)).to(device).eval()
        self.hf.generation_config.max_length = None
        self.hf.generation_config.forced_eos_token_id = None
        self.lengths = [len(ids) for ids in self.tokenizer(sentences)["input_ids"]]
        self.caps = [DECODE.output_cap(n) for n in self.lengths]  # the pipeline's cap at the same ratio
        self.model = model

    def target_tokens(self) -> int:
        return sum(self.caps)

    def hf_generate(self, order: list[int], batch: int, beam: int, dtype: Any = None) -> None:
        model = self.hf if dtype is None else self.hf.to(dtype)
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            enc = self.tokenizer([self.sentences[i] for i in rows], padding=True, return_tensors="pt").to(self.device)
            steps = max(self.caps[i] for i in rows)
            with self.torch.inference_mode():
                model.generate(**enc, num_beams=beam, max_new_tokens=steps, min_new_tokens=steps, do_sample=False)
        if dtype is not None:
            self.hf.to(self.torch.float32)

    def ct2(self, translator: Any, beam: int) -> None:
        tokens = [self.tokenizer.convert_ids_to_tokens(ids) for ids in self.tokenizer(self.sentences)["input_ids"]]
        order = sorted(range(len(tokens)), key=lambda i: -len(tokens[i]))
        for start in range(0, len(order), 64):
            rows = order[start : start + 64]
            steps = max(self.caps[i] for i in rows)
            translator.translate_batch(
                [tokens[i] for i in rows],
                beam_size=beam,
                max_decoding_length=steps,
                min_decoding_length=steps,
                max_batch_size=4096,
                batch_type="tokens",
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=192, help="how many of the benchmark sentences")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds; the best of each is kept")
    parser.add_argument("--gpu", action="store_true", help="the GPU comparison (runs on CPU without a GPU)")
    parser.add_argument("--skip-beam6", action="store_true", help="leave out (a) and (d) at beam 6 (slow on CPU)")
    parser.add_argument("--scores", action="store_true", help="only (d4) with scores against without: the median")
    args = parser.parse_args()

    import ctranslate2
    import torch

    from translator import Translator, segment
    from translator.backends.ct2 import CT2Backend, convert
    from translator.config import TranslatorConfig
    from translator.memory import TranslationMemory
    from translator.models import resolve

    model = build(default_cache())
    pool = [s.strip() for s in SENTENCES.read_text(encoding="utf-8").splitlines() if s.strip()]
    # sentences that our segmenter keeps whole, so that every engine translates exactly the same units
    whole = (s for s in pool if sum(len(p.sentences) for p in segment(s)) == 1)
    sentences = [s for _, s in zip(range(args.sentences), whole, strict=False)]
    gpu = args.gpu and torch.cuda.is_available()
    device = "cuda" if gpu else "cpu"
    cores = os.cpu_count() or 1
    engines = Engines(model, sentences, device)
    source = resolve(str(model))
    in_order = list(range(len(sentences)))
    by_length = sorted(in_order, key=lambda i: -engines.lengths[i])
    text = "\n\n".join(sentences)  # the same sentences, a paragraph each, as one text for the pipeline
    # the random model's outputs loop by construction, so the runaway guard would retry every sentence;
    # on real output it retries the rare loop, and costs one check per sentence
    pipeline_config = TranslatorConfig(model=str(model), retry_loops=False)

    def pipeline(backend: Any, beam: int) -> Callable[[], None]:
        def run() -> None:
            with tempfile.TemporaryDirectory() as tmp:
                translator = Translator(backend, pipeline_config, source, TranslationMemory(Path(tmp) / "tm.sqlite"))
                translator.translate_document(text, decode=replace(DECODE, beam_size=beam))

        return run

    table: dict[str, Callable[[], None]] = {}
    if args.scores:
        unscored = CT2Backend(source, "cpu")
        unscored.scores = False
        table["(d4) our pipeline, ct2-int8, beam 4, with scores"] = pipeline(CT2Backend(source, "cpu"), 4)
        table["(d4) our pipeline, ct2-int8, beam 4, without scores"] = pipeline(unscored, 4)
    elif args.gpu:
        compute = "float16" if gpu else "float32"
        ct2_gpu = ctranslate2.Translator(str(convert(source, compute)), device=device, compute_type=compute)
        table["transformers fp32, batch 64, greedy"] = lambda: engines.hf_generate(by_length, 64, 1)
        table["transformers bf16, batch 64, greedy"] = lambda: engines.hf_generate(by_length, 64, 1, torch.bfloat16)
        table[f"ctranslate2 {compute}, greedy"] = lambda: engines.ct2(ct2_gpu, 1)
        ct2_backend = CT2Backend(source, device, compute)
        table[f"(d) pipeline ct2-{compute}, greedy"] = pipeline(ct2_backend, 1)
    else:
        int8 = str(convert(source, "int8"))
        one_by_n = ctranslate2.Translator(int8, device="cpu", compute_type="int8", inter_threads=1, intra_threads=cores)
        n_by_one = ctranslate2.Translator(int8, device="cpu", compute_type="int8", inter_threads=cores, intra_threads=1)
        ct2_backend = CT2Backend(source, "cpu")
        if not args.skip_beam6:
            table["(a) design card: generate, batch 16, document order, beam 6"] = lambda: engines.hf_generate(
                in_order, 16, 6
            )
        table["(b) transformers greedy, length-sorted batches of 64"] = lambda: engines.hf_generate(by_length, 64, 1)
        table[f"(c) ctranslate2 int8 greedy, 1 worker x {cores} threads"] = lambda: engines.ct2(one_by_n, 1)
        table[f"(c') ctranslate2 int8 greedy, {cores} workers x 1 thread"] = lambda: engines.ct2(n_by_one, 1)
        table["(d) our pipeline, ct2-int8, greedy"] = pipeline(ct2_backend, 1)
        table["(d4) our pipeline, ct2-int8, beam 4"] = pipeline(ct2_backend, 4)
        if not args.skip_beam6:
            table["(d6) our pipeline, ct2-int8, beam 6"] = pipeline(ct2_backend, 6)

    times: dict[str, list[float]] = {name: [] for name in table}
    peaks: dict[str, float] = {}
    growth: dict[str, float] = {}
    for _ in range(args.rounds):
        for name, run in table.items():
            reset_peak_rss()
            before = peak_rss_mb()
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
            peaks[name] = max(peaks.get(name, 0.0), peak_rss_mb())
            growth[name] = max(growth.get(name, 0.0), peak_rss_mb() - before)

    if args.scores:
        with_scores, without = (len(sentences) / statistics.median(times[name]) for name in table)
        print(f"{len(sentences)} sentences, {cores} cores, CPU, median of {args.rounds} interleaved rounds")
        print(f"with scores {with_scores:.2f} sent/s, without {without:.2f} sent/s: {with_scores / without:.3f}x")
        return

    tokens = engines.target_tokens()
    where = "CUDA" if gpu else ("CPU (no GPU here: the GPU mode exercised on the CPU)" if args.gpu else "CPU")
    print(f"{len(sentences)} sentences, {tokens} target tokens, {cores} cores, {where}, best of {args.rounds} rounds")
    print("peak MB: the whole process (every engine's model is loaded); +MB: what the engine's run added")
    print(f"{'engine':<64}{'sent/s':>9}{'tok/s':>9}{'peak MB':>9}{'+MB':>7}")
    rates = {}
    for name in table:
        best = min(times[name])
        rates[name] = len(sentences) / best
        print(f"{name:<64}{rates[name]:>9.2f}{tokens / best:>9.0f}{peaks[name]:>9.0f}{growth[name]:>7.0f}")
    if not args.gpu:
        c = max(v for k, v in rates.items() if k.startswith("(c"))
        d = rates["(d) our pipeline, ct2-int8, greedy"]
        print(f"d/c (greedy, pipeline over the faster raw CTranslate2 layout): {d / c:.2f}")
        if not args.skip_beam6:
            a = rates["(a) design card: generate, batch 16, document order, beam 6"]
            d6 = rates["(d6) our pipeline, ct2-int8, beam 6"]
            print(f"d/a (beam 6, pipeline over the design card): {d6 / a:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
