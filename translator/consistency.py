"""terms.tsv: how a finished archive job rendered each name, acronym and glossary term across its documents,
for an editor to read before publishing.

For every glossary term (a sentence's `terms`) and every capitalised name or acronym of a source sentence
(a run of capitalised words, not the sentence's first word alone unless an acronym) seen in two documents or
more: each English rendering, how many times, and the documents of the renderings other than the most
common one. A glossary term's rendering is its target, or `(missing)`; a name's is the text of the English
that is the name in any case or nearly (as translator/glossary/enforce.py finds it), or `(absent)` (translated
into other words, or dropped). Written whole from the job's documents, the same bytes every time.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from translator import durable
from translator.glossary.enforce import find_rendering
from translator.types import AlignedDocument, Sentence

FILE = "terms.tsv"
HEADER = ("term", "kind", "documents", "rendering", "count", "in documents")
MISSING, ABSENT = "(missing)", "(absent)"
_LISTED = 20  # documents listed for a minority rendering; then "+N more"
_NAME = re.compile(r"(?<![\w@#])(?:[A-Z][\w'’-]*)(?:[ \t]+[A-Z][\w'’-]*)*")
_ACRONYM = re.compile(r"[A-Z]{2,}")


def names(sentence: Sentence) -> Iterator[tuple[str, str, str]]:
    """(term, kind, rendering) of each glossary term and name of the sentence, in source order."""
    taken = [(t.start, t.end) for t in sentence.terms]
    for term in sentence.terms:
        source = sentence.source[term.start : term.end]
        yield source, "glossary", (term.target if term.status != "missing" else MISSING)
    for m in _NAME.finditer(sentence.source):
        start, name = m.start(), m.group()
        if start == 0 and not _ACRONYM.fullmatch(name.split()[0]):  # the first word is capitalised anyway
            rest = name.split(maxsplit=1)[1:]
            if not rest:
                continue
            start, name = m.end() - len(rest[0]), rest[0]
        if any(not (m.end() <= a or b <= start) for a, b in taken):
            continue
        yield name, "name", find_rendering(sentence.target, name) or ABSENT


def table(documents: Iterable[AlignedDocument]) -> list[tuple[str, ...]]:
    """terms.tsv's rows: per term seen in two documents or more (most documents first, then by name), its
    renderings, the most common first."""
    renderings: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    where: dict[tuple[str, str, str], dict[str, None]] = defaultdict(dict)
    shown: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)  # how each term is written in the sources
    for doc in documents:
        for sentence in doc.sentences:
            for term, kind, rendering in names(sentence):
                key = (term.casefold(), kind)
                shown[key][term] += 1
                renderings[key][rendering] += 1
                where[(*key, rendering)][doc.id] = None
    rows: list[tuple[str, ...]] = []
    ranked = []
    for key, counts in renderings.items():
        docs = {d for rendering in counts for d in where[(*key, rendering)]}
        if len(docs) >= 2:
            ranked.append((-len(docs), key, counts, len(docs)))
    for _, key, counts, total in sorted(ranked, key=lambda r: (r[0], r[1])):
        term = min(shown[key].items(), key=lambda item: (-item[1], item[0]))[0]
        for k, (rendering, count) in enumerate(sorted(counts.items(), key=lambda item: (-item[1], item[0]))):
            listed = "" if k == 0 else _listing(list(where[(*key, rendering)]))
            rows.append((term, key[1], str(total), rendering, str(count), listed))
    return rows


def _listing(docs: list[str]) -> str:
    more = f" +{len(docs) - _LISTED} more" if len(docs) > _LISTED else ""
    return ", ".join(docs[:_LISTED]) + more


def _field(text: str) -> str:
    return " ".join(text.split())  # no tab or line break inside a field


def write(path: Path, documents: Iterable[AlignedDocument]) -> None:
    """terms.tsv at `path`, written whole."""
    lines = ["\t".join(HEADER), *("\t".join(_field(f) for f in row) for row in table(documents))]
    text = "\n".join(lines) + "\n"
    durable.replace(path, lambda out: out.write(text.encode("utf-8")))
