"""Slow and many clients against a real server, over raw sockets: deadlines for a request's arrival, the
connection cap, and SIGTERM with a client that never finishes its body; hostile input through uvicorn."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Server, call
from tests.api.test_inputs import HOSTILE, LIBRE

KEY = "k3y-zqx-secret"
POST_HEAD = (
    "POST /v1/translate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    f"Authorization: Bearer {KEY}\r\nContent-Length: 100\r\n\r\n"
).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("edge") / "server.log"
    started = Server(
        log=log, TRANSLATOR_CLIENT_TIMEOUT_S="1", TRANSLATOR_MAX_CONNECTIONS="100", TRANSLATOR_API_KEYS=KEY
    )
    yield started
    started.stop()


def connect(server: Server, data: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.settimeout(15)  # far past the 1 s deadline: without one, recv times out and the test fails
    sock.sendall(data)
    return sock


def answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    sock.close()
    return b"".join(chunks)


def get_healthz(server: Server) -> bytes:
    return answer(connect(server, b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"))


def test_hostile_input_is_an_error_naming_the_field_never_5xx(server: Server) -> None:
    """A sample of tests/api/test_inputs.py through uvicorn: a surrogate in each kind of field, 5,000-deep
    nesting, wrong types; a surrogate in api_key is refused before the key is checked."""
    for path, raw, field, _ in [HOSTILE[i] for i in (1, 3, 4, 6, 9, 11, 14)]:
        r = call(server.url + path, raw.encode("utf-8", "surrogatepass"), headers={"X-API-Key": KEY})
        assert r.status == (400 if path in LIBRE else 422), (path, r.body)
        assert field in r.body.decode()
    path, raw, field, _ = HOSTILE[4]
    r = call(server.url + path, raw.encode("utf-8", "surrogatepass"))
    assert r.status == 400 and r.json()["error"].startswith(field)


def test_a_request_that_stalls_gets_408_and_a_closed_connection(server: Server) -> None:
    silent = connect(server)
    half_headers = connect(server, b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
    half_body = connect(server, POST_HEAD + b'{"texts": [')
    started = time.monotonic()
    for sock in (silent, half_headers):
        assert answer(sock).startswith(b"HTTP/1.1 408 ")
    body_answer = answer(half_body)
    assert body_answer.startswith(b"HTTP/1.1 408 ") and b"connection: close" in body_answer.lower()
    assert b"TRANSLATOR_CLIENT_TIMEOUT_S" in body_answer
    assert time.monotonic() - started < 10
    assert get_healthz(server).startswith(b"HTTP/1.1 200 ")


def test_connections_over_the_cap_get_503_until_idle_ones_are_closed(server: Server) -> None:
    idle = [connect(server) for _ in range(200)]
    over = [get_healthz(server) for _ in range(3)]
    assert all(r.startswith(b"HTTP/1.1 503 ") for r in over), over
    for sock in idle:  # the deadline closes each one
        assert answer(sock).startswith(b"HTTP/1.1 408 ")
    assert get_healthz(server).startswith(b"HTTP/1.1 200 ")
    assert server.log is not None
    assert server.log.read_text().count("Exceeded concurrency limit.") == 1  # throttled to one a minute


def test_sigterm_with_a_stalled_client_exits_within_the_grace(tmp_path: Path) -> None:
    server = Server(log=tmp_path / "server.log", TRANSLATOR_SHUTDOWN_GRACE_S="1", TRANSLATOR_CLIENT_TIMEOUT_S="60")
    stalled = connect(server, POST_HEAD + b'{"texts": [')
    assert call(server.url + "/healthz").status == 200  # the stalled request's head was read before this
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=20) == -signal.SIGTERM  # uvicorn re-raises the signal once it is done
    assert time.monotonic() - started < 10
    stalled.close()
    assert "timeout graceful shutdown exceeded" in (tmp_path / "server.log").read_text()
