"""Fairness and cancellation against a real server: a one-sentence probe's latency while five 20,000-word
unpunctuated requests are in flight, next to its idle latency; then the pieces the model computed for
clients that left (/metrics: translator_wasted_pieces, translator_cancelled_pieces).

    python bench/fairness.py [--words 20000] [--probes 20]

It starts `translator serve` on 127.0.0.1 with the tiny model of the tests: a scheduling measurement needs
model work that runs to its cap on text it does not know (the tiny model loops on such text, as the random
opus-shaped model does) and a server that starts in seconds; the ratios, not the seconds, are the result.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import threading
import time
import urllib.error
import urllib.request

from load import start_server  # the sibling script (bench/ is on sys.path when run)
from opus_shape import ROOT, SENTENCES

from translator import DecodeOptions

TINY = ROOT / "tests" / "fixtures" / "tiny-id-en"


def post(url: str, texts: list[str], timeout: float = 120) -> tuple[int, float]:
    body = json.dumps({"texts": texts}).encode()
    request = urllib.request.Request(url + "/v1/translate", body, {"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - started


def probes(url: str, sentence: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        status, seconds = post(url, [sentence])
        assert status == 200, f"the probe got {status}"
        times.append(seconds)
    return times


def counter(url: str, name: str) -> float:
    text = urllib.request.urlopen(url + "/metrics", timeout=10).read().decode()
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))


def abandon(url: str, text: str, after_s: float) -> None:
    """Send one request and leave after `after_s`, as a client that gives up does."""
    body = json.dumps({"texts": [text]}).encode()
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as client:
        head = "POST /v1/translate HTTP/1.1\r\nHost: x\r\n"
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}"
        client.sendall(head.encode() + b"\r\n\r\n" + body)
        time.sleep(after_s)


def queued(url: str, timeout_s: float) -> None:
    """Wait until every long request is in the queue: queued pieces seen, and no more added for a second
    (cutting and counting 20,000 words takes a while, and the storm is to be measured, not its admission)."""
    deadline = time.monotonic() + timeout_s
    most, grew = 0, time.monotonic()
    while time.monotonic() < deadline:
        try:
            answer = urllib.request.urlopen(url + "/readyz", timeout=10)
        except urllib.error.HTTPError as exc:  # 503 "busy" is a queue too
            answer = exc
        now = json.loads(answer.read())["queued_sentences"]
        if now > most:
            most, grew = now, time.monotonic()
        elif most and time.monotonic() - grew > 1:
            return
        time.sleep(0.05)
    raise SystemExit("the long requests never reached the queue")


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--big", type=int, default=5, help="concurrent long requests")
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument(
        "--budget", type=int, default=200_000, help="TRANSLATOR_MAX_REQUEST_TOKENS, so that the long requests are taken"
    )
    args = parser.parse_args()
    os.environ["TRANSLATOR_MAX_REQUEST_TOKENS"] = str(args.budget)
    os.environ["TRANSLATOR_QUEUE_TOKENS"] = str(args.big * args.budget)  # all of them in flight at once

    words = [w for w in re.findall(r"\w+", SENTENCES.read_text(encoding="utf-8").lower()) if len(w) <= 5]
    rng = random.Random(0)
    bigs = [" ".join(rng.choice(words) for _ in range(args.words)) for _ in range(args.big)]
    probe = "Iya benar, dia sedang jaga warung."  # a sentence the tiny model knows
    proc, url = start_server(TINY, "auto", DecodeOptions(4))
    try:
        idle = probes(url, probe, args.probes)
        print(f"idle probe over {len(idle)}: p50 {p(idle, 50):.0f} ms, p95 {p(idle, 95):.0f} ms")
        statuses: list[int] = []
        storm = [threading.Thread(target=lambda t=t: statuses.append(post(url, [t])[0])) for t in bigs]
        for thread in storm:
            thread.start()
        queued(url, 60)
        busy = probes(url, probe, args.probes)
        print(
            f"probe with {args.big} x {args.words}-word requests in flight: p50 {p(busy, 50):.0f} ms, "
            f"p95 {p(busy, 95):.0f} ms (p95 {p(busy, 95) / p(idle, 95):.1f}x idle)"
        )
        for thread in storm:
            thread.join(timeout=180)
        print(f"the long requests answered: {sorted(statuses)}")

        before = {n: counter(url, n) for n in ("translator_sentences_total", "translator_wasted_pieces_total")}
        cancelled = counter(url, "translator_cancelled_pieces_total")
        abandon(url, bigs[0], 0.3)
        time.sleep(3)
        computed = counter(url, "translator_sentences_total") - before["translator_sentences_total"]
        wasted = counter(url, "translator_wasted_pieces_total") - before["translator_wasted_pieces_total"]
        dropped = counter(url, "translator_cancelled_pieces_total") - cancelled
        print(
            f"a client that left after 0.3 s: {computed:.0f} pieces computed ({wasted:.0f} wasted), "
            f"{dropped:.0f} taken out of the queue unrun"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
