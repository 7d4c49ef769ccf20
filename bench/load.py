"""Load test: N concurrent single-sentence requests at a server, against the same sentences in one offline
batch, plus the latency of one request on an idle server. One run, same sentences, same model, same caps.

It also prints the memory floor of the idle latency (bench/floor.py: each greedy step of a single sentence
reads every decoder weight and the whole output projection once, and no engine decodes faster than those
bytes stream from memory, measured with the fastest of its kernels) and the latency as a ratio to it.

    python bench/load.py                      # builds the opus-shaped model, starts a server, measures
    python bench/load.py --url http://127.0.0.1:8000 --model DIR   # a server you started on model DIR
                                              # (with TRANSLATOR_RETRY_LOOPS=0 on a random model)

Without --url the script starts `translator serve` itself with the same decode settings. Random weights
never end a sentence, so outputs run to their cap; the default cap (1.22 x input tokens + 1, the English
/Indonesian token ratio of real pairs) keeps output lengths those of a real translation. The server pads a
sentence to its length band's width and decodes to that band's cap, so the floor is given for those steps.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from floor import WEIGHT_BYTES, kernels, report, step_bytes  # sibling scripts (bench/ is on sys.path when run)
from opus_shape import ENGLISH_RATIO, SENTENCES, build, default_cache

from translator import DecodeOptions, Translator, TranslatorConfig, batching
from translator.config import BACKENDS


def post(url: str, texts: list[str]) -> list[str]:
    body = json.dumps({"texts": texts}).encode()
    request = urllib.request.Request(url + "/v1/translate", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        translations: list[str] = json.loads(response.read())["translations"]
        return translations


def offline(translator: Translator, sentences: list[str], decode: DecodeOptions) -> float:
    """Sentences per second for the whole list in one call of the library, in this process."""
    translator.translate_sentences(sentences[:4], decode)  # warm-up
    started = time.perf_counter()
    translator.translate_sentences(sentences, decode)
    return len(sentences) / (time.perf_counter() - started)


def idle_latency(url: str, sentences: list[str]) -> list[float]:
    post(url, sentences[:1])  # warm-up
    times = []
    for sentence in sentences:
        started = time.perf_counter()
        post(url, [sentence])
        times.append(time.perf_counter() - started)
    return times


def concurrent(url: str, sentences: list[str], clients: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda s: post(url, [s]), sentences))
    return len(sentences) / (time.perf_counter() - started)


def start_server(model: Path, backend: str, decode: DecodeOptions) -> tuple[subprocess.Popen[bytes], str]:
    env = {
        "TRANSLATOR_MODEL": str(model),
        "TRANSLATOR_BACKEND": backend,
        "TRANSLATOR_BEAM": str(decode.beam_size),
        "TRANSLATOR_MAX_OUTPUT_RATIO": str(decode.max_output_ratio),
        "TRANSLATOR_OUTPUT_SLACK": str(decode.output_slack),
        "TRANSLATOR_RETRY_LOOPS": "0",
    }
    return launch({**os.environ, **env})


def launch(env: dict[str, str], cwd: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """`translator serve` on a free port with `env`, once it answers /readyz: (the process, its URL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "translator", "serve", "--port", str(port)]
    env = {"TRANSLATOR_DATA_DIR": tempfile.mkdtemp(prefix="translator-bench-"), **env}  # usage and jobs: its own
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/readyz", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def floor_ms(model: Path, translator: Translator, sentences: list[str], decode: DecodeOptions) -> list[float]:
    """The memory floor of each sentence's idle latency, in ms: the greedy steps the server decodes for it
    alone (its band's cap, plus the step that may still end it) times the step's weight bytes, at the
    fastest kernel's bandwidth."""
    weight = translator.backend.name.rsplit("-", 1)[-1].split("_")[0]  # int8_float16: int8 weights
    per_step = step_bytes(model, WEIGHT_BYTES[weight])
    ms_per_step = report(kernels(), per_step, indent="  ")
    widths = [
        batching.width(len(row), translator.config.max_sentence_tokens)
        for row in translator.backend.tokenize(sentences)
    ]
    return [(decode.output_cap(w) + 1) * ms_per_step for w in widths]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server; without it, one is started on --model")
    parser.add_argument("--model", type=Path, help="model directory (default: the opus-shaped random model)")
    parser.add_argument("--requests", type=int, default=128, help="single-sentence requests in the load phase")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--idle", type=int, default=30, help="sequential requests for the idle latency")
    parser.add_argument("--backend", choices=BACKENDS, default="auto")
    parser.add_argument("--beam", type=int, default=1)
    parser.add_argument("--ratio", type=float, default=ENGLISH_RATIO, help="output cap: ratio × input tokens + slack")
    parser.add_argument("--slack", type=int, default=1)
    parser.add_argument("--sentences", type=Path, default=SENTENCES)
    args = parser.parse_args()

    model = args.model or build(default_cache())
    pool = [line.strip() for line in args.sentences.read_text(encoding="utf-8").splitlines() if line.strip()]
    sentences, idle = pool[: args.requests], (pool[args.requests :] or pool)[: args.idle]
    print(f"model {model.name}, beam {args.beam}, cap {args.ratio} x input + {args.slack}, {os.cpu_count()} cpus")

    decode = DecodeOptions(args.beam, args.ratio, args.slack)
    # the random model's outputs loop by construction, so the runaway guard would retry every sentence
    # (on real output it retries the rare loop): off here and in the server alike
    translator = Translator.from_config(
        TranslatorConfig(model=str(model), backend=args.backend, decode=decode, retry_loops=False)
    )
    print(f"engine: {translator.backend.name}")
    offline_rate = offline(translator, sentences, decode)
    print(f"offline, one batch of {len(sentences)}: {offline_rate:.2f} sentences/s")
    floors = floor_ms(model, translator, idle, decode) if args.beam == 1 else []
    del translator

    proc = None
    url = args.url
    if url is None:
        proc, url = start_server(model, args.backend, decode)
    try:
        latencies = idle_latency(url, idle)
        p50, p95 = percentile(latencies, 50) * 1000, percentile(latencies, 95) * 1000
        print(f"idle single-sentence latency over {len(latencies)}: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
        if floors:
            f50, f95 = percentile(floors, 50), percentile(floors, 95)
            print(f"  its memory floor: p50 {f50:.0f} ms, p95 {f95:.0f} ms", end="")
            print(f"; latency / floor: p50 {p50 / f50:.2f}, p95 {p95 / f95:.2f}")
        served = concurrent(url, sentences, args.clients)
        print(f"{args.clients} clients, {len(sentences)} single-sentence requests: {served:.2f} sentences/s")
        print(f"served / offline: {served / offline_rate:.2f}")
        if proc is not None:
            status = Path(f"/proc/{proc.pid}/status").read_text().splitlines()
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
            print(f"server peak RSS: {peak / 1024:.0f} MB")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
