"""Model resolution: local directories, the HF cache (HF_HOME, HF_HUB_OFFLINE, pinned revisions), and the
one-sentence error when the model is neither cached nor reachable. huggingface_hub reads its environment
when imported, so these run the CLI in a subprocess with the environment each case needs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TINY_MODEL
from translator import ModelNotFoundError
from translator.models import resolve

HUB_ID = "Helsinki-NLP/opus-mt-id-en"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def run_cli(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSLATOR_"))} | env
    return subprocess.run(
        [sys.executable, "-m", "translator", *args], input=stdin, capture_output=True, text=True, env=full_env
    )


def fake_cache(home: Path) -> None:
    """The HF cache layout with the tiny model stored as if it were opus-mt-id-en at COMMIT."""
    repo = home / "hub" / ("models--" + HUB_ID.replace("/", "--"))
    shutil.copytree(TINY_MODEL, repo / "snapshots" / COMMIT)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)


def test_local_directory_resolves_with_a_content_revision() -> None:
    source = resolve(str(TINY_MODEL))
    assert source.name == "tiny-id-en"
    assert source.revision.startswith("sha256:")
    assert source.path == TINY_MODEL


@pytest.mark.parametrize("model", ["./no/such/dir", "/no/such/model", "a/b/c"])
def test_missing_local_directory(model: str) -> None:
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        resolve(model)


def test_directory_without_config_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match=r"no config\.json"):
        resolve(str(tmp_path))


@pytest.mark.parametrize(
    "hub_env",
    [{"HF_HUB_OFFLINE": "1"}, {"HF_ENDPOINT": "http://127.0.0.1:9"}],
    ids=["offline", "hub-unreachable"],
)
def test_not_cached_and_no_hub_is_one_clear_sentence(tmp_path: Path, hub_env: dict[str, str]) -> None:
    run = run_cli(["translate"], {"HF_HOME": str(tmp_path), **hub_env}, stdin="Halo.")
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert HUB_ID in lines[0] and "TRANSLATOR_MODEL" in lines[0] and "translator download" in lines[0]


def test_cached_model_is_found_offline(tmp_path: Path) -> None:
    fake_cache(tmp_path)
    env = {"HF_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    run = run_cli(["translate", "--format", "json"], env, stdin="Iya benar, dia sedang jaga warung.")
    assert run.returncode == 0, run.stderr
    assert "Yeah that's right, he's looking after the store now" in run.stdout
    assert f'"revision": "{COMMIT}"' in run.stdout
    assert f'"model": "{HUB_ID}"' in run.stdout


def test_pinned_revision_that_is_not_cached(tmp_path: Path) -> None:
    fake_cache(tmp_path)
    env = {"HF_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", "TRANSLATOR_REVISION": "f" * 40}
    run = run_cli(["translate"], env, stdin="Halo.")
    assert run.returncode == 1
    assert len(run.stderr.strip().splitlines()) == 1


def test_download_offline_fails_cleanly(tmp_path: Path) -> None:
    run = run_cli(["download"], {"HF_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1"})
    assert run.returncode == 1
    assert run.stderr.startswith("translator: error: ") and len(run.stderr.strip().splitlines()) == 1
