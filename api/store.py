"""The store's statements seen from the event loop: a PostgreSQL statement waits on the network (a round trip,
or up to WAIT_S for a connection while the database is lost), so it runs in a worker thread and the loop serves
other requests meanwhile; a SQLite statement (a local file, this process's alone) runs where it is called.

The threads are a plain executor of this module's, not anyio's: measured on a loaded 2-core machine, a reserved
quota cost ~40 µs more of the server's CPU than a statement on the loop through it, ~150 µs through
anyio.to_thread. A statement whose caller is cancelled still runs to its end in its thread (`submitted` for a
caller that must know its outcome then)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from translator.store import Database

T = TypeVar("T")
P = ParamSpec("P")
THREADS = 32  # statements waiting at once (more wait for a thread); each waits for one of the pool's connections
_executor = ThreadPoolExecutor(THREADS, thread_name_prefix="store")  # (its threads start with the first statement)


def submitted(db: Database, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> asyncio.Future[T]:
    """`call(*args, **kwargs)`, which runs statements on `db`, as a future: started in a worker thread where the
    statements may wait, done already (with its result or its error) where they cannot."""
    if db.dialect.name == "postgresql":
        return asyncio.get_running_loop().run_in_executor(_executor, functools.partial(call, *args, **kwargs))
    done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
    try:
        done.set_result(call(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - handed to the awaiting caller as it is
        done.set_exception(exc)
    return done


async def stored(db: Database, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`call(*args, **kwargs)`'s result, its statements run off the event loop where they may wait."""
    return await submitted(db, call, *args, **kwargs)
