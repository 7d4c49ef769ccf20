"""Peak memory of `translator batch` on inputs built to blow it up, next to a small normal archive and a
process that only loads the model: the document size limit must keep each near the small archive's job.

Builds in a temp folder (removed after): first, as the baseline, a small zip of 200 ordinary documents;
then (a) a 1 GiB zip bomb, a ~4.7 MB zip whose one .txt member inflates to 1 GiB; (b) a .tar.gz whose one
.txt member is 1 GiB; (c) a .jsonl whose one line is 1 GiB. Each runs as a real process on the tiny test
model, --no-memory. The peak is the job process's VmHWM (the CTranslate2 workers are its threads).

    python bench/archive_limits.py
"""

from __future__ import annotations

import json
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from archive_rss import ROOT, peak_rss_mb

MODEL = ROOT / "tests" / "fixtures" / "tiny-id-en"
GIB, CHUNK = 1 << 30, b"\0" * (1 << 20)


def zip_bomb(path: Path) -> None:
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z,
        z.open("bomb.txt", "w", force_zip64=True) as member,
    ):
        for _ in range(GIB // len(CHUNK)):
            member.write(CHUNK)


def huge_tar_member(path: Path) -> None:
    class Zeros:
        def read(self, size: int) -> bytes:
            return b"\0" * size

    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        info = tarfile.TarInfo("huge.txt")
        info.size = GIB
        tar.addfile(info, Zeros())  # type: ignore[arg-type]


def huge_jsonl_line(path: Path) -> None:
    with path.open("wb") as fh:
        fh.write(b'{"text": "')
        for _ in range(GIB // len(CHUNK)):
            fh.write(b"a" * len(CHUNK))
        fh.write(b'"}\n{"text": "Dia sedang jaga warung."}\n')


def small_archive(path: Path) -> None:
    pairs = [json.loads(line) for line in (MODEL / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(200):
            z.writestr(f"news/{i:03d}.txt", " ".join(p["source"] for p in pairs[i % 30 : i % 30 + 5]))


def main() -> None:
    cases: dict[str, tuple[str, Callable[[Path], None]]] = {
        "small normal archive (200 documents)": ("small.zip", small_archive),
        "1 GiB zip bomb": ("bomb.zip", zip_bomb),
        "1 GiB member in a .tar.gz": ("huge.tar.gz", huge_tar_member),
        "1 GiB JSONL line": ("huge.jsonl", huge_jsonl_line),
    }
    load_only = [
        sys.executable, "-c", "import sys, time; from translator import Translator; Translator.load(sys.argv[1]); "
        "time.sleep(1)", str(MODEL),
    ]  # fmt: skip
    model_mb, _, _ = peak_rss_mb(load_only)
    print(f"a process that only loads the model (Translator.load): peak RSS {model_mb:.0f} MB")
    baseline = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for label, (name, build) in cases.items():
            path = Path(tmp) / name
            build(path)
            out = Path(tmp) / f"out-{name}"
            job = [
                sys.executable, "-m", "translator", "batch", str(path), "--out", str(out), "--model", str(MODEL),
                "--no-memory", "--quiet",
            ]  # fmt: skip
            job_mb, seconds, code = peak_rss_mb(job)
            baseline = baseline or job_mb
            manifest = json.loads((out / "manifest.json").read_text())
            counts, failures = manifest["counts"], [f["reason"] for f in manifest["failures"]]
            print(
                f"{label} ({path.stat().st_size / 1e6:.1f} MB file): peak RSS {job_mb:.0f} MB "
                f"({job_mb - baseline:+.0f} MB against the small archive), {seconds:.1f} s, exit {code}, "
                f"{counts['translated']} translated, {counts['failed']} failed {failures[:1]}"
            )
            path.unlink()


if __name__ == "__main__":
    main()
