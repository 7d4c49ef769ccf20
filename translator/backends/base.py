"""The Backend protocol every engine implements: a list of sentences in, as many translations out, in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from translator.config import DecodeOptions


@dataclass(frozen=True)
class Output:
    """One translation; `capped` when the output hit its length cap before the model ended it, `retried`
    when it looped and was decoded again (set by the runaway guard, not by engines). `score`: the mean
    log-probability (natural log) of the output tokens the decoder produced, its end-of-sentence included, as
    the model scored them while decoding; `tokens`: how many it averages (a piece's weight when pieces are
    joined). None and 0 where an engine gives no score."""

    text: str
    capped: bool = False
    retried: bool = False
    score: float | None = None
    tokens: int = 0


class Backend(Protocol):
    """An engine may also offer `solo() -> Backend`: a second engine of one worker over the same model, with
    the same outputs, that runs beside the first (CTranslate2 does; see Translator.beside)."""

    name: str  # for provenance: "hf-float32", "ct2-int8", ...
    device: str

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text's source tokens as the model takes them, end-of-sentence token included: a sentence is
        tokenized once, and these rows are what `translate` gets."""
        ...

    def translate(self, rows: Sequence[Sequence[str]], options: DecodeOptions, width: int) -> list[Output]:
        """Translate a batch of tokenized inputs; `len(result) == len(rows)` and order is kept. Every row is
        padded to `width` tokens (none is longer) and decoded to one cap, `options.output_cap(width)`, so each
        output is the one its row gets alone at that width, as far as the engine's arithmetic is independent
        of batch size."""
        ...


T = TypeVar("T")


def cut_at_end(tokens: Sequence[T], end: T, cap: int) -> tuple[list[T], bool]:
    """An output's tokens before its end-of-sentence, at most `cap` of them, and whether the cap cut it.

    Engines decode one step past the cap, so an output of exactly `cap` tokens still has room for its
    end-of-sentence and is not mistaken for a cut one.
    """
    ended = tokens.index(end) if end in tokens else len(tokens)
    return list(tokens[: min(ended, cap)]), ended > cap


def tokenize_with(tokenizer: Any, texts: Sequence[str]) -> list[list[str]]:
    """Source tokens of each text with a MarianTokenizer, as its call would give them (pieces outside the
    vocabulary as the unknown token, then the end token). A text with no "<" (every special token has one)
    that does not start with ">>" (a language code) is tokenized by the sentencepiece model alone, which is
    all the tokenizer would do for it: the service tokenizes every request on its event loop, and this is
    many times cheaper than the tokenizer's call."""
    spm, vocab, unknown, end = tokenizer.spm_source, tokenizer.encoder, tokenizer.unk_token, tokenizer.eos_token
    return [
        [p if p in vocab else unknown for p in spm.encode(t, out_type=str)] + [end]
        if "<" not in t and not t.startswith(">>")
        else tokenizer.convert_ids_to_tokens(tokenizer(t, verbose=False)["input_ids"])
        for t in texts
    ]
