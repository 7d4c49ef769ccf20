"""Fuzzy suggestions from the reviewed translations: milliseconds a sentence with N reviewed entries.

Builds N entries (default 100,000) from the benchmark sentences (../shared/data/bench/id-sentences.txt): each
sentence and variants of it with words swapped, dropped or misspelt, so that many entries are near one another
(a harder index than distinct sentences); then looks up Q sentences (default 1,000): half near duplicates of
entries, half sentences held out of the entries. Prints the build time, and per sentence the mean, p50, p95 and
max milliseconds of `SuggestionIndex.suggest` (translator/suggest.py), wall-clock and the thread's CPU time
(apart from waiting for a core on a loaded machine), with how many found a suggestion,
and the recall of the best three scores against a full scan of every entry on a sample.

    python bench/suggest.py                  # 100,000 entries, 1,000 lookups
    python bench/suggest.py --entries 10000
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from translator import suggest
from translator.reviewed import key
from translator.suggest import SuggestionIndex

SENTENCES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bench" / "id-sentences.txt"


def variant(rng: random.Random, sentence: str, vocabulary: list[str]) -> str:
    words = sentence.split()
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(words))
        change = rng.random()
        if change < 0.4:
            words[i] = rng.choice(vocabulary)
        elif change < 0.7 and len(words) > 3:
            del words[i]
        else:
            w = words[i]
            j = rng.randrange(len(w))
            words[i] = w[:j] + w[j + 1 :] if len(w) > 2 else w
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=1_000)
    parser.add_argument("--recall", type=int, default=100, help="lookups also checked against a full scan")
    args = parser.parse_args()
    rng = random.Random(7)
    sentences = [s for s in SENTENCES.read_text(encoding="utf-8").splitlines() if len(s.split()) >= 5]
    rng.shuffle(sentences)
    held_out, base = sentences[:200], sentences[200:]
    vocabulary = [w for s in base for w in s.split()]
    entries: dict[str, tuple[str, str]] = {}
    while len(entries) < args.entries:
        source = rng.choice(base)
        source = source if rng.random() < 0.05 else variant(rng, source, vocabulary)
        entries[key(source)] = (source, f"English {len(entries)}")
    index = SuggestionIndex()
    started = time.perf_counter()
    index.update(entries)
    built = time.perf_counter() - started
    sources = [s for s, _ in entries.values()]
    queries = [
        variant(rng, rng.choice(sources), vocabulary) if i % 2 == 0 else rng.choice(held_out)
        for i in range(args.lookups)
    ]
    times, cpu, found = [], [], 0
    for query in queries:
        started, started_cpu = time.perf_counter(), time.thread_time()
        hits = index.suggest(query)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        times.append((time.perf_counter() - started) * 1000)
        found += bool(hits)
    times.sort()
    cpu.sort()
    # recall against a full scan (rapidfuzz over every entry) on a sample: the prefilter's price
    every = {i: suggest.comparable(s) for i, s in enumerate(sources)}
    sample = queries[: args.recall]
    missed = total = 0
    for query in sample:
        best = process.extract(suggest.comparable(query), every, scorer=fuzz.ratio, score_cutoff=75, limit=3)
        want = {round(score, 1) for _, score, _ in best}
        got = {s.score for s in index.suggest(query)}
        total += len(want)
        missed += len(want - got)
    print(
        f"entries {len(index):,}  index built in {built:.1f} s  lookups {len(queries):,}  with a suggestion {found:,}"
    )
    print(
        f"ms a sentence: mean {statistics.mean(times):.2f}  p50 {times[len(times) // 2]:.2f}  "
        f"p95 {times[int(len(times) * 0.95)]:.2f}  max {times[-1]:.2f}"
    )
    print(  # the thread's CPU time: what a lookup costs, apart from waiting for a core on a loaded machine
        f"CPU ms a sentence: mean {statistics.mean(cpu):.2f}  p50 {cpu[len(cpu) // 2]:.2f}  "
        f"p95 {cpu[int(len(cpu) * 0.95)]:.2f}  max {cpu[-1]:.2f}"
    )
    print(f"recall against a full scan on {len(sample)} lookups: {total - missed} of {total} best-3 scores found")


if __name__ == "__main__":
    main()
