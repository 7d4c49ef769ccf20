"""A random-weight Marian model with opus-mt-id-en's exact shape, for benchmarks (no hub is reachable here).

d_model 512, 6+6 layers, 8 heads, FFN 2048, vocabulary 54,796, swish, shared embeddings, static sinusoidal
positions. The sentencepiece model is trained on the benchmark sentences themselves, so token lengths are
realistic; the vocabulary is padded to the real size. End-of-sentence is biased away, so every output runs
to its length cap on every engine: compare engines at the same cap.

    python bench/opus_shape.py            # build once (about a minute) and print its directory
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = ROOT.parent / "shared" / "data" / "bench" / "id-sentences.txt"
VOCAB_SIZE = 54_796


def default_cache() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "translator-bench" / "opus-shape-id-en"


def build(out: Path, sentences: Path = SENTENCES) -> Path:
    """Build the model into `out` unless it is there already; return `out`."""
    if (out / "model.safetensors").is_file():
        return out
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        spm.SentencePieceTrainer.train(
            input=str(sentences),
            model_prefix=str(Path(tmp) / "sp"),
            vocab_size=16_000,
            hard_vocab_limit=False,
            character_coverage=1.0,
            model_type="unigram",
            unk_id=1,
            bos_id=-1,
            eos_id=0,
            pad_id=-1,
            minloglevel=2,
        )
        proto = (Path(tmp) / "sp.model").read_bytes()
    (out / "source.spm").write_bytes(proto)
    (out / "target.spm").write_bytes(proto)
    sp = spm.SentencePieceProcessor(model_proto=proto)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    vocab = {piece: i for i, piece in enumerate(pieces)}
    for i in range(len(vocab), VOCAB_SIZE - 1):
        vocab[f"<unused{i}>"] = i
    vocab["<pad>"] = VOCAB_SIZE - 1
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(json.dumps({"source_lang": "id", "target_lang": "en"}), "utf-8")
    config = MarianConfig(
        vocab_size=VOCAB_SIZE,
        decoder_vocab_size=VOCAB_SIZE,
        d_model=512,
        encoder_layers=6,
        decoder_layers=6,
        encoder_attention_heads=8,
        decoder_attention_heads=8,
        encoder_ffn_dim=2048,
        decoder_ffn_dim=2048,
        activation_function="swish",
        max_position_embeddings=512,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        pad_token_id=VOCAB_SIZE - 1,
        decoder_start_token_id=VOCAB_SIZE - 1,
        eos_token_id=0,
        forced_eos_token_id=0,
    )
    torch.manual_seed(0)
    model = MarianMTModel(config)
    with torch.no_grad():
        model.get_input_embeddings().weight[VOCAB_SIZE - 1].zero_()  # as in the converted OPUS-MT models
        model.final_logits_bias[0, 0] = -1e4  # never end a sentence: every engine decodes to the same cap
    model.generation_config.bad_words_ids = [[VOCAB_SIZE - 1]]
    model.save_pretrained(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=default_cache())
    args = parser.parse_args()
    print(build(args.out))


if __name__ == "__main__":
    main()
