"""A request body's edge, in one wrapper around `receive`: its size limit, enforced while it streams in
(Content-Length may be absent or a lie); its deadline (a body not fully arrived `timeout_s` after the
headers gets 408 and a closed connection); and its client leaving (once the body is read, the handler is
cancelled when the client goes, so that its waits end and the batcher drops its queued work; noticed from
WATCH_AFTER_S after the body on).

Written here because neither Starlette nor uvicorn does any of the three; one middleware, not three,
because each ASGI layer costs every request (three cost a tenth of the rate of one-sentence requests).
The limit and the deadline are checked when the route reads the body, after routing, so that their
errors take the route's shape and the metrics count them under the route.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import BodyTooLarge

# A request still running this long after its body was read gets a task watching for its client to leave;
# most are answered sooner, and a watcher task for each cost a twentieth of the rate of short requests.
WATCH_AFTER_S = 0.05
CLIENT_LEFT = "translator.client_left"  # in the request's scope once it is cancelled because its client left


class BodyGuard:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        timeout_s: float,
        uploads: Mapping[str, tuple[int, str]] | None = None,
        folders: Mapping[str, tuple[int, str]] | None = None,
    ) -> None:
        """`uploads`: paths whose bodies have another limit than `max_bytes` (file uploads): (bytes, setting);
        `folders`: the same for a path and every path under it (the glossary routes)."""
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = dict(uploads or {})
        self.folders = dict(folders or {})
        self.timeout_s = timeout_s
        self.too_slow = f"the request body did not arrive within {timeout_s:g} s (TRANSLATOR_CLIENT_TIMEOUT_S)"

    def _limit(self, path: str) -> tuple[int, str]:
        if path in self.uploads:
            return self.uploads[path]
        for folder, limit in self.folders.items():
            if path == folder or path.startswith(folder + "/"):
                return limit
        return self.max_bytes, "TRANSLATOR_MAX_BODY_BYTES"

    def _late(self) -> HTTPException:
        return HTTPException(408, self.too_slow, headers={"Connection": "close"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        chunked = declared is None and any(name == b"transfer-encoding" for name, _ in scope["headers"])
        if scope["method"] in ("GET", "HEAD") and declared is None and not chunked:
            await self.app(scope, receive, send)  # no body to guard
            return
        max_bytes, setting = self._limit(scope.get("path", ""))
        refused = declared is not None and declared.isdigit() and int(declared) > max_bytes
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        handler = asyncio.current_task()
        received = 0
        body_read = answered = left = timed_out = waiting = False
        watcher: asyncio.Task[None] | None = None
        alarm: asyncio.TimerHandle | None = None
        lookout: asyncio.TimerHandle | None = None

        def expire() -> None:  # one timer a request: asyncio.timeout around each read costs more than all else
            nonlocal timed_out
            if waiting and handler is not None:
                timed_out = True
                handler.cancel()

        async def watch() -> None:
            nonlocal left
            while (await receive())["type"] != "http.disconnect":  # after the body, the only message
                pass
            if not answered and handler is not None:  # a server also says "disconnect" after the response
                left = scope[CLIENT_LEFT] = True  # for the route: a cancellation nobody is to be answered for
                handler.cancel()

        def start_watching() -> None:
            nonlocal watcher
            if not answered:
                watcher = loop.create_task(watch())

        async def guarded_receive() -> Message:
            nonlocal received, body_read, alarm, lookout, waiting, timed_out
            if body_read:
                return await receive()
            if refused:  # before a byte is read
                raise BodyTooLarge(max_bytes, setting)
            if loop.time() > deadline:  # it passed between reads (a blocked loop): no read may wait now
                raise self._late()
            if alarm is None:
                alarm = loop.call_at(deadline, expire)
            waiting = True
            try:
                message = await receive()
            except asyncio.CancelledError:
                if not timed_out or (handler is not None and handler.uncancel()):
                    raise
                timed_out = False
                raise self._late() from None
            finally:
                waiting = False
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise BodyTooLarge(max_bytes, setting)
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_read = True
                alarm.cancel()
                if message["type"] == "http.request":  # else the client left while sending it
                    lookout = loop.call_later(WATCH_AFTER_S, start_watching)
            return message

        async def send_answer(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, send_answer)
        except asyncio.CancelledError:
            if not left or (handler is not None and handler.uncancel()):  # a cancellation not ours goes on
                raise
        finally:
            for pending in (alarm, lookout, watcher):
                if pending is not None:
                    pending.cancel()
