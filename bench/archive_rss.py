"""Peak memory of an archive job against the model's own: is the stream flat however large the archive?

Builds a synthetic JSONL of N sentences (default 200,000: 20,000 ten-sentence documents drawn from the
benchmark sentences), runs `translator batch` on it, and prints the job's peak RSS next to the peak RSS of
a process that only loads the same model. The translation memory is on, as it is by default, so repeated
sentences cost a lookup, not a model call.

    python bench/archive_rss.py                         # the tiny test model (a few minutes)
    python bench/archive_rss.py --model "$(python bench/opus_shape.py)"   # opus-shaped, much slower
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = ROOT.parent / "shared" / "data" / "bench" / "id-sentences.txt"


def peak_rss_mb(cmd: list[str]) -> tuple[float, float, int]:
    """(peak RSS in MB, seconds, exit code) of a command, read from /proc while it runs."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            break
        time.sleep(0.2)
    return peak / 1024, time.monotonic() - started, proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "tests" / "fixtures" / "tiny-id-en"))
    parser.add_argument("--sentences", type=int, default=200_000)
    parser.add_argument("--per-document", type=int, default=10)
    parser.add_argument("--beam", type=int, default=1, help="greedy by default: this measures memory, not quality")
    args = parser.parse_args()

    pool = [s.strip() for s in SENTENCES.read_text(encoding="utf-8").splitlines() if s.strip()]
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        news = Path(tmp) / "synthetic.jsonl"
        with news.open("w", encoding="utf-8") as fh:
            for i in range(args.sentences // args.per_document):
                text = " ".join(rng.choice(pool) for _ in range(args.per_document))
                fh.write(json.dumps({"id": f"doc-{i}", "text": text}, ensure_ascii=False) + "\n")
        load_only = [
            sys.executable, "-c",
            "import sys, time; from translator import Translator; Translator.load(sys.argv[1]); time.sleep(1)",
            args.model,
        ]  # fmt: skip
        model_mb, _, _ = peak_rss_mb(load_only)
        job = [
            sys.executable, "-m", "translator", "batch", str(news), "--out", str(Path(tmp) / "out"),
            "--model", args.model, "--memory", str(Path(tmp) / "tm.sqlite"), "--quiet", "--beam", str(args.beam),
        ]  # fmt: skip
        job_mb, seconds, code = peak_rss_mb(job)
        counts = json.loads((Path(tmp) / "out" / "manifest.json").read_text())["counts"]
    print(f"model {Path(args.model).name}: {counts['sentences']} sentences in {counts['documents']} documents")
    print(f"job exit {code}, {seconds:.0f} s, {counts['model_sentences']} sentences sent to the model")
    print(
        f"peak RSS: model alone {model_mb:.0f} MB, archive job {job_mb:.0f} MB, difference {job_mb - model_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
