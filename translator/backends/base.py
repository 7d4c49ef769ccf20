"""The Backend protocol every engine implements: a list of sentences in, as many translations out, in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from translator.config import DecodeOptions


@dataclass(frozen=True)
class Output:
    """One translation; `capped` when the output hit its length cap before the model ended it."""

    text: str
    capped: bool = False


class Backend(Protocol):
    name: str  # for provenance: "hf-float32", "ct2-int8", ...
    device: str

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Source tokens of each text, end-of-sentence token included."""
        ...

    def translate(self, texts: Sequence[str], options: DecodeOptions) -> list[Output]:
        """Translate a batch; `len(result) == len(texts)` and order is kept."""
        ...
