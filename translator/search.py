"""`translator search OUT WORDS`: the sentence pairs of a finished archive job that hold every word, in either
language, read from its documents.jsonl: the same hits as the search box of its html/index.html (archive.js),
by the same rule: each word, in lower case, is in the pair's source or its English, in lower case; with
`flag`, only pairs that carry it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from translator.errors import InputError

DOCUMENTS = "documents.jsonl"


@dataclass(frozen=True)
class Hit:
    """A sentence pair found: its document's id, the sentence's id, its source and English."""

    doc: str
    sentence: str
    source: str
    target: str

    def line(self) -> str:
        """The hit as a line of TSV (tabs and line breaks inside a field become spaces)."""
        return "\t".join(" ".join(field.split()) for field in (self.doc, self.sentence, self.source, self.target))


def matches(words: Sequence[str], source: str, target: str) -> bool:
    text = (source + "\n" + target).lower()
    return all(word.lower() in text for word in words)


def search(out: Path, words: Sequence[str], flag: str | None = None) -> Iterator[Hit]:
    """Every pair of the job in `out` that holds each of `words` (and `flag`), in input order."""
    words = [w for word in words for w in word.split()]
    try:
        documents = (out / DOCUMENTS).open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot search {out}: {out / DOCUMENTS} cannot be read ({exc.strerror or exc})") from exc
    with documents:
        for number, line in enumerate(documents, 1):
            try:
                doc = json.loads(line)
                sentences = [s for p in doc["paragraphs"] for s in p["sentences"]]
                for s in sentences:
                    if (flag is None or flag in s["flags"]) and matches(words, s["source"], s["target"]):
                        yield Hit(doc["id"], s["id"], s["source"], s["target"])
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"cannot search {out / DOCUMENTS}: line {number} is not an aligned document") from exc
