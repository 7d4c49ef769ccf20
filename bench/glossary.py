"""What a glossary costs: bulk throughput with a glossary matching 20 % of the sentences against none, and a
100,000-entry glossary against a 10-entry one (matching must not scale with entries x sentences).

Documents of ten sentences from the benchmark sentences (../shared/data/bench/id-sentences.txt) go through
`Translator.translate_documents`, as an archive job's chunks do, with the memory off. The 20 % glossary maps
words of the sentences (chosen until a fifth of them match one) to made-up English, which no model says, so
every matched term is looked for, probed (decoded alone) and applied or missing: the dearest case. The
100,000-entry glossary is the 10-entry one with 99,990 entries that match nothing. After a warm-up, each pair is
run in the order A, B, B, A (without, with, with, without the 20 % glossary; 10, 100,000, 100,000, 10 entries),
as the load of a shared machine drifts; it prints CPU seconds, sentences per CPU second and the two ratios.

    python bench/glossary.py                              # the tiny test model, CTranslate2 (~15 minutes)
    python bench/glossary.py --model "$(python bench/opus_shape.py)" --sentences 400   # opus-shaped
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections import defaultdict
from pathlib import Path

from translator import Translator
from translator.glossary import Entry, Glossary
from translator.glossary.match import find
from translator.plan import plan

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = ROOT.parent / "shared" / "data" / "bench" / "id-sentences.txt"
TINY = ROOT / "tests" / "fixtures" / "tiny-id-en"


def fifth(sentences: list[str]) -> Glossary:
    """Entries for words of the sentences (each in at most 2 % of them, in a shuffled order): the fewest
    that a fifth of the sentences match, as matching finds them (affixed forms too)."""
    where: dict[str, set[int]] = defaultdict(set)
    for i, s in enumerate(sentences):
        for w in re.findall(r"[A-Za-z]{4,}", s):
            where[w.lower()].add(i)
    words = sorted(w for w, found in where.items() if len(found) <= len(sentences) // 50)
    random.Random(0).shuffle(words)
    entries = [Entry(w, f"term{k} english") for k, w in enumerate(words)]
    low, high = 1, len(entries)
    while low < high:  # the shortest prefix that reaches a fifth
        middle = (low + high) // 2
        if share(sentences, Glossary(tuple(entries[:middle]))) >= 0.2:
            high = middle
        else:
            low = middle + 1
    return Glossary(tuple(entries[:low]))


def share(sentences: list[str], glossary: Glossary) -> float:
    """The share of the sentences that match an entry of the glossary."""
    return sum(any(not m.protected for m in find(s, glossary)) for s in sentences) / len(sentences)


def timed(translator: Translator, docs: list[tuple[str, str]], glossary: Glossary | None) -> float:
    """CPU seconds of this process (its engine's threads included): on a machine shared with other work, wall
    time measures the others' load as much as this."""
    started = time.process_time()
    for _ in translator.translate_documents(docs, glossary=glossary):
        pass
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(TINY))
    parser.add_argument("--backend", default="ct2")
    parser.add_argument("--sentences", type=int, default=2000)
    args = parser.parse_args()
    lines = [line.strip() for line in SENTENCES.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = (lines * (args.sentences // len(lines) + 1))[: args.sentences]
    docs = [(f"d{k}", " ".join(lines[k : k + 10])) for k in range(0, len(lines), 10)]
    translator = Translator.load(args.model, backend=args.backend, device="cpu", download=False)
    sentences = plan(docs).sources
    twenty = fifth(sentences)
    matched = share(sentences, twenty)
    print(f"{len(sentences)} sentences in {len(docs)} documents; {len(twenty)} entries match {matched:.1%} of them")
    timed(translator, docs[:5], twenty)  # warm-up

    plain = timed(translator, docs, None)  # then with, with, without: the load drifts
    glossed = timed(translator, docs, twenty) + timed(translator, docs, twenty)
    plain += timed(translator, docs, None)
    print(f"no glossary  {plain / 2:7.1f} s  {2 * len(sentences) / plain:7.1f} sentences/s")
    print(f"20% glossary {glossed / 2:7.1f} s  {2 * len(sentences) / glossed:7.1f} sentences/s")
    print(f"throughput with/without: {plain / glossed:.2f}x (wanted >= 0.9)")

    ten = Glossary(twenty.entries[:10])
    rng = random.Random(1)
    noise: set[str] = set()
    while len(noise) < 99_990:
        noise.add("".join(rng.choice("bcdfghjklmnpqrstvwxyz") for _ in range(rng.randint(5, 12))))
    big = Glossary(ten.entries + tuple(Entry(w, w.upper()) for w in sorted(noise)))
    thousand = docs[:100]
    started = time.perf_counter()
    _ = big.index  # built once per glossary (the service keeps it with the glossary)
    built = time.perf_counter() - started
    # in the order 10, 100,000, 100,000, 10 entries: a machine whose load drifts weighs on both alike
    small_s = timed(translator, thousand, ten)
    big_s = timed(translator, thousand, big) + timed(translator, thousand, big)
    small_s += timed(translator, thousand, ten)
    print(f"100,000-entry index built in {built:.1f} s (once per glossary)")
    count = len(plan(thousand).sources)
    print(f"10 entries {small_s / 2:6.1f} s; 100,000 entries {big_s / 2:6.1f} s (each, on {count} sentences)")
    print(f"100,000 / 10 entries: {big_s / small_s:.2f}x (wanted <= 1.2)")


if __name__ == "__main__":
    main()
