"""The store's statements seen from the event loop: a PostgreSQL statement waits on the network (a round trip,
or up to WAIT_S for a connection while the database is lost), so it runs in a worker thread and the loop serves
other requests meanwhile; a SQLite statement (a local file, this process's alone) runs where it is called."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio

from translator.store import Database

T = TypeVar("T")
P = ParamSpec("P")


async def stored(db: Database, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`call(*args, **kwargs)`, which runs statements on `db`: in a worker thread where they may wait."""
    if db.dialect.name == "postgresql":
        return await anyio.to_thread.run_sync(functools.partial(call, *args, **kwargs))
    return call(*args, **kwargs)
