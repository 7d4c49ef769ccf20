"""A connection to the store's database, SQLite or PostgreSQL, and the four ways our code talks to it: `execute`
(the rows changed), `one`, `all` and `many`, each its own transaction, or several in one `transaction()`.
Statements are written once, with `?` placeholders (translator/store/dialect.py).

SQLite: one connection to one file, shared by the threads of a process (a lock takes turns), in WAL mode.
PostgreSQL: a pool of connections (TRANSLATOR_DATABASE_POOL), each checked before it is handed out, so that a
server restarted, or lost and back, is reconnected to by itself: one that the server closed has something to read
(its last words, or the end of the stream), one idle longer than IDLE_S is asked (one empty query).
Either way a database error is a StoreError whose message never holds the URL's password: only `where` (a path,
or host:port/database) names the database; a PostgreSQL that cannot be reached (no connection in WAIT_S, or the
connection lost) is a StoreUnavailable."""

from __future__ import annotations

import contextlib
import re
import select
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from translator.errors import ConfigError, InputError, TranslatorError
from translator.store.dialect import POSTGRESQL, SQLITE, Dialect

Row = tuple[Any, ...]
T = TypeVar("T")
Params = Sequence[Any]
CONNECT_TIMEOUT_S = 10
WAIT_S = 5.0  # the longest a statement waits for a connection of the pool while the database answers
WAIT_LOST_S = 0.2  # ... once it was found unreachable (until it answers again): a moment for a reconnection
RECONNECT_S = 2.0  # the pool gives up a reconnection after this; the next statement starts a new one at once
IDLE_S = 1.0  # a pooled connection unused longer than this is asked whether it still works before it is handed out


class StoreError(TranslatorError):
    """The database failed a statement (unreachable, full, locked, read-only...)."""


class StoreUnavailable(StoreError):
    """The database cannot be reached (PostgreSQL down, or the network to it): worth retrying a little later."""


class _Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Session:
    """Statements on one connection (inside a transaction, or each its own)."""

    def __init__(self, run: Callable[[str, Params], _Cursor], runmany: Callable[[str, list[Params]], object]) -> None:
        self._run, self._runmany = run, runmany

    def execute(self, sql: str, params: Params = ()) -> int:
        return self._run(sql, params).rowcount

    def one(self, sql: str, params: Params = ()) -> Row | None:
        row = self._run(sql, params).fetchone()
        return tuple(row) if row is not None else None

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return [tuple(row) for row in self._run(sql, params).fetchall()]

    def many(self, sql: str, rows: Iterable[Params]) -> None:
        self._runmany(sql, list(rows))


class Database:
    """`where` names it for people (never a password); `address` reopens it in another process (a Ray actor):
    a SQLite path, or the URL itself."""

    def __init__(self, dialect: Dialect, where: str, address: str) -> None:
        self.dialect, self.where, self.address = dialect, where, address

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """Statements that each commit by themselves."""
        raise NotImplementedError

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """Statements that commit together at the end of the block, or not at all if it raises."""
        raise NotImplementedError

    def execute(self, sql: str, params: Params = ()) -> int:
        with self.session() as s:
            return s.execute(sql, params)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        with self.session() as s:
            return s.one(sql, params)

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        with self.session() as s:
            return s.all(sql, params)

    def many(self, sql: str, rows: Iterable[Params]) -> None:
        with self.transaction() as s:
            s.many(sql, rows)

    def reachable(self) -> bool:
        """Whether the database answers a statement now (a SQLite file always does)."""
        return True

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SqliteDatabase(Database):
    def __init__(self, path: Path, synchronous: Literal["NORMAL", "FULL"], read_only: bool) -> None:
        super().__init__(SQLITE, str(path), str(path))
        self.lock = threading.RLock()
        with _errors(self.where):
            if read_only:
                uri = f"{path.resolve().as_uri()}?mode=ro"
                self.db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute(f"PRAGMA synchronous = {synchronous}")

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        with self.lock, _errors(self.where):
            yield Session(self.db.execute, self.db.executemany)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.lock, _errors(self.where):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield Session(self.db.execute, self.db.executemany)
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


