"""Per-sentence flags: what each one means, for every output that shows them (JSON, reader page, exports)."""

from __future__ import annotations

SPLIT = "split"
CUT = "cut"
TRUNCATED = "truncated"

MEANINGS: dict[str, str] = {
    SPLIT: "too long for the model at once: translated in pieces cut at clause punctuation, then joined",
    CUT: "a piece had to be cut between words, away from clause punctuation; nothing is lost, but that piece "
    "was translated without the rest of its clause",
    TRUNCATED: "the English hit its length cap before the model ended it (often a looping output); "
    "it may be incomplete",
}
