"""BodyGuard on its own, driven as an ASGI server drives it: a client that leaves before the disconnect
watcher starts, a body that stalls, a body over the limit in chunks, a cancellation that is not the guard's,
and the disconnect a server reports after a complete response."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from api.body import WATCH_AFTER_S, BodyGuard
from api.errors import BodyTooLarge

SCOPE: Scope = {"type": "http", "method": "POST", "headers": [(b"content-type", b"application/json")]}


def client(*messages: Message, then: Callable[[], Awaitable[Message]] | None = None) -> Receive:
    """A receive that gives `messages` in turn, then awaits `then` (forever when None)."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)
        if then is None:
            await asyncio.Event().wait()
        assert then is not None
        return await then()

    return receive


async def ignore(message: Message) -> None:
    pass


def test_a_client_gone_before_the_watcher_starts_still_cancels_the_handler() -> None:
    state: dict[str, bool] = {}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        try:
            await asyncio.Event().wait()  # waiting for the model
        finally:
            state["cancelled"] = True

    async def scenario() -> None:
        body = {"type": "http.request", "body": b"{}", "more_body": False}
        receive = client(body, {"type": "http.disconnect"})  # gone at once, well before WATCH_AFTER_S
        await asyncio.wait_for(BodyGuard(app, 100, 30)(SCOPE, receive, ignore), 5 + WATCH_AFTER_S)

    asyncio.run(scenario())  # the guard returns: the cancellation was its own
    assert state == {"cancelled": True}


def test_a_stalled_body_is_408_from_the_read_that_waits() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await receive()  # the rest never comes

    first = {"type": "http.request", "body": b'{"texts": [', "more_body": True}
    with pytest.raises(HTTPException) as raised:
        asyncio.run(BodyGuard(app, 100, 0.05)(SCOPE, client(first), ignore))
    assert raised.value.status_code == 408 and raised.value.headers == {"Connection": "close"}


def test_a_chunked_body_over_the_limit_is_refused_at_the_chunk_that_crosses_it() -> None:
    reads: list[int] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            reads.append(len((await receive())["body"]))

    chunks = [{"type": "http.request", "body": b"x" * 40, "more_body": True} for _ in range(5)]
    with pytest.raises(BodyTooLarge):
        asyncio.run(BodyGuard(app, 100, 30)(SCOPE, client(*chunks), ignore))
    assert reads == [40, 40]  # the third chunk (120 bytes in all) never reached the app


def test_a_cancellation_not_the_guards_goes_on() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await asyncio.Event().wait()

    async def scenario() -> None:
        body = {"type": "http.request", "body": b"{}", "more_body": False}
        task = asyncio.ensure_future(BodyGuard(app, 100, 30)(SCOPE, client(body), ignore))
        await asyncio.sleep(2 * WATCH_AFTER_S)  # the watcher is watching a client that stays
        task.cancel()  # a server shutting down, say
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())


def test_the_disconnect_after_a_complete_answer_cancels_nothing() -> None:
    state: dict[str, bool] = {}
    answered = asyncio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await asyncio.sleep(2 * WATCH_AFTER_S)  # slow enough for the watcher to start
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}", "more_body": False})
        answered.set()
        await asyncio.sleep(2 * WATCH_AFTER_S)  # work after the answer (a background task, say)
        state["finished"] = True

    async def gone_after_answer() -> Message:  # a server says "disconnect" once the response is complete
        await answered.wait()
        return {"type": "http.disconnect"}

    body = {"type": "http.request", "body": b"{}", "more_body": False}
    asyncio.run(BodyGuard(app, 100, 30)(SCOPE, client(body, then=gone_after_answer), ignore))
    assert state == {"finished": True}
