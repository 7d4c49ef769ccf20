"""The service under test, with the settings its tests need: in-process (`app_fixture`: the app under a
TestClient, on a model loaded once a session; `Hosted`: the same app under uvicorn in a thread, for a
browser) or a real uvicorn process of `translator serve` on 127.0.0.1 (`server_fixture`, `Server`) where the
test is about the process edge. `call` reaches any of them by its url.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import TINY_MODEL
from translator import Translator, TranslatorConfig
from translator.settings import Settings, load_settings


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
    for prefix, client in APPS.items():
        if url == prefix or url.startswith(prefix + "/") or url.startswith(prefix + "?"):
            # as urllib does: POST when there is a body (b"" too), else GET
            method = method or ("POST" if data is not None else "GET")
            r = client.request(method, url[len(prefix) :] or "/", content=data, headers=all_headers)
            return Response(r.status_code, dict(r.headers), r.content)
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return Response(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, dict(exc.headers), exc.read())


def own_files(settings: dict[str, str], keys: str | None) -> Path:
    """A fresh folder for a server's files: its data folder (unless TRANSLATOR_DATA_DIR is set) and, with
    `keys`, a TRANSLATOR_KEYS_FILE holding them; `settings` gets both."""
    home = Path(tempfile.mkdtemp(prefix="translator-test-"))
    settings.setdefault("TRANSLATOR_DATA_DIR", str(home / "data"))
    if keys is not None:
        (home / "keys").write_text(keys, encoding="utf-8")
        settings["TRANSLATOR_KEYS_FILE"] = str(home / "keys")
    return home


class Server:
    """`translator serve` with `settings` (and `keys`, a keys file's lines); its log (access lines on stdout,
    the rest on stderr) goes to `log` when given, else stdout is dropped and stderr kept for a failed start."""

    def __init__(self, log: Path | None = None, keys: str | None = None, **settings: str) -> None:
        self.home = own_files(settings, keys)
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
        shutil.rmtree(self.home, ignore_errors=True)


def server_fixture(keys: str | None = None, **settings: str) -> Any:
    @pytest.fixture(scope="module")
    def fixture() -> Iterator[Server]:
        server = Server(keys=keys, **settings)
        yield server
        server.stop()

    return fixture


def settings_of(**settings: str) -> Settings:
    """`settings` (TRANSLATOR_* names, string values) read as the server reads its environment."""
    with pytest.MonkeyPatch.context() as env:  # clean_env's environment
        for name in [n for n in os.environ if n.startswith("TRANSLATOR_")]:
            env.delenv(name)
        for name, value in {"TRANSLATOR_MODEL": str(TINY_MODEL), **settings}.items():
            env.setenv(name, value)
        return load_settings()


APPS: dict[str, TestClient] = {}  # url prefix → the in-process app that `call` sends its requests to
NUMBERS = itertools.count()


class App:
    """In-process twin of `Server`: what `translator serve` runs, create_app(settings, translator), under a
    TestClient, with `settings` (TRANSLATOR_* names, string values) read as the server reads its environment.
    `call` routes `url` ("http://testserver/<n>") to it; the client's address is 127.0.0.1, as a local one."""

    def __init__(
        self, load: Callable[[TranslatorConfig], Translator], keys: str | None = None, **settings: str
    ) -> None:
        self.home = own_files(settings, keys)
        self.settings = settings_of(**settings)
        self.app = create_app(self.settings, load(self.settings.translator_config()))
        self.client = TestClient(self.app, client=("127.0.0.1", 50000))
        self.url = f"http://testserver/{next(NUMBERS)}"
        self.client.__enter__()  # the lifespan: batcher started
        APPS[self.url] = self.client

    def stop(self) -> None:
        del APPS[self.url]
        self.client.__exit__(None, None, None)


class Hosted:
    """The app as App makes it, served over HTTP on 127.0.0.1 by uvicorn in a thread of this process, for a
    client that needs a real server (a browser) without starting another process. `translator` is the
    model, as `served` loads it (or a test's wrapper around it)."""

    def __init__(self, translator: Translator, keys: str | None = None, grace_s: int = 5, **settings: str) -> None:
        self.home = own_files(settings, keys)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(settings_of(**settings), translator)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=grace_s
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"hosted-{self.port}", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the hosted app on port {self.port} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture(scope="session")
def served() -> Callable[[TranslatorConfig], Translator]:
    """Translator.from_config, as `translator serve` loads its model, once a session for each config."""
    loaded: dict[TranslatorConfig, Translator] = {}

    def load(config: TranslatorConfig) -> Translator:
        if config not in loaded:
            loaded[config] = Translator.from_config(config)
        return loaded[config]

    return load


def app_fixture(**settings: str) -> Any:
    """A module's in-process app: server_fixture's twin, same settings, same `call`s."""

    @pytest.fixture(scope="module")
    def fixture(served: Callable[[TranslatorConfig], Translator]) -> Iterator[App]:
        app = App(served, **settings)
        yield app
        app.stop()

    return fixture


@pytest.fixture(scope="session")
def live() -> Iterator[Server]:
    """One real `translator serve` with the default settings for the session, for the tests whose client is
    a real one over HTTP (a browser, a PyPI client)."""
    server = Server()
    yield server
    server.stop()


def chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Headless Debian chromium that can reach 127.0.0.1 only, one for the session (a test sets the window
    size it needs); skipped (failed on CI) where it is missing."""
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
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
        "--window-size=1280,900",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # as offline: only the server answers
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=DriverService(executable_path=found[1]), options=options)
    yield driver
    driver.quit()
