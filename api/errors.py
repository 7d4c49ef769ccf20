"""The service's errors, one seam: every error it answers with is an ApiError (a status, a machine code, one
sentence for a person, headers and details), raised as one or read from an error of the library or the
framework by `describe`; each route answers it in its API's dialect, the one its route class names. The
reader's page says the same errors in its own words (api/routes/reader.py).

Ours (`Dialect`, here) answers `{"error": {"code": ..., "message": ..., **details}}`; the LibreTranslate and
DeepL dialects live beside their routes (api/routes/libretranslate.py, api/routes/deepl.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from translator.errors import BackendError, ConfigError, InputError, ModelNotFoundError, TranslatorError
from translator.store.database import StoreUnavailable

RETRY_AFTER_SHUTDOWN_S = 5  # a request cut by a shutdown: about when a restarted server answers again
RETRY_AFTER_STORE_S = 5  # a request that needed the database while it could not be reached

_TRANSLATOR_STATUS: list[tuple[type[TranslatorError], int, str]] = [
    (InputError, 400, "bad_input"),
    (ConfigError, 422, "bad_option"),
    (ModelNotFoundError, 503, "model_unavailable"),
    (BackendError, 500, "backend_failed"),
]


class ApiError(Exception):
    """An error the service answers with: its status, a machine code, one sentence for a person, headers,
    and details (the extra fields of our JSON body)."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **details: Any
    ) -> None:
        Exception.__init__(self, message)
        self.status, self.code, self.message = status, code, message
        self.headers: Mapping[str, str] = dict(headers or {})
        self.details = details


class BadRequest(ApiError, HTTPException):  # type: ignore[misc]  # its headers are never None, as HTTPException's may be
    """An error found while the body is read (an HTTPException too, so that FastAPI's body parsing lets it
    through unchanged)."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        ApiError.__init__(self, status, code, message, **details)
        self.status_code, self.detail = status, message


class BodyTooLarge(BadRequest):
    """The body is over its limit, TRANSLATOR_MAX_BODY_BYTES or an upload's (raised while it streams in, so the
    route is known)."""

    def __init__(self, max_bytes: int, setting: str) -> None:
        message = f"the request body is over the limit of {max_bytes} bytes ({setting})"
        super().__init__(413, "too_large", message, limit=setting.removeprefix("TRANSLATOR_").lower())
        self.setting = setting


class ShuttingDown(ApiError):
    """The server stopped the request: it is shutting down, past its grace time (TRANSLATOR_SHUTDOWN_GRACE_S)."""

    def __init__(self) -> None:
        retry = RETRY_AFTER_SHUTDOWN_S
        message = f"the server is shutting down; retry in {retry} s"
        super().__init__(503, "shutting_down", message, {"Retry-After": str(retry)})


class StoreDown(ApiError):
    """The request needs the store (usage, document jobs) and its database cannot be reached now (the pool
    reconnects by itself, and logs why: the client is not told where the database is)."""

    def __init__(self) -> None:
        retry = RETRY_AFTER_STORE_S
        message = f"the service's database cannot be reached; retry in {retry} s"
        super().__init__(503, "store_unavailable", message, {"Retry-After": str(retry)})


def shut_down() -> ShuttingDown:
    """Where the server's cancellation of a request's task is caught (uvicorn cancels what is still running
    when its grace time is over): the task is let go on, uncancelled, to say ShuttingDown instead of dying."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()
    return ShuttingDown()


def describe(request: Request, exc: Exception) -> ApiError:
    """`exc` as the service answers it: itself, or what an error of the library or the framework means."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, StoreUnavailable):
        return StoreDown()
    if isinstance(exc, TranslatorError):
        status, code = next(((s, c) for kind, s, c in _TRANSLATOR_STATUS if isinstance(exc, kind)), (500, "error"))
        return ApiError(status, code, str(exc))
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request", "type": ""}
        if first.get("type") == "json_invalid":
            return ApiError(400, "undecodable_body", f"the body is not valid JSON: {first['msg']}")
        field_name = ".".join(str(part) for part in first["loc"] if part != "body") or "body"
        return ApiError(422, "invalid_request", f"{field_name}: {first['msg']}", field=field_name)
    if isinstance(exc, HTTPException):
        return _http(request, exc)
    raise TypeError(f"not an error the service describes: {exc!r}")


def _http(request: Request, exc: HTTPException) -> ApiError:
    given = exc.headers or {}
    if exc.status_code == 405:  # Starlette names the methods of the first route on the path only
        methods = {m.upper() for m in request.app.openapi()["paths"].get(request.url.path, ())}
        allow = ", ".join(sorted(methods))  # HEAD is not served, so not listed
        return ApiError(405, "http_405", str(exc.detail), {"Allow": allow} if allow else given)
    if exc.status_code == 400:  # FastAPI's word for a body it could not decode (bad UTF-8, say)
        return ApiError(400, "undecodable_body", f"the body could not be decoded: {exc.detail}", given)
    return ApiError(exc.status_code, f"http_{exc.status_code}", str(exc.detail), given)


class Dialect:
    """How an API says an error: ours, `{"error": {"code", "message", ...details}}` with the error's status.
    The other APIs' dialects override `status` and `body`."""

    def status(self, error: ApiError) -> int:
        return error.status

    def body(self, error: ApiError) -> dict[str, Any]:
        return {"error": {"code": error.code, "message": error.message, **error.details}}

    def response(self, error: ApiError) -> JSONResponse:
        return JSONResponse(self.body(error), status_code=self.status(error), headers=dict(error.headers))


OURS = Dialect()


class Speaks:
    """A route class's dialect (a mixin of the route classes: api/inputs.CheckedRoute names ours)."""

    dialect: ClassVar[Dialect] = OURS


def _folder(path: str) -> str | None:
    """The first segment of a path with more than one ("/v2/translate": "v2"), else None."""
    first, slash, _ = path.lstrip("/").partition("/")
    return first if slash else None


def folders(routers: Iterable[APIRouter]) -> dict[str, Dialect]:
    """The folders whose routes all speak one dialect ("v2": DeepL's), each with it."""
    spoken: dict[str, set[Dialect]] = {}
    for router in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and isinstance(route, Speaks) and (folder := _folder(route.path)):
                spoken.setdefault(folder, set()).add(route.dialect)
    return {folder: dialect for folder, (dialect, *others) in spoken.items() if not others}


KNOWN: tuple[type[Exception], ...] = (ApiError, TranslatorError, RequestValidationError, HTTPException)


def install(app: FastAPI, routers: Iterable[APIRouter]) -> None:
    """Every error of KNOWN answered in the dialect of the route the request reached; one that reached none
    (a 404) in the dialect of its folder's routes, else ours."""
    unmatched = folders(routers)

    async def answer(request: Request, exc: Exception) -> JSONResponse:
        route = request.scope.get("route")
        folder = unmatched.get(_folder(request.url.path) or "", OURS)
        return (route.dialect if isinstance(route, Speaks) else folder).response(describe(request, exc))

    for kind in KNOWN:
        app.add_exception_handler(kind, answer)
