"""Cancel a request's handler as soon as its client goes away, so that its waits end and its queued work is
dropped (the batcher takes a cancelled request's pieces out of the queue).

Written here because neither Starlette nor uvicorn does it: a plain handler never learns that its client
left, and a stream learns only when it next writes, which is after the model has done the work.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class CancelOnDisconnect:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":  # only a POST's body asks for model work
            await self.app(scope, receive, send)
            return
        body_read = anyio.Event()
        answered = False

        async def receive_body() -> Message:
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                body_read.set()
            return message

        async def send_answer(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered = True
            await send(message)

        async with anyio.create_task_group() as group:

            async def watch() -> None:
                await body_read.wait()  # after the body, the server's only message is http.disconnect
                while (await receive())["type"] != "http.disconnect":
                    pass
                if not answered:  # a server also says "disconnect" once the response is complete
                    group.cancel_scope.cancel()

            group.start_soon(watch)
            await self.app(scope, receive_body, send_answer)
            group.cancel_scope.cancel()
