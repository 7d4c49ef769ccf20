"""The glossary routes with hostile sizes, in-process on the tiny model of the tests: a 100,000-entry glossary
and a 10 MiB one created over DeepL's /v2/glossaries, then /v2/translate with the 100,000-entry one (its first
use parses and indexes it, later ones find it kept) beside the same request without a glossary.

    python bench/glossary_routes.py

Prints one JSON line of seconds (docs/glossaries.md#rules-and-limits).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from translator.settings import load_settings

TINY = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "tiny-id-en"
SAY = "Dalam pilkada 2018, polri diminta meningkatkan pengamanan di sekitar tps."


def timed(call: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()  # type: ignore[operator]
    return round(time.perf_counter() - start, 3), result


def main() -> None:
    settings = load_settings().model_copy(update={"model": str(TINY), "data_dir": Path(tempfile.mkdtemp())})
    with TestClient(create_app(settings)) as client:
        pair = {"source_lang": "id", "target_lang": "en"}
        hundred_thousand = "".join(f"istilah{i}\tterm number {i}\n" for i in range(100_000))
        line = "x" * 100 + "\t" + "y" * 99 + "\n"
        ten_mib = "".join(f"{i:08d}{line[8:]}" for i in range(10 * 1024 * 1024 // len(line)))
        create_100k, made = timed(
            lambda: client.post("/v2/glossaries", json={"name": "100k", **pair, "entries": hundred_thousand})
        )
        create_10mib, big = timed(
            lambda: client.post("/v2/glossaries", json={"name": "10", **pair, "entries": ten_mib})
        )
        body = {"text": [SAY], "source_lang": "ID", "target_lang": "EN-US"}
        gid = made.json()["glossary_id"]  # type: ignore[attr-defined]
        uses = [timed(lambda: client.post("/v2/translate", json={**body, "glossary_id": gid}))[0] for _ in range(4)]
        without = [timed(lambda: client.post("/v2/translate", json=body))[0] for _ in range(4)]
        print(
            json.dumps(
                {
                    "create_100k_entries_s": create_100k,
                    "create_10MiB_s": create_10mib,
                    "entries_10MiB": big.json()["entry_count"],  # type: ignore[attr-defined]
                    "translate_100k_first_then_kept_s": uses,
                    "translate_without_s": without,
                }
            )
        )


if __name__ == "__main__":
    main()
