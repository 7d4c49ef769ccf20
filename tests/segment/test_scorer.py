"""The boundary scorer in bench/ runs on the shared gold files, and our segmenter keeps its dev scores."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, needs_shared_data


@needs_shared_data()
def test_scorer_prints_f1_for_every_gold_file() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "score_segmentation.py")], capture_output=True, text=True, check=True
    )
    rows = {line.split()[0]: [float(x) for x in line.split()[1:4]] for line in run.stdout.splitlines()[1:]}
    assert set(rows) == {"dev.clean", "dev.scraped", "seed"}
    # regression floors, a little under what docs/benchmarks.md reports
    assert rows["dev.clean"][2] >= 0.985
    assert rows["dev.scraped"][2] >= 0.985
    assert rows["seed"][2] == 1.0
