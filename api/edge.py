"""The deadline for a request's line and headers, in uvicorn's protocol (the body's is in api/body.py).

uvicorn times out only idle keep-alive connections, so a client that trickles or stalls a request holds its
connection (and a file descriptor) forever; this deadline and the body's are what no server option covers.
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


def h11_with_header_deadline(timeout_s: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing with 408 a connection whose next request line and headers take
    longer than `timeout_s` (counted from the connection opening or the previous response ending)."""

    class HeaderDeadlineProtocol(H11Protocol):
        deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)  # type: ignore[arg-type]
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:  # the headers are in; the body has its own deadline
                self._disarm()

        def on_response_complete(self) -> None:
            self._arm()  # before super(): it may read a pipelined request already waiting
            super().on_response_complete()

        def _arm(self) -> None:
            self._disarm()
            self.deadline = self.loop.call_later(timeout_s, self._expire)

        def _disarm(self) -> None:
            if self.deadline is not None:
                self.deadline.cancel()
                self.deadline = None

        def _expire(self) -> None:
            self.deadline = None
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self.transport.write(REQUEST_TIMEOUT)
                self.transport.close()

    return HeaderDeadlineProtocol