class PostgresDatabase(Database):
    def __init__(self, url: str, pool_size: int) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        super().__init__(POSTGRESQL, describe(url), url)
        try:  # once by hand, for the reason in one line when it cannot connect (the pool would only time out)
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S).close()
        except psycopg.Error as exc:
            raise ConfigError(f"cannot connect to the database at {self.where}: {_reason(exc, url)}") from None
        self.lost = False  # the last statement found the database unreachable: wait WAIT_LOST_S, not WAIT_S
        self.used: weakref.WeakKeyDictionary[psycopg.Connection[Row], float] = weakref.WeakKeyDictionary()
        self.pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_S},
            # each connection checked as it is handed out: after PostgreSQL restarts, the pool's connections are
            # dead, and each would fail one statement before the pool let it go
            check=self._check,
            open=True,
            name="translator",
            timeout=WAIT_S,
            reconnect_timeout=RECONNECT_S,  # (the pool's own retries back off to minutes: statements drive them)
        )

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        with self._connection() as conn:
            yield self._session(conn)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._connection() as conn, conn.transaction():
            yield self._session(conn)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        """A connection of the pool for the block; StoreUnavailable when none comes in time or it is lost."""
        import psycopg
        from psycopg_pool import PoolTimeout

        with _errors(self.where, self.address):
            try:
                with self.pool.connection(WAIT_LOST_S if self.lost else WAIT_S) as conn:
                    try:
                        yield conn
                    except psycopg.Error as exc:
                        if conn.broken or conn.closed:
                            raise self._unavailable(exc) from exc
                        raise
                    finally:
                        self.used[conn] = time.monotonic()
            except PoolTimeout as exc:
                raise self._unavailable(exc) from exc
        self.lost = False

    def execute(self, sql: str, params: Params = ()) -> int:
        return self._again(super().execute, sql, params)

    def one(self, sql: str, params: Params = ()) -> Row | None:
        return self._again(super().one, sql, params)

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return self._again(super().all, sql, params)

    def _again(self, run: Callable[[str, Params], T], sql: str, params: Params) -> T:
        """`run` once more, on another connection, if the server closed the first as it ran the statement (the
        server restarted, or terminated it a moment before `_check` could see it): a server that says so (57P01)
        has rolled the statement back, so it runs once. (Not after a crash of another server process, 57P02: that
        ends a connection at once, maybe after its commit.)"""
        import psycopg

        try:
            return run(sql, params)
        except StoreUnavailable as exc:
            if not isinstance(exc.__cause__, psycopg.errors.AdminShutdown):
                raise
        self.lost = False  # (it answered: wait for a new connection as long as ever)
        return run(sql, params)

    def _check(self, conn: Any) -> None:
        """Raise if `conn` is dead: asked (a round trip) only if the server has written to it unasked (a server
        that closes a connection says why, or the stream ends) or it has been idle longer than IDLE_S; a
        connection in use a moment ago costs one poll of its socket, not a round trip per statement."""
        from psycopg_pool import ConnectionPool

        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN)
        if poller.poll(0) or time.monotonic() - self.used.get(conn, -float("inf")) > IDLE_S:
            ConnectionPool.check_connection(conn)

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        self.lost = True
        return StoreUnavailable(f"the database {self.where} cannot be reached: {_reason(exc, self.address)}")

    def reachable(self) -> bool:
        try:
            self.one("SELECT 1")
        except StoreUnavailable:
            return False
        return True

    def _session(self, conn: Any) -> Session:
        sql = self.dialect.sql

        def many(statement: str, rows: list[Params]) -> None:
            for params in rows:
                _no_nul(params)
            with conn.cursor() as cursor:
                cursor.executemany(sql(statement), rows)

        def run(statement: str, params: Params) -> Any:
            _no_nul(params)
            return conn.execute(sql(statement), params)

        return Session(run, many)

    def close(self) -> None:
        self.pool.close()


def _no_nul(params: Params) -> None:
    """PostgreSQL cannot take NUL in a text, not even to look one up: the caller's input, so an InputError (a
    400), not the StoreError (a 500) psycopg's refusal would become."""
    if any(isinstance(p, str) and "\x00" in p for p in params):
        raise InputError("a text holds NUL (U+0000), which the database cannot hold")


