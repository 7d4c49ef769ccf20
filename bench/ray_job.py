"""The archive job on Ray Data next to the local job, on the same input, in one run.

    python bench/ray_job.py [--documents 2000] [--actors 2] [--chunk 64]

Each engine runs `translator batch` as a subprocess on one document, on `--documents` documents, and on one
document again: the faster one-document run is its fixed cost (start, model load, and for Ray ray.init, the
actor pool starting and loading its models, and shutdown; the first Ray start on a machine is slower), and the
throughput printed is documents / (big run − fixed cost), so the fixed costs cancel. Peak RSS is summed every
0.1 s over the driver, its descendants and every Ray process that appeared during the run (orphans included);
Ray processes still alive after the driver exits are ended by pid (never `ray stop`, which ends every Ray on
the host). The outputs of both engines are compared byte for byte. The tiny test model makes this a measure of
the engine's overhead, not of translation.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny-id-en"
PAGE = os.sysconf("SC_PAGE_SIZE")


def processes() -> dict[int, tuple[int, str, int]]:
    """pid → (parent pid, command line, RSS bytes)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            rss = int((entry / "statm").read_text().split()[1]) * PAGE
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        found[int(entry.name)] = (ppid, cmd, rss)
    return found


def is_ray(cmd: str) -> bool:
    return "ray::" in cmd or "raylet" in cmd or "gcs_server" in cmd or "/ray/" in cmd


def run(argv: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS GiB, exit code) of one command and everything it started."""
    before = set(processes())
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0]
    ours: set[int] = set()
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            table = processes()
            tree = {proc.pid}
            for pid, (ppid, cmd, _) in sorted(table.items()):
                if ppid in tree or (pid not in before and is_ray(cmd)):
                    tree.add(pid)
            ours.update(p for p in tree if p not in before)
            peak[0] = max(peak[0], sum(table[p][2] for p in tree if p in table))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.monotonic() - start
    done.set()
    sampler.join()
    left = [p for p in ours if p in processes() and p != proc.pid]
    for pid in left:  # what the driver left behind, by pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if proc.returncode not in (0, 3):
        sys.stderr.write(err)
    return seconds, peak[0] / 2**30, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--actors", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=64, help="documents per Ray chunk")
    args = parser.parse_args()
    pairs = [json.loads(line) for line in (TINY / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, n in (("one", 1), ("big", args.documents)):
            lines = [
                json.dumps({"id": f"d{i}", "text": " ".join(rng.choice(pairs)["source"] for _ in range(3))})
                for i in range(n)
            ]
            (work / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        base = ["--model", str(TINY), "--device", "cpu", "--export", "jsonl,tmx,tsv,moses"]
        base += ["--no-memory", "--quiet"]
        engines = {
            "local": [],
            "ray": ["--ray", "--ray-actors", str(args.actors), "--ray-chunk-documents", str(args.chunk)],
        }
        times: dict[tuple[str, str], tuple[float, float, int]] = {}
        for engine, extra in engines.items():
            for run_name, name in (("one", "one"), ("big", "big"), ("again", "one")):
                argv = [sys.executable, "-m", "translator", "batch", str(work / f"{name}.jsonl")]
                argv += ["--out", str(work / f"{engine}-{run_name}"), *base, *extra]
                times[engine, run_name] = run(argv)
                t, rss, code = times[engine, run_name]
                print(f"{engine:5} {run_name:5}: {t:6.1f} s, peak RSS {rss:.2f} GiB (all processes), exit {code}")
        names = ("documents.jsonl", "corpus.tmx", "pairs.tsv", "corpus.id", "corpus.en")
        identical = all((work / "local-big" / f).read_bytes() == (work / "ray-big" / f).read_bytes() for f in names)
    print(f"\n{args.documents} documents, tiny model, {os.cpu_count()} cores, Ray: {args.actors} actors")
    for engine in engines:
        one, big = min(times[engine, "one"][0], times[engine, "again"][0]), times[engine, "big"][0]
        print(
            f"{engine:5}: {args.documents / big:7.1f} documents/s end to end, "
            f"{args.documents / max(big - one, 1e-9):7.1f} documents/s after fixed costs "
            f"(fixed {one:.1f} s), peak RSS {times[engine, 'big'][1]:.2f} GiB"
        )
    fixed = {engine: min(times[engine, "one"][0], times[engine, "again"][0]) for engine in engines}
    overhead = fixed["ray"] - fixed["local"]
    print(f"Ray's fixed overhead (ray.init, actors starting and loading the model, shutdown): {overhead:.1f} s")
    print(f"outputs byte-identical: {identical}")


if __name__ == "__main__":
    main()
