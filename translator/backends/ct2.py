"""The CTranslate2 backend: the Marian model converted once (cached beside it, keyed by revision and
quantization), int8 on CPU and float16 on CUDA by default, each batch padded to its band's width and
shared among the workers, the same output caps as the transformers backend. Tokenization is the model's own
MarianTokenizer, so both engines see the same pieces.
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import ctranslate2
from transformers import MarianTokenizer

from translator.backends.base import Output, cut_at_end, tokenize_with
from translator.config import DecodeOptions
from translator.errors import BackendError
from translator.models import ModelSource

log = logging.getLogger(__name__)

_DEFAULT_COMPUTE = {"cpu": "int8", "cuda": "float16"}


class CT2Backend:
    def __init__(
        self,
        source: ModelSource,
        device: str,
        compute_type: str = "auto",
        inter_threads: int = 0,
        intra_threads: int = 0,
    ) -> None:
        """inter_threads workers of intra_threads threads each; 0 picks the layout for the host."""
        if device == "auto":
            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        if device == "cuda" and ctranslate2.get_cuda_device_count() == 0:
            raise BackendError("device 'cuda' was asked for but CTranslate2 sees no CUDA device")
        if compute_type == "auto":
            compute_type = _DEFAULT_COMPUTE[device]
        if compute_type not in ctranslate2.get_supported_compute_types(device):
            raise BackendError(f"CTranslate2 cannot compute in {compute_type} on {device}")
        self.device = device
        self.name = f"ct2-{compute_type}"
        try:
            self.tokenizer = MarianTokenizer.from_pretrained(str(source.path))
        except (OSError, ValueError) as exc:
            raise BackendError(f"cannot load the tokenizer of {source.name}: {exc}") from exc
        self._converted, self._compute = str(convert(source, compute_type)), compute_type
        self.workers, self._threads = thread_layout(device, inter_threads, intra_threads)
        self.translator = self._engine(self.workers)
        self.max_positions = int(self.tokenizer.model_max_length)
        self._eos = self.tokenizer.eos_token
        self.scores = True  # each output's score (Output.score); off only to measure what it costs (bench/speed.py)

    def _engine(self, workers: int) -> ctranslate2.Translator:
        return ctranslate2.Translator(
            self._converted, self.device, compute_type=self._compute, inter_threads=workers, intra_threads=self._threads
        )

    def solo(self) -> CT2Backend:
        """A second engine over the same model, one worker of this one's threads (so the same arithmetic and
        the same outputs), sharing the tokenizer: it runs beside this one, at the cost of a second copy of
        the weights."""
        twin = copy.copy(self)
        twin.workers, twin.translator = 1, self._engine(1)
        return twin

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        return tokenize_with(self.tokenizer, texts)

    def translate(self, rows: Sequence[Sequence[str]], options: DecodeOptions, width: int) -> list[Output]:
        if not rows:
            return []
        if (longest := max(map(len, rows))) > width:
            raise BackendError(f"an input of {longest} tokens is wider than its batch ({width})")
        tokens = [list(row) for row in rows]
        cap = min(options.output_cap(width), self.max_positions - 2)
        # one share per worker, decoded in parallel; CTranslate2 pads a batch to its longest input, so a
        # share with no input of the full width gets a filler that has it (its output is thrown away)
        shares = [tokens[k :: self.workers] for k in range(min(self.workers, len(tokens)))]
        pending = [
            self.translator.translate_batch(
                share if any(len(row) == width for row in share) else [*share, _filler(share, width)],
                max_batch_size=len(share) + 1,
                beam_size=options.beam_size,
                no_repeat_ngram_size=options.no_repeat_ngram_size,
                max_decoding_length=cap + 1,
                max_input_length=0,  # the pipeline already cut inputs to the model's length
                return_end_token=True,
                # the cumulative log-probability divided by length ** length_penalty: at 1 (CTranslate2's
                # default, also what ranks the beams) the mean over the decoded tokens, end token included
                length_penalty=1,
                return_scores=self.scores,
                asynchronous=True,
            )
            for share in shares
        ]
        done = [[result.result() for result in share] for share in pending]
        outputs = []
        for i, row in enumerate(tokens):
            result = done[i % self.workers][i // self.workers]
            decoded = result.hypotheses[0]
            kept, capped = cut_at_end(decoded, self._eos, cap)
            text = self.tokenizer.decode(self.tokenizer.convert_tokens_to_ids(kept), skip_special_tokens=True)
            score = None
            if self.scores:
                score = self._unconstrained(row, decoded) if options.no_repeat_ngram_size else result.scores[0]
            outputs.append(Output(text, capped, score=score, tokens=len(decoded) if self.scores else 0))
        return outputs

    def _unconstrained(self, row: list[str], decoded: list[str]) -> float:
        """The mean log-probability the model gives `decoded`, unconstrained. Under the retry's ban on repeated
        n-grams CTranslate2 scores each token against what the ban left, which raises the score of exactly the
        outputs the ban had to steer; transformers scores the model's own probabilities (backends/hf.py), and
        so does this: a teacher-forced pass, the row alone (so its arithmetic is its own)."""
        ended = bool(decoded) and decoded[-1] == self._eos
        [scored] = self.translator.score_batch([row], [decoded[:-1] if ended else decoded])
        log_probs = scored.log_probs if ended else scored.log_probs[:-1]  # it scores an end token after them
        return float(sum(log_probs)) / len(log_probs)


def _filler(share: list[list[str]], width: int) -> list[str]:
    """An input of exactly `width` tokens for padding: the share's longest input with its last piece
    repeated, so that a real model ends it about when it ends that input."""
    row = max(share, key=len)
    return [*row[:-1], *[row[-2] if len(row) > 1 else "▁"] * (width - len(row)), row[-1]]


def thread_layout(device: str, inter_threads: int, intra_threads: int) -> tuple[int, int]:
    """(workers, threads per worker). On CPU by default one worker per core, up to 4 (then the cores are
    shared among them): measured on 2 cores (bench/speed.py), 2 workers x 1 thread outran 1 x 2 on batches,
    as the decoder's small matrix products use two threads poorly. On CUDA one worker."""
    cores = os.cpu_count() or 1
    workers = inter_threads or (min(cores, 4) if device == "cpu" else 1)
    return workers, intra_threads or max(1, cores // workers)


def convert(source: ModelSource, quantization: str) -> Path:
    """The CTranslate2 model for `source`, converted on first use and cached; a failed conversion is a
    BackendError (so that backend "auto" falls back to transformers)."""
    target = source.converted(f"ct2-{quantization}")
    if (target / "model.bin").is_file():
        return target
    log.warning("converting %s for CTranslate2 (%s), once", source.name, quantization)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
    try:
        from ctranslate2.converters import TransformersConverter

        TransformersConverter(str(source.path)).convert(str(staging / "model"), quantization=quantization, force=True)
        try:
            (staging / "model").replace(target)
        except OSError:
            if not (target / "model.bin").is_file():  # else another process finished the same conversion first
                raise
    except Exception as exc:  # the converter raises anything from ValueError to RuntimeError
        raise BackendError(f"CTranslate2 could not convert {source.name}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
