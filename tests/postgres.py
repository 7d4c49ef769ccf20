"""A PostgreSQL server of the tests' own: Debian's binaries (initdb, pg_ctl) in a temporary folder on a free
port, one a session, removed after. initdb and postgres refuse to run as root, and CI runs as root: there they
run as the `postgres` user Debian's package creates. Missing binaries or user: None, and the reason."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

PASSWORD = "not-to-be-shown"  # in the URL the tests use: no message may hold it (the server trusts 127.0.0.1)
PG_CTL: dict[str, list[str]] = {}  # each running server's URL → its pg_ctl command line, up to the action


def binaries() -> tuple[str, str] | str:
    """(initdb, pg_ctl), or why they cannot be used."""
    found = [
        shutil.which(name) or next(iter(sorted(map(str, Path("/usr/lib/postgresql").glob(f"*/bin/{name}")))), None)
        for name in ("initdb", "pg_ctl")
    ]
    if None in found:
        return "PostgreSQL is not installed (no initdb or pg_ctl; CI installs Debian's postgresql, see .ci/run)"
    if os.getuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` user to run PostgreSQL as"
    return found[0], found[1]  # type: ignore[return-value]


@contextlib.contextmanager
def server() -> Iterator[str]:
    """A running server for the block: its URL (user postgres, database postgres, with a password)."""
    found = binaries()
    assert not isinstance(found, str), found
    initdb, pg_ctl = found
    folder = Path(tempfile.mkdtemp(prefix="translator-pg-"))
    as_user: list[str] = []
    if os.getuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    control = [*as_user, pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-o", options]
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/postgres"
    try:
        _run([*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
        _run([*control, "start"])
        PG_CTL[url] = control
        try:
            yield url
        finally:
            del PG_CTL[url]
            _run([*control, "-m", "immediate", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def stopped(url: str) -> Iterator[None]:
    """The running server of `url` (one of `server`'s) stopped for the block, as an administrator stops it
    (its connections cut), and started again after, however the block ends."""
    _run([*PG_CTL[url], "-m", "fast", "stop"])
    try:
        yield
    finally:
        _run([*PG_CTL[url], "start"])


def reset(url: str) -> None:
    """An empty database again: every table of the last test dropped."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, cwd="/", check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.decode(errors='replace')[-2000:]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
