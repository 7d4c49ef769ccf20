"""The transformers/torch backend: MarianMTModel.generate on batches padded to their band's width, on CPU or
CUDA."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from transformers import MarianMTModel, MarianTokenizer

from translator.backends.base import Output, cut_at_end, tokenize_with
from translator.config import DecodeOptions
from translator.errors import BackendError
from translator.models import ModelSource


class HFBackend:
    def __init__(self, source: ModelSource, device: str, model: Any = None, name: str = "") -> None:
        """`model`: anything that generates as MarianMTModel does, already on `device` (a quantized copy, an
        ONNX Runtime model; bench/engines.py tries them); by default the source's MarianMTModel."""
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if device == "cuda" and not torch.cuda.is_available():
            raise BackendError("device 'cuda' was asked for but torch sees no CUDA device")
        try:
            self.tokenizer = MarianTokenizer.from_pretrained(str(source.path))
            self.model = model or MarianMTModel.from_pretrained(str(source.path))
        except (OSError, ValueError) as exc:
            raise BackendError(f"transformers could not load a Marian model from {source.name}: {exc}") from exc
        if model is None:
            torch.nn.Module.to(self.model, torch.device(device))  # transformers types `to` too narrowly
            self.model.train(False)  # inference: no dropout
        self.device = device
        self.max_positions = int(self.model.config.max_position_embeddings)
        # the output cap is set per call; a max_length in the model's own config would only contradict it,
        # and a forced end-of-sentence at the cap would hide that an output was cut there
        self.model.generation_config.max_length = None
        self.model.generation_config.forced_eos_token_id = None
        self.name = name or f"hf-{str(self.model.dtype).removeprefix('torch.')}"
        self._eos = self.tokenizer.eos_token_id
        self.scores = True  # each output's score (Output.score); off only to measure what it costs (bench/speed.py)

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        return tokenize_with(self.tokenizer, texts)

    def translate(self, rows: Sequence[Sequence[str]], options: DecodeOptions, width: int) -> list[Output]:
        if not rows:
            return []
        longest = max(map(len, rows))
        if longest > min(width, self.max_positions):
            raise BackendError(f"an input of {longest} tokens is wider than its batch ({width}) or the model")
        ids = [self.tokenizer.convert_tokens_to_ids(list(row)) for row in rows]
        encoded = {"input_ids": ids, "attention_mask": [[1] * len(row) for row in ids]}
        batch = self.tokenizer.pad(encoded, padding="max_length", max_length=width, return_tensors="pt")
        cap = min(options.output_cap(width), self.max_positions - 2)
        inputs = batch.to(self.device)
        with torch.inference_mode():
            generated = self.model.generate(
                **inputs,
                num_beams=options.beam_size,
                max_new_tokens=cap + 1,
                do_sample=False,
                no_repeat_ngram_size=options.no_repeat_ngram_size,
            )
            scores = self._scores(inputs["input_ids"], inputs["attention_mask"], generated) if self.scores else None
        outputs = []
        for k, row in enumerate(generated[:, 1:].tolist()):  # [:, 1:] drops the start token
            tokens, capped = cut_at_end(row, self._eos, cap)
            score, count = scores[k] if scores else (None, 0)
            text = self.tokenizer.decode(tokens, skip_special_tokens=True)
            outputs.append(Output(text, capped, score=score, tokens=count))
        return outputs

    def _scores(self, ids: torch.Tensor, mask: torch.Tensor, generated: torch.Tensor) -> list[tuple[float, int]]:
        """Each output's mean token log-probability and how many tokens it averages: those up to its first
        end-of-sentence, included, as CTranslate2 counts them. From a teacher-forced pass over the source and the
        output, rather than generate's own scores, which would hold rows x beams x vocabulary floats for every
        step until the batch ends (gigabytes for opus-mt-id-en's 54k pieces); a row at a time, its source at its
        band's width and its output at its own length, so that the arithmetic, to the last bit, is the row's
        alone (batched, shapes that follow the batch-mates moved scores by 1e-6)."""
        scored = []
        for k, row in enumerate(generated[:, 1:].tolist()):
            count = row.index(self._eos) + 1 if self._eos in row else len(row)
            logits = self.model(
                input_ids=ids[k : k + 1], attention_mask=mask[k : k + 1], decoder_input_ids=generated[k : k + 1, :count]
            ).logits[0]
            targets = generated[k, 1 : count + 1, None]
            total = torch.log_softmax(logits.float(), -1).gather(-1, targets).sum().item()
            scored.append((total / count, count))
        return scored
