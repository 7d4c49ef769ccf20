"""The mixed load: 64 client threads, half `GET /healthz`, half one memorised sentence to `POST /v1/translate`,
on the tiny test model, against this tree and a baseline revision, their servers alternated in one run.

Each round starts a fresh `translator serve` of each tree in turn and sends it the same requests; the
machine's noise shows as the spread between rounds, so compare the medians and the pairs' ratios.

    python bench/mixed_load.py --baseline 3a9ae93 --rounds 8      # before the service hardening
    python bench/mixed_load.py --database-url postgresql://...    # this tree on PostgreSQL against its SQLite
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from load import launch  # the sibling script (bench/ is on sys.path when run)

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "tests" / "fixtures" / "tiny-id-en"
BODY = json.dumps({"texts": ["Iya benar, dia sedang jaga warung."]}).encode()


def round_of(tree: Path, requests: int, clients: int, settings: dict[str, str]) -> tuple[float, float, float]:
    """(requests/s, p50 s, p95 s) of one server of `tree` (with these TRANSLATOR_* `settings`) under the mixed
    load."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSLATOR_")}
    server, url = launch({**env, "PYTHONPATH": str(tree), "TRANSLATOR_MODEL": str(MODEL), **settings}, cwd=tree)
    try:

        def one(i: int) -> float:
            started = time.monotonic()
            if i % 2:
                headers = {"Content-Type": "application/json"}
                request = urllib.request.Request(url + "/v1/translate", data=BODY, headers=headers)
                urllib.request.urlopen(request, timeout=60).read()
            else:
                urllib.request.urlopen(url + "/healthz", timeout=60).read()
            return time.monotonic() - started

        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(one, range(clients * 4)))  # warm
            started = time.monotonic()
            latencies = sorted(pool.map(one, range(requests)))
            wall = time.monotonic() - started
    finally:
        server.terminate()
        server.wait()
    return requests / wall, latencies[len(latencies) // 2], latencies[len(latencies) * 95 // 100]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    against = parser.add_mutually_exclusive_group(required=True)
    against.add_argument("--baseline", help="the git revision to compare with (a temporary checkout)")
    against.add_argument(
        "--database-url", help="compare this tree on this PostgreSQL (TRANSLATOR_DATABASE_URL) with its SQLite files"
    )
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        git = ["git", "-C", str(ROOT), "worktree"]
        if args.baseline:
            baseline = Path(tmp) / "baseline"
            subprocess.run([*git, "add", "--detach", str(baseline), args.baseline], check=True)
            servers = {f"baseline {args.baseline}": (baseline, {}), "this tree": (ROOT, {})}
        else:
            postgres = {"TRANSLATOR_DATABASE_URL": args.database_url}
            servers = {"this tree, SQLite": (ROOT, {}), "this tree, PostgreSQL": (ROOT, postgres)}
        try:
            results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in servers}
            for n in range(args.rounds):
                for name, (tree, settings) in servers.items():
                    rate, p50, p95 = round_of(tree, args.requests, args.clients, settings)
                    results[name].append((rate, p50, p95))
                    latency = f"p50 {p50 * 1000:5.1f} ms  p95 {p95 * 1000:5.1f} ms"
                    print(f"round {n + 1} {name:<24} {rate:7.0f} req/s  {latency}", flush=True)
        finally:
            if args.baseline:
                subprocess.run([*git, "remove", "--force", str(baseline)], check=False)
    for name, rounds in results.items():
        rates = [r for r, _, _ in rounds]
        p95s = [p for _, _, p in rounds]
        print(
            f"{name:<24} median {statistics.median(rates):7.0f} req/s (range {min(rates):.0f}-{max(rates):.0f}),"
            f" median p95 {statistics.median(p95s) * 1000:.1f} ms"
        )
    first, second = servers
    ratios = sorted(t[0] / b[0] for b, t in zip(results[first], results[second], strict=True))
    listed = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"{second} / {first}, round by round (sorted): {listed}; median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
