"""A random-weight Marian model with opus-mt-id-en's real configuration and tokenizer, for benchmarks (no hub
is reachable here, and no copy of the weights).

The configuration, vocabulary and sentencepiece models are the published ones, from
../shared/data/opus-mt-id-en/ (d_model 512, 6+6 layers, 8 heads, FFN 2048, vocabulary 54,796, swish, shared
embeddings, static sinusoidal positions), so token counts, batch shapes and decode lengths are those the
real model sees. The weights are random, the pad row zeroed as in the converted OPUS-MT models.
End-of-sentence is biased away, so every output runs to its length cap on every engine: compare engines at
the same cap. Benchmarks cap outputs at ENGLISH_RATIO x input tokens + 1, the length of real English.

    python bench/opus_shape.py            # build once (seconds) and print its directory
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SENTENCES = SHARED / "bench" / "id-sentences.txt"
REAL = SHARED / "opus-mt-id-en"  # the real configuration and tokenizer, without weights
TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json", "special_tokens_map.json")
# English tokens per Indonesian token of the 1,000 human NusaX pairs with the real tokenizer (1.22; 81.5 % of
# the references are longer than input + 1): the default output cap of the harnesses is this x input + 1
ENGLISH_RATIO = 1.22


def default_cache() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "translator-bench" / "opus-mt-id-en-random"


def build(out: Path, real: Path = REAL) -> Path:
    """Build the model into `out` unless it is there already; return `out`."""
    if (out / "model.safetensors").is_file():
        return out
    if not (real / "config.json").is_file():
        raise SystemExit(f"the real opus-mt-id-en configuration and tokenizer are not at {real}")
    import torch
    from transformers import MarianConfig, MarianMTModel

    out.mkdir(parents=True, exist_ok=True)
    for name in TOKENIZER_FILES:
        shutil.copyfile(real / name, out / name)
    config = MarianConfig.from_pretrained(str(real))
    torch.manual_seed(0)
    model = MarianMTModel(config)
    with torch.no_grad():
        model.get_input_embeddings().weight[config.pad_token_id].zero_()  # as in the converted OPUS-MT models
        model.final_logits_bias[0, config.eos_token_id] = -1e4  # never end: every engine decodes to the same cap
    model.generation_config.bad_words_ids = [[config.pad_token_id]]
    model.save_pretrained(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=default_cache())
    args = parser.parse_args()
    print(build(args.out))


if __name__ == "__main__":
    main()
