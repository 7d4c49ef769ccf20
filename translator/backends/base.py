"""The Backend protocol every engine implements: a list of sentences in, as many translations out, in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from translator.config import DecodeOptions


@dataclass(frozen=True)
class Output:
    """One translation; `capped` when the output hit its length cap before the model ended it."""

    text: str
    capped: bool = False


class Backend(Protocol):
    """An engine may also offer `solo() -> Backend`: a second engine of one worker over the same model, with
    the same outputs, that runs beside the first (CTranslate2 does; see Translator.beside)."""

    name: str  # for provenance: "hf-float32", "ct2-int8", ...
    device: str

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Source tokens of each text, end-of-sentence token included."""
        ...

    def translate(self, texts: Sequence[str], options: DecodeOptions, width: int) -> list[Output]:
        """Translate a batch; `len(result) == len(texts)` and order is kept. Every text is padded to `width`
        tokens (none is longer) and decoded to one cap, `options.output_cap(width)`, so each output is the one
        its text gets alone at that width, as far as the engine's arithmetic is independent of batch size."""
        ...


T = TypeVar("T")


def cut_at_end(tokens: Sequence[T], end: T, cap: int) -> tuple[list[T], bool]:
    """An output's tokens before its end-of-sentence, at most `cap` of them, and whether the cap cut it.

    Engines decode one step past the cap, so an output of exactly `cap` tokens still has room for its
    end-of-sentence and is not mistaken for a cut one.
    """
    ended = tokens.index(end) if end in tokens else len(tokens)
    return list(tokens[: min(ended, cap)]), ended > cap


def count_with(tokenizer: Any, texts: Sequence[str]) -> list[int]:
    """Source tokens of each text with a MarianTokenizer, end-of-sentence included: its pieces and the one
    end token it appends, counted without building model inputs. A text with no "<" (every special token
    has one) that does not start with ">>" (a language code) is counted by the sentencepiece model alone,
    which is all the tokenizer would call for it: the service counts every request on its event loop, and
    this is twenty times cheaper than the tokenizer's call."""
    spm = tokenizer.spm_source
    return [
        (len(spm.encode(t)) if "<" not in t and not t.startswith(">>") else len(tokenizer.tokenize(t))) + 1
        for t in texts
    ]
