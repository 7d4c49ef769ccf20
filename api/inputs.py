"""The edge check on what a request carries: every route reads its JSON and form bodies through
CheckedRequest, which refuses unpaired surrogates and JSON nested deeper than MAX_DEPTH, naming the field.

Unpaired surrogates come from JSON's "\\ud800" escapes and from multipart parts in charsets such as utf-7;
they would fail later, in the tokenizer, the HTML parser or the response encoder. Query strings and
headers cannot carry them: Starlette decodes those with replacement characters or as latin-1.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.datastructures import FormData, UploadFile

from api.body import CLIENT_LEFT
from api.errors import BadRequest, Speaks, shut_down

MAX_DEPTH = 8  # our deepest body is documents[i].text, three levels down
_SURROGATE = re.compile("[\ud800-\udfff]")  # json.loads joins a valid pair into one character


class InputRejected(BadRequest):
    """A body that fails the edge check."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(422, "invalid_request", f"{field}: {problem}", field=field)
        self.field = field


def check(value: Any, field: str = "") -> None:
    """Refuse an unpaired surrogate in any key or string, or nesting deeper than MAX_DEPTH; iterative, so
    no depth can exhaust the stack."""
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputRejected(where.split(".")[0] or "body", f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            check_text(item, where)
        elif isinstance(item, dict):
            for key, child in item.items():
                check_text(key, where or "body")
                stack.append((child, f"{where}.{key}" if where else key, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{where}.{i}" if where else str(i), depth + 1) for i, child in enumerate(item))


def _plainly_fine(raw: bytes) -> bool:
    """True for a body that cannot hold a surrogate or nest deeper than MAX_DEPTH, so the walk is skipped
    (most bodies): UTF-8 with no \\u escape and no byte 0xED (json.loads decodes surrogates encoded in
    UTF-8, which all start with it), and at most MAX_DEPTH brackets."""
    return (
        json.detect_encoding(raw) == "utf-8"
        and b"\\u" not in raw
        and b"\xed" not in raw
        and raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH
    )


def check_text(text: str, field: str) -> None:
    if found := _SURROGATE.search(text):
        raise InputRejected(field or "body", f"unpaired surrogate U+{ord(found[0]):04X} at character {found.start()}")


class CheckedRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            raw = await self.body()
            try:
                value = json.loads(raw)
            except RecursionError:
                raise InputRejected("body", f"nested deeper than {MAX_DEPTH} levels") from None
            except ValueError as exc:  # json's own errors (and undecodable bytes) are FastAPI's 400
                if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
                    raise
                raise InputRejected("body", f"a number too long to read: {exc}") from None  # Python's digit limit
            if not _plainly_fine(raw):
                check(value)
            self._json = value
        return self._json

    async def _get_form(
        self, *, max_files: int | float = 1000, max_fields: int | float = 1000, max_part_size: int = 1024 * 1024
    ) -> FormData:
        form = await super()._get_form(max_files=max_files, max_fields=max_fields, max_part_size=max_part_size)
        for key, value in form.multi_items():
            check_text(key, "form")
            check_text(value.filename or "" if isinstance(value, UploadFile) else value, key)
        return form


class CheckedRoute(APIRoute, Speaks):
    """Every router's route class: its endpoint, dependencies and FastAPI's own body parsing get a CheckedRequest;
    its errors are said in its dialect (ours; a subclass names another). A request the server cancels (a
    shutdown past its grace time) is ShuttingDown, a 503, not a traceback; one cancelled because its client
    left (api/body.py) is answered to nobody."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            try:
                return await handler(CheckedRequest(request.scope, request.receive))
            except asyncio.CancelledError:
                if request.scope.get(CLIENT_LEFT):
                    raise  # api/body.py's, for a client that left: nobody to answer
                raise shut_down() from None

        return checked
