"""The memory floor of single-sentence decoding: each greedy step at batch 1 reads every decoder weight and
the whole output projection once (matrix-vector products, so memory-bound), and no engine decodes faster
than those bytes stream from memory.

The bandwidth is measured with kernels over a 50 MB set (the size of one int8 step of opus-mt-id-en, past
the last-level cache): torch's float32 matrix-vector product (what the floor was first measured with; it
reaches well under the memory's speed), torch's dynamic-int8 Linear at batch 1 (an int8 matrix-vector
product, as an int8 engine's step is) on 1 and 2 threads, and a plain read (numpy's float32 sum); each the
median 1/20 s of a second's runs. The floor takes the fastest kernel.

    python bench/floor.py [--model DIR]     # the kernels and the floor per output token
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

SET_BYTES = 50_000_000
WEIGHT_BYTES = {"int8": 1, "float16": 2, "bfloat16": 2, "float32": 4}


def step_bytes(model: Path, weight_bytes: int = 1) -> int:
    """Weight bytes one greedy decoder step reads at batch 1: per layer the self-attention's four
    projections, the cross-attention's query and output (its keys and values are computed once per
    sentence) and the feed-forward pair, plus the output projection over the whole vocabulary."""
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    d, ffn = config["d_model"], config["decoder_ffn_dim"]
    per_layer = 6 * d * d + 2 * d * ffn
    return (config["decoder_layers"] * per_layer + config["vocab_size"] * d) * weight_bytes


def _rate(kernel: Callable[[], object], nbytes: int, seconds: float = 1.0) -> float:
    """Bytes per second of `kernel`: the median of 1/20 s batches of runs over about `seconds`."""
    kernel()
    rates = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(rates) < 5:
        runs, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < 0.05:
            kernel()
            runs += 1
        rates.append(runs * nbytes / elapsed)
    return sorted(rates)[len(rates) // 2]


def kernels() -> dict[str, float]:
    """Bytes per second of each kernel over a SET_BYTES set."""
    import numpy as np
    import torch

    threads = torch.get_num_threads()
    found = {}
    try:
        torch.set_num_threads(1)
        matrix, vector = torch.randn(SET_BYTES // 4 // 512, 512), torch.randn(512)
        found["torch float32 matrix-vector, 1 thread"] = _rate(lambda: matrix @ vector, SET_BYTES)
        linear = torch.ao.nn.quantized.dynamic.Linear(512, SET_BYTES // 512, dtype=torch.qint8)
        row = torch.randn(1, 512)
        for n in (1, 2):
            torch.set_num_threads(n)
            found[f"torch int8 dynamic Linear, batch 1, {n} thread{'s' * (n > 1)}"] = _rate(
                lambda: linear(row), SET_BYTES
            )
        array = np.ones(SET_BYTES // 4, dtype=np.float32)
        found["numpy float32 sum (a plain read), 1 thread"] = _rate(array.sum, SET_BYTES)
    finally:
        torch.set_num_threads(threads)
    return found


def report(rates: dict[str, float], per_step: int, indent: str = "") -> float:
    """Print each kernel's rate and the floor the fastest gives for `per_step` bytes a token; that floor, in ms a
    token."""
    for name, rate in rates.items():
        print(f"{indent}{name:<48}{rate / 1e9:6.1f} GB/s")
    best = max(rates.values())
    ms = per_step / best * 1000
    print(f"{indent}floor: {per_step / 1e6:.1f} MB of weights a token at {best / 1e9:.1f} GB/s = {ms:.2f} ms a token")
    return ms


def main() -> None:
    from opus_shape import build, default_cache  # the sibling script (bench/ is on sys.path when run)

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="model directory (default: the opus-shaped random model)")
    args = parser.parse_args()
    report(kernels(), step_bytes(args.model or build(default_cache())))


if __name__ == "__main__":
    main()
