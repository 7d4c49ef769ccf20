"""Real uvicorn processes of `translator serve` on 127.0.0.1, each with the settings its tests need."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TINY_MODEL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSLATOR_"))}
    return {**env, "TRANSLATOR_MODEL": str(TINY_MODEL), **settings}


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    url: str,
    body: bytes | str | object | None = None,
    *,
    method: str | None = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> Response:
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    all_headers = {"Content-Type": content_type, **(headers or {})} if data is not None else dict(headers or {})
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return Response(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, dict(exc.headers), exc.read())


class Server:
    """`translator serve` with `settings`; its log (access lines on stdout, the rest on stderr) goes to
    `log` when given, else stdout is dropped and stderr kept for a failed start."""

    def __init__(self, log: Path | None = None, **settings: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") if log else contextlib.nullcontext() as sink:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "translator", "serve", "--port", str(self.port)],
                env=clean_env(**settings),
                stdout=sink or subprocess.DEVNULL,
                stderr=sink or subprocess.PIPE,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.proc.kill()
                    output = log.read_bytes() if log else self.proc.stderr.read()  # type: ignore[union-attr]
                    raise RuntimeError("server did not start: " + output.decode()[-2000:]) from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def server_fixture(**settings: str) -> Any:
    @pytest.fixture(scope="module")
    def fixture() -> Iterator[Server]:
        server = Server(**settings)
        yield server
        server.stop()

    return fixture


def chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """Headless Debian chromium that can reach 127.0.0.1 only; skipped (failed on CI) where it is missing."""
    found = chromium()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium and chromium-driver (see .ci/run)")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService

    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,900",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # as offline: only the server answers
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=DriverService(executable_path=found[1]), options=options)
    yield driver
    driver.quit()