def open_sqlite(
    path: Path, parts: Sequence[str], synchronous: Literal["NORMAL", "FULL"] = "FULL", read_only: bool = False
) -> Database:
    """The SQLite file at `path` holding the tables of `parts` (translator/store/schema.py), created or migrated
    unless `read_only`."""
    from translator.store import schema

    database = SqliteDatabase(path, synchronous, read_only)
    if not read_only:
        with _closed_on_error(database):
            schema.migrate(database, parts)
    return database


def open_database(url: str, pool_size: int) -> Database:
    """The PostgreSQL at `url`, every table created or migrated; ConfigError in one line naming its host (not
    the password) when it cannot be reached or its schema is newer than this code."""
    from translator.store import schema

    if not is_postgres_url(url):
        raise ConfigError(f"TRANSLATOR_DATABASE_URL must start with postgresql:// or postgres://, not {_scheme(url)}")
    if describe(url) == _UNREADABLE or _misread(url):
        why = f" ({_reason(_parse_error(url), url)})" if describe(url) == _UNREADABLE else ""
        raise ConfigError(
            f"TRANSLATOR_DATABASE_URL is not a URL PostgreSQL can read{why}: a % @ : / ? # in its user or password "
            "must be percent-encoded (%25 %40 %3A %2F %3F %23)"
        )
    database = PostgresDatabase(url, pool_size)
    with _closed_on_error(database):
        schema.migrate(database, schema.PARTS)
    return database


def is_postgres_url(address: str) -> bool:
    return address.startswith(("postgresql://", "postgres://"))


_UNREADABLE = "an unreadable URL"


def describe(url: str) -> str:
    """host:port/database of a PostgreSQL URL: how messages name it (the user and password left out)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - whatever it is, the URL is not shown
        return _UNREADABLE
    database = info.get("dbname") or info.get("user")
    return f"{info.get('host') or 'localhost'}:{info.get('port') or 5432}" + (f"/{database}" if database else "")


def redact(text: str, url: str) -> str:
    """`text` without the URL's password: the password as PostgreSQL reads it and as it is written in the URL
    replaced by ***, and so is any quoted part of the user and password that PostgreSQL could not read (a % not
    followed by two hex digits: psycopg quotes the token it stopped at)."""
    from psycopg.conninfo import conninfo_to_dict

    written = url.partition("://")[2].rpartition("@")[0].partition(":")[2]
    secrets = {written}
    with contextlib.suppress(Exception):
        secrets.add(str(conninfo_to_dict(url).get("password") or ""))
    for secret in sorted(secrets - {""}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return re.sub(r'"([^"]*)"', lambda m: '"***"' if m.group(1) and m.group(1) in written else m.group(0), text)


def _misread(url: str) -> bool:
    """Whether the user and password hold an @ or a / as they are: PostgreSQL would read what follows as the
    host or the database (and name it in every message) instead of the password."""
    written = url.partition("://")[2].partition("?")[0].rpartition("@")[0]
    return "@" in written or "/" in written


def _scheme(url: str) -> str:
    """How a URL that is not PostgreSQL's is named: its scheme alone (what follows may hold a password)."""
    if url != url.strip():
        return "a value with spaces around it"
    found = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", url)
    return found.group(0) if found else "a value without a scheme"


def _parse_error(url: str) -> Exception:
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(url)
    except Exception as exc:  # noqa: BLE001 - its message, redacted, says what could not be read
        return exc
    return ValueError("unreadable")


def _reason(exc: BaseException, url: str) -> str:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return redact(first, url)


@contextlib.contextmanager
def _errors(where: str, url: str = "") -> Iterator[None]:
    """A database error as a StoreError naming the database and the first line of the cause."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(f"the database {where} failed: {exc}") from exc
    except Exception as exc:
        if type(exc).__module__.startswith(("psycopg", "psycopg_pool")):
            raise StoreError(f"the database {where} failed: {_reason(exc, url)}") from exc
        raise


@contextlib.contextmanager
def _closed_on_error(database: Database) -> Iterator[None]:
    try:
        yield
    except BaseException:
        database.close()
        raise
