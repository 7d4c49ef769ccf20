"""The HTTP service as a client meets it: `translator serve` in a real uvicorn process on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import TINY_MODEL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "TRANSLATOR_MODEL": str(TINY_MODEL), "TRANSLATOR_MAX_TEXTS": "5"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "translator", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("server did not start: " + proc.stderr.read().decode()[-2000:]) from None
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def post(url: str, body: object) -> tuple[int, Any]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_translate_returns_memorised_pairs_in_order(server: str, pairs: list[dict[str, str]]) -> None:
    texts = [pairs[2]["source"], "", pairs[0]["source"] + pairs[1]["source"]]
    status, body = post(server + "/v1/translate", {"texts": texts})
    assert status == 200
    assert body["translations"] == [pairs[2]["target"], "", pairs[0]["target"] + " " + pairs[1]["target"]]
    assert body["provenance"]["model"] == "tiny-id-en" and body["provenance"]["beam_size"] == 4


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"texts": [1]}, 422, "texts.0"),
        ({"texts": ["a"], "options": {"beam_size": 0}}, 422, "options.beam_size"),
        ({}, 422, "texts"),
        ({"texts": ["a"] * 6}, 413, "limit of 5"),
    ],
)
def test_errors_have_one_json_shape(server: str, body: object, status: int, fragment: str) -> None:
    got, payload = post(server + "/v1/translate", body)
    assert got == status
    assert fragment in payload["error"]["message"]
    assert payload["error"]["code"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRANSLATOR_BEAM": "99"}, "TRANSLATOR_BEAM"),
        ({"TRANSLATOR_MODEL": "./no-such-model"}, "does not exist"),
        ({"HF_HUB_OFFLINE": "1", "TRANSLATOR_MODEL": "Helsinki-NLP/opus-mt-id-en"}, "translator download"),
    ],
    ids=["bad-setting", "missing-dir", "offline"],
)
def test_serve_fails_fast_with_one_line(tmp_path: object, env: dict[str, str], message: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSLATOR_"))}
    run = subprocess.run(
        [sys.executable, "-m", "translator", "serve", "--port", str(free_port())],
        env={**clean, "HF_HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert message in run.stderr
