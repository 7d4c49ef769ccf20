"""`translator batch --ray`: the archive job on Ray Data gives the local job's files, byte for byte, and
resumes after its driver is SIGKILLed. One local Ray for the whole session (2 logical CPUs, actors at half a
CPU each: a 2-CPU cluster whose actors take every CPU hangs), which the CLI drivers connect to, and one local
run that both Ray tests compare with. Small on purpose: the three tests take seconds, not minutes."""

from __future__ import annotations

import builtins
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TINY_MODEL
from tests.test_archive import outputs
from tests.test_markdown import article
from translator import cli, cluster
from translator.reviewed import ReviewedStore
from translator.store import layout

EXPORTS = "jsonl,tmx,xliff,tsv,moses"


@pytest.fixture(scope="session")
def ray_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -e .[ray])")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    os.environ["RAY_AUTH_MODE"] = "disabled"  # a driver given an address does not send the token (ray 2.59+)
    context = ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        _temp_dir=str(tmp_path_factory.mktemp("ray")),
        runtime_env={"env_vars": {"HF_HUB_OFFLINE": "1"}},
    )
    try:
        yield str(context.address_info["gcs_address"])
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, pairs: list[dict[str, str]]) -> Path:
    """24 documents, a few unfamiliar to the tiny model (it loops on them), a bad record, and a Markdown file."""
    rng = random.Random(7)
    words = sorted({w.strip(".,!?") for p in pairs for w in p["source"].split()})
    root = tmp_path_factory.mktemp("in")
    lines = []
    for i in range(24):
        parts = [rng.choice(pairs)["source"] for _ in range(3)]
        if i % 10 == 3:
            parts.append(" ".join(rng.choice(words) for _ in range(12)).capitalize() + ".")
        lines.append(json.dumps({"id": f"d{i:03d}", "text": " ".join(parts)}))
        if i == 10:
            lines.append("{not json")
    (root / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "a.txt").write_text(pairs[0]["source"] + "\n\n" + pairs[1]["source"], encoding="utf-8")
    (root / "b.md").write_text(article(pairs)[0], encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def local(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("local") / "out"
    assert cli.main(command(folder, out)) == 3
    return outputs(out)


def command(folder: Path, out: Path, *extra: str) -> list[str]:
    return [
        "batch", str(folder), "--out", str(out), "--model", str(TINY_MODEL), "--backend", "hf", "--device", "cpu",
        "--export", EXPORTS, "--no-memory", "--quiet", *extra,
    ]  # fmt: skip


def ray_args(address: str, actors: int) -> list[str]:
    """Ray chunks of 4 documents: the job's one chunk is seven Ray chunks, finished and resumed apart."""
    return ["--ray", address, "--ray-actors", str(actors), "--ray-chunk-documents", "4"]


def same(got: dict[str, bytes], want: dict[str, bytes]) -> None:
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], name


def test_ray_job_gives_the_local_files_byte_for_byte(
    ray_address: str, folder: Path, local: dict[str, bytes], tmp_path: Path, pairs: list[dict[str, str]]
) -> None:
    out = tmp_path / "ray"
    assert cli.main(command(folder, out, *ray_args(ray_address, actors=2))) == 3  # results in any order
    same(outputs(out), local)  # documents.jsonl, failures.jsonl, TMX, XLIFF, TSV, Moses; no results left
    failures = [json.loads(f)["origin"] for f in (out / "failures.jsonl").read_text().splitlines()]
    assert failures == [f"{folder.name}/news.jsonl#L12"]
    docs = [json.loads(line) for line in (out / "documents.jsonl").read_text().splitlines()]
    assert next(d["translation"] for d in docs if d["id"].endswith("b.md")) == article(pairs)[1]


def test_ray_driver_sigkilled_after_its_first_result_then_resumed(
    ray_address: str, folder: Path, local: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "ray"
    argv = [sys.executable, "-m", "translator", *command(folder, out, *ray_args(ray_address, actors=1))]
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE, text=True)
    results = out / cluster.RESULTS
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and not any(results.glob("*.done")):
        time.sleep(0.02)
    killed = proc.poll() is None  # early: one Ray chunk persisted, the rest in flight or not yet sent
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and anything it started in its group
    _, err = proc.communicate(timeout=30)
    assert killed or proc.returncode == 3, err
    resumed = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert resumed.returncode == 3, resumed.stderr
    same(outputs(out), local)
    # Ray's error line for an actor that would restart from arguments that may be gone: none is made so
    assert "constructor arguments in the object store" not in err + resumed.stderr


def test_ray_flag_without_ray_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = builtins.__import__

    def no_ray(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "ray" or name.startswith("ray."):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    assert cli.main(command(folder, tmp_path / "out", "--ray")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["translator: error: the Ray engine needs Ray: pip install -e .[ray]"]
    assert not (tmp_path / "out").exists()  # refused before anything was touched


def test_an_input_folder_after_ray_is_not_taken_for_its_address(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["batch", "--ray", str(folder), "--out", str(tmp_path / "out")])
    assert exited.value.code == 2
    assert "is not a Ray address" in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_ray_actors_translate_with_the_jobs_glossary_and_its_snapshot_of_the_reviewed_translations(
    ray_address: str,
    folder: Path,
    local: dict[str, bytes],
    tmp_path: Path,
    pairs: list[dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The actors translate with the job's glossary and the reviewed English the driver read when the job began:
    the same bytes as the local job with both (and not those without them: both change sentences of this
    folder). One Ray job for both, as Ray jobs are this suite's slowest."""
    data = tmp_path / "data"  # the store the driver reads (TRANSLATOR_DATABASE_URL's, when set)
    monkeypatch.setenv("TRANSLATOR_DATA_DIR", str(data))
    store = ReviewedStore(layout.reviewed_file(data))
    store.put(pairs[0]["source"], "The REVIEWED first pair", "cli", "api")
    store.close()
    (tmp_path / "news.tsv").write_text(
        "warung\tstall\npilkada\tregional elections\nWhatsApp\tWhatsApp\n", encoding="utf-8"
    )
    glossary = ("--glossary", str(tmp_path / "news.tsv"))
    here, there = tmp_path / "local", tmp_path / "ray"
    assert cli.main(command(folder, here, *glossary)) == 3
    steered = outputs(here)
    assert steered != local
    assert cli.main(command(folder, there, *glossary, *ray_args(ray_address, actors=2))) == 3
    same(outputs(there), steered)
    english = (there / "documents.jsonl").read_text(encoding="utf-8")
    assert "The REVIEWED first pair" in english and "regional elections" in english
