"""Shared fixtures: the tiny memorising Marian model and its pairs, the shared data folder; `translator`
commands run in-process."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from translator import Translator, cli

if TYPE_CHECKING:
    from tests.replicas import Replicas

ROOT = Path(__file__).resolve().parents[1]
TINY_MODEL = ROOT / "tests" / "fixtures" / "tiny-id-en"
SHARED_DATA = ROOT.parent / "shared" / "data"

# torch on CPU: one thread per process, in the tests and in the servers they start (which inherit it). Torch's
# default, a spinning thread per core, made the tiny model 35 times slower on 2 cores as soon as anything ran
# beside it (20 sentences one by one: 115 s against 3.4 s), as mypy does under `make test`. Read when torch is
# first imported, which no import above does.
os.environ.setdefault("OMP_NUM_THREADS", "1")


SLOWEST_FIRST = ("tests/test_cluster.py",)  # Ray: ~55 s of one worker under `make test`


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slowest file first: on `make test`'s two workers (a file each at a time) it then runs beside the rest
    instead of ending the run alone. Tests do not depend on their order."""
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in SLOWEST_FIRST)


def load_pairs() -> list[dict[str, str]]:
    lines = (TINY_MODEL / "pairs.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The service's data folder (usage, document jobs) for apps built from the environment: never the user's."""
    path = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRANSLATOR_DATA_DIR", str(path))
        yield path


@pytest.fixture(scope="session")
def pairs() -> list[dict[str, str]]:
    return load_pairs()


@pytest.fixture(scope="session")
def tiny() -> Translator:
    return Translator.load(str(TINY_MODEL), backend="hf", device="cpu")


@pytest.fixture
def news(tmp_path: Path, pairs: list[dict[str, str]]) -> Path:
    """A folder of four short documents the tiny model knows, a0.txt to a3.txt."""
    folder = tmp_path / "news"
    folder.mkdir()
    for i in range(4):
        (folder / f"a{i}.txt").write_text(pairs[i]["source"] + " " + pairs[i + 10]["source"], encoding="utf-8")
    return folder


def needs_shared_data() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"shared data not found at {SHARED_DATA}")


def run_main(argv: Sequence[str], stdin: str | bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """`translator *argv` in this process, as a subprocess would see it: `stdin` on stdin, stdout and stderr
    captured as UTF-8 bytes, logging on stderr as the command sets it up, warnings shown as the interpreter's
    default filters show them, and the exit code (argparse's SystemExit too). The environment is restored."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    out, err = io.BytesIO(), io.BytesIO()
    streams = [io.TextIOWrapper(b, encoding="utf-8", write_through=True) for b in (io.BytesIO(data), out, err)]
    root = logging.getLogger()
    handlers, level, environ = root.handlers[:], root.level, dict(os.environ)
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = streams
    root.handlers = []  # as in a fresh process: the command's logging.basicConfig writes to its stderr
    try:
        with warnings.catch_warnings():
            warnings.resetwarnings()
            warnings.simplefilter("default")
            for hidden in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.simplefilter("ignore", hidden)
            try:
                code: int | str | None = cli.main(list(argv))
            except SystemExit as exc:
                code = exc.code
        if isinstance(code, str):  # sys.exit("message"), as the interpreter reports it
            sys.stderr.write(code + "\n")
            code = 1
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        for handler in root.handlers:
            handler.close()
        root.handlers, root.level = handlers, level
        os.environ.clear()
        os.environ.update(environ)
    return subprocess.CompletedProcess(["translator", *argv], code or 0, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """One PostgreSQL server of the tests' own for the session (tests/postgres.py); skipped, with the reason,
    where PostgreSQL is missing (failed on CI, which installs it)."""
    from tests import postgres

    found = postgres.binaries()
    if isinstance(found, str):
        if os.environ.get("CI"):
            pytest.fail(f"CI must install Debian's postgresql (see .ci/run): {found}")
        pytest.skip(found)
    with postgres.server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """The session's PostgreSQL, emptied for this test."""
    from tests import postgres

    postgres.reset(postgres_server)
    return postgres_server


@pytest.fixture(scope="module")
def replicas(postgres_server: str) -> Iterator[Replicas]:
    """Two real `translator serve` replicas on the session's PostgreSQL, emptied first, for the module
    (tests/replicas.py)."""
    from tests import postgres
    from tests.replicas import started

    postgres.reset(postgres_server)
    with started(postgres_server) as pair:
        yield pair
