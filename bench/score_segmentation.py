"""Score a sentence segmenter on the gold files in ../shared/data/segmentation (boundary P/R/F1).

A boundary is the number of non-whitespace characters before it, so a glued "kini.Menurut" and a spaced
"kini. Menurut" count as the same boundary. The end of each paragraph is not counted (every segmenter gets
it for free). Predicted boundaries at a record's `ambiguous_nows_offsets` (UD "sentences" that hold two
real sentences) count neither for nor against.

    python bench/score_segmentation.py                       # ours
    python bench/score_segmentation.py --segmenter sentencex  # the off-the-shelf anchor
    python bench/score_segmentation.py --segmenter mypkg.mod:split   # any callable str -> list[str]
"""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

Splitter = Callable[[str], list[str]]
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "segmentation"


def boundaries(sentences: Iterable[str]) -> set[int]:
    """Cumulative non-whitespace counts at each sentence end, the paragraph's end left out."""
    ends: list[int] = []
    total = 0
    for sentence in sentences:
        total += sum(1 for ch in sentence if not ch.isspace())
        ends.append(total)
    return set(ends[:-1]) - {0}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: set[int], predicted: set[int], ignore: set[int]) -> None:
        predicted = predicted - (ignore - gold)
        self.tp += len(gold & predicted)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def ours() -> Splitter:
    from translator import segment

    return lambda text: [s.source for p in segment(text) for s in p.sentences]


def sentencex() -> Splitter:
    from sentencex import segment as sx_segment

    return lambda text: list(sx_segment("id", text))


def load_splitter(spec: str) -> Splitter:
    builtin: dict[str, Callable[[], Splitter]] = {"ours": ours, "sentencex": sentencex}
    if spec in builtin:
        return builtin[spec]()
    module, _, name = spec.partition(":")
    func: Splitter = getattr(importlib.import_module(module), name)
    return func


def score_file(path: Path, split: Splitter, show_errors: bool) -> Score:
    score = Score()
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        gold = boundaries(record["sentences"])
        predicted = boundaries(split(record["text"]))
        ignore = set(record.get("ambiguous_nows_offsets", []))
        score.add(gold, predicted, ignore)
        if show_errors and (predicted - ignore) ^ gold:
            _show(record["text"], gold, predicted - ignore)
    return score


def _show(text: str, gold: set[int], predicted: set[int]) -> None:
    count = 0
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        count += 1
        if count in gold ^ predicted:
            kind = "missed" if count in gold else "extra "
            print(f"  {kind} …{text[max(0, i - 40) : i + 1]}|{text[i + 1 : i + 30]}…")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segmenter", default="ours", help="ours, sentencex, or module:function")
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR, help="folder of *.jsonl gold files")
    parser.add_argument("--errors", action="store_true", help="print every missed and extra boundary")
    args = parser.parse_args()
    split = load_splitter(args.segmenter)
    print(f"{'file':<22}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}")
    for path in sorted(args.data.glob("*.jsonl")):
        if args.errors:
            print(path.name)
        score = score_file(path, split, args.errors)
        gold = score.tp + score.fn
        print(f"{path.stem:<22}{score.precision:7.3f}{score.recall:7.3f}{score.f1:7.3f}{gold:7d}")


if __name__ == "__main__":
    main()
