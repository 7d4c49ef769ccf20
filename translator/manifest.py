"""A job's manifest.json: what the job is, how far it got and what it counted, for people and scripts. It is
the one output that holds wall-clock times, and it is written whole (translator/durable.py)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from translator import durable
from translator.ledger import Ledger


def write(
    path: Path,
    ledger: Ledger,
    sig: dict[str, Any],
    inputs: Sequence[Path],
    exports: Sequence[str],
    complete: bool,
    started: float,
) -> None:
    """The manifest of the job whose ledger this is (as it stands), its signature `sig`, given `inputs`; `complete`:
    every document done and every file completed; `started`: when this run began (time.monotonic)."""
    done, failed = ledger.count()
    totals = ledger.get("model", {})
    files = ledger.inputs()
    manifest = {
        "signature": hashlib.sha256(json.dumps(sig, sort_keys=True).encode()).hexdigest()[:16],
        "provenance": sig["provenance"],
        "inputs": [str(p) for p in inputs],
        "input_files": {"count": len(files), "bytes": sum(r.size for r in files)},
        "fields": sig["fields"],
        "exports": sorted(exports),
        "max_document_bytes": sig["max_document_bytes"],
        # the job's snapshot of the reviewed translations (its fingerprint), and what the last refresh changed
        "reviewed": {"fingerprint": sig.get("reviewed"), **ledger.get("refreshed", {})},
        "complete": complete,
        "counts": {
            "documents": done,
            "translated": done - failed,
            "failed": failed,
            "sentences": ledger.sentences(),
            "model_sentences": totals.get("model_sentences", 0),
            "memory_hits": totals.get("memory_hits", 0),
        },
        "flags": dict(sorted(ledger.flags().items())),
        "failures": [{"seq": seq, "origin": origin, "reason": reason} for seq, origin, reason in ledger.failures(1000)],
        "timings": {"runs": ledger.get("runs", []), "seconds_this_run": round(time.monotonic() - started, 3)},
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    durable.replace(path, lambda out: out.write(text.encode("utf-8")))
