"""Two real `translator serve` replicas on one PostgreSQL (the session's server, tests/postgres.py), as a load
balancer would have them: the `replicas` fixture (tests/conftest.py) starts the pair once a module, on an
emptied database. Each replica is a process of its own with its own data folder and the same keys; a test may
kill one (`replicas.kill("a")`) and must start it again (`replicas.restart("a")`) for the tests after it."""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Iterator

import psycopg

from tests.api.conftest import Server

# `key [characters_per_month] [requests_per_second]`: one unlimited, one with a month's quota, one with a rate
KEYS = "one\nquota 3000\nslow - 0.1\n"
LEASE_S = 5  # a killed replica's job goes to the other after this (TRANSLATOR_DOCUMENT_LEASE_S)


class Replicas:
    """Replicas "a" and "b" of one service on the PostgreSQL at `database`."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.servers: dict[str, Server] = {}
        for name in ("a", "b"):
            self.restart(name)

    @property
    def a(self) -> Server:
        return self.servers["a"]

    @property
    def b(self) -> Server:
        return self.servers["b"]

    def restart(self, name: str) -> Server:
        """Replica `name` started (again, if it was killed or stopped): a new process on a new port."""
        self.servers[name] = Server(
            keys=KEYS,
            TRANSLATOR_DATABASE_URL=self.database,
            TRANSLATOR_DOCUMENT_LEASE_S=str(LEASE_S),
        )
        return self.servers[name]

    def kill(self, name: str) -> None:
        """Replica `name` SIGKILLed: nothing of it runs after this (no shutdown, no release of its claims)."""
        server = self.servers[name]
        server.proc.kill()
        server.proc.wait(timeout=30)
        shutil.rmtree(server.home, ignore_errors=True)

    def pid(self, name: str) -> int:
        return self.servers[name].proc.pid

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Rows of `sql` on the shared database, as an operator would look."""
        with psycopg.connect(self.database, autocommit=True) as conn:
            return [tuple(row) for row in conn.execute(sql, params).fetchall()]

    def stop(self) -> None:
        for server in self.servers.values():
            if server.proc.poll() is None:
                server.stop()


def until(check: Callable[[], object], timeout_s: float, what: str, every_s: float = 0.05) -> object:
    """`check()`'s first truthy answer, asked every `every_s` for up to `timeout_s` (AssertionError naming `what`
    after that): how these tests wait for another process, never by sleeping a guessed time."""
    deadline = time.monotonic() + timeout_s
    while not (answer := check()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s} s"
        time.sleep(every_s)
    return answer


@contextlib.contextmanager
def started(database: str) -> Iterator[Replicas]:
    replicas = Replicas(database)
    try:
        yield replicas
    finally:
        replicas.stop()
