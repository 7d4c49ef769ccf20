"""Typed options of the library, validated when built; the library never reads the environment itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from translator.errors import ConfigError

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-id-en"
BackendName = Literal["auto", "ct2", "hf"]
DeviceName = Literal["auto", "cpu", "cuda"]
BACKENDS: tuple[str, ...] = ("auto", "ct2", "hf")
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")
# Below this confidence a sentence is flagged low_confidence. Not measured on opus-mt-id-en (no weights here):
# it was trained with label smoothing 0.1, which keeps even its surest tokens near 0.9, and a model hesitating
# between two or three wordings of a sound sentence still averages about 0.5; 0.3 is a geometric mean below a
# third on its own choices, where output stops being a translation. Calibrate with `translator eval`.
DEFAULT_MIN_CONFIDENCE = 0.3


@dataclass(frozen=True)
class DecodeOptions:
    """How the model decodes.

    beam_size 4, not the 6 of opus-mt-id-en's own config: beam search cost grows with the beam, and past 4
    the published OPUS-MT/Marian results change by noise-level BLEU while every sentence costs 1.5x the
    decoder work. Each output is capped at `max_output_ratio` × its input tokens + `output_slack`, so that a
    looping output ends; a capped output is flagged `truncated`.
    """

    beam_size: int = 4
    max_output_ratio: float = 2.0
    output_slack: int = 10
    no_repeat_ngram_size: int = 0  # the runaway guard's retry sets it

    def __post_init__(self) -> None:
        if not 1 <= self.beam_size <= 16:
            raise ConfigError(f"beam_size must be between 1 and 16, not {self.beam_size}")
        if self.max_output_ratio <= 0 or self.output_slack < 1:
            raise ConfigError("max_output_ratio must be positive and output_slack at least 1")

    def output_cap(self, input_tokens: int) -> int:
        return int(self.max_output_ratio * input_tokens) + self.output_slack


@dataclass(frozen=True)
class TranslatorConfig:
    """Everything `Translator.load` needs: which model, which engine, how to decode and batch."""

    model: str = DEFAULT_MODEL
    revision: str | None = None
    backend: BackendName = "auto"
    device: DeviceName = "auto"
    decode: DecodeOptions = field(default_factory=DecodeOptions)
    max_sentence_tokens: int = 256  # longer sentences are translated in pieces; keeps outputs in 512 positions
    max_batch_tokens: int = 4096  # padded tokens per batch (batch size × longest input)
    max_batch_sentences: int = 64
    documents_per_chunk: int = 64  # how many documents translate_documents pools before translating
    translate_english: bool = False  # False: sentences already in English pass through, flagged
    retry_loops: bool = True  # the runaway guard: retry a looping output once, forbidding repeated trigrams
    min_confidence: float = DEFAULT_MIN_CONFIDENCE  # below it a sentence is flagged low_confidence

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}")
        if self.device not in DEVICES:
            raise ConfigError(f"device must be one of {', '.join(DEVICES)}, not {self.device!r}")
        if not 8 <= self.max_sentence_tokens <= 510:
            raise ConfigError(f"max_sentence_tokens must be between 8 and 510, not {self.max_sentence_tokens}")
        if self.max_batch_tokens < self.max_sentence_tokens:
            raise ConfigError("max_batch_tokens must be at least max_sentence_tokens")
        if not 0 <= self.min_confidence <= 1:
            raise ConfigError(f"min_confidence must be between 0 and 1, not {self.min_confidence}")
        if self.max_batch_sentences < 1 or self.documents_per_chunk < 1:
            raise ConfigError("max_batch_sentences and documents_per_chunk must be at least 1")
