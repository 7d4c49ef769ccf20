"""Every error the service answers with, mapped to a status and a JSON body in one place.

Our endpoints answer `{"error": {"code": ..., "message": ...}}`; the LibreTranslate-compatible ones
answer `{"error": "..."}` as LibreTranslate does, with 400 where ours say 413 or 422 (LibreTranslate's API
knows 400 for every bad request, its limits included); the DeepL-compatible ones (/v2/...) answer
`{"message": "..."}` as DeepL does, with 400 where ours say 422 and 403 where ours say 401 (DeepL's clients
read a 422's list or a 401 as an unknown failure).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from api.batcher import DeadlineExceeded, QueueFull, TooMuchWork
from api.inputs import InputRejected
from api.usage import QuotaExceeded, RateLimited
from translator.errors import BackendError, ConfigError, InputError, ModelNotFoundError, TranslatorError

LT_PATHS = frozenset({"/translate", "/languages", "/detect", "/translate_file", "/frontend/settings"})
LT_DOWNLOADS = "/download_file/"
DEEPL_PREFIX = "/v2/"
_DEEPL_STATUS = {422: 400, 401: 403}

_TRANSLATOR_STATUS: list[tuple[type[TranslatorError], int, str]] = [
    (InputError, 400, "bad_input"),
    (ConfigError, 422, "bad_option"),
    (ModelNotFoundError, 503, "model_unavailable"),
    (BackendError, 500, "backend_failed"),
]


class ApiError(Exception):
    """An error a route raises on purpose: its status, a machine code and one sentence for a person."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers, self.extra = status, code, message, headers, extra


def error_body(path: str, code: str, message: str, **extra: Any) -> dict[str, Any]:
    if path in LT_PATHS or path.startswith(LT_DOWNLOADS):
        return {"error": message}
    if path.startswith(DEEPL_PREFIX):
        return {"message": message}  # strings only: a DeepL client concatenates the fields it reads
    return {"error": {"code": code, "message": message, **extra}}


def translator_status(exc: TranslatorError) -> tuple[int, str]:
    """The status and code of one of the library's errors."""
    return next(((s, c) for kind, s, c in _TRANSLATOR_STATUS if isinstance(exc, kind)), (500, "error"))


def error_status(path: str, status: int) -> int:
    if path.startswith(DEEPL_PREFIX):
        return _DEEPL_STATUS.get(status, status)
    return 400 if path in LT_PATHS and status in (413, 422) else status


class BodyTooLarge(HTTPException):
    """The body is over its limit, TRANSLATOR_MAX_BODY_BYTES or an upload's (raised while it streams in, so the
    route is known)."""

    def __init__(self, max_bytes: int, setting: str) -> None:
        super().__init__(413, f"the request body is over the limit of {max_bytes} bytes ({setting})")
        self.setting = setting


def error_response(
    request: Request, status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    path = request.url.path
    body = error_body(path, code, message, **extra)
    return JSONResponse(body, status_code=error_status(path, status), headers=dict(headers or {}))


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(request, exc.status, exc.code, exc.message, headers=exc.headers, **exc.extra)

    @app.exception_handler(TranslatorError)
    async def translator_error(request: Request, exc: TranslatorError) -> JSONResponse:
        status, code = translator_status(exc)
        return error_response(request, status, code, str(exc))

    @app.exception_handler(QueueFull)
    async def queue_full(request: Request, exc: QueueFull) -> JSONResponse:
        message = f"the translation queue is full; retry in {exc.retry_after_s} s"
        headers = {"Retry-After": str(exc.retry_after_s)}
        return error_response(request, 503, "queue_full", message, headers=headers)

    @app.exception_handler(QuotaExceeded)
    async def quota_exceeded(request: Request, exc: QuotaExceeded) -> JSONResponse:
        status = 456 if request.url.path.startswith(DEEPL_PREFIX) else 429  # 456: DeepL's "quota exceeded"
        headers = {"Retry-After": str(exc.reset_s)}
        return error_response(request, status, "quota_exceeded", str(exc), headers=headers, limit=exc.limit)

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after_s)}
        return error_response(request, 429, "rate_limited", str(exc), headers=headers)

    @app.exception_handler(TooMuchWork)
    async def too_much_work(request: Request, exc: TooMuchWork) -> JSONResponse:
        message = f"{exc} (TRANSLATOR_MAX_REQUEST_TOKENS)"
        return error_response(request, 413, "too_large", message, limit="max_request_tokens")

    @app.exception_handler(DeadlineExceeded)
    async def deadline(request: Request, _: DeadlineExceeded) -> JSONResponse:
        limit = request.app.state.settings.request_timeout_s
        message = f"the translation took longer than the {limit:g} s deadline (TRANSLATOR_REQUEST_TIMEOUT_S)"
        return error_response(request, 504, "deadline_exceeded", message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request", "type": ""}
        if first.get("type") == "json_invalid":
            return error_response(request, 400, "undecodable_body", f"the body is not valid JSON: {first['msg']}")
        field = ".".join(str(part) for part in first["loc"] if part != "body") or "body"
        return error_response(request, 422, "invalid_request", f"{field}: {first['msg']}", field=field)

    @app.exception_handler(InputRejected)
    async def rejected(request: Request, exc: InputRejected) -> JSONResponse:
        return error_response(request, 422, "invalid_request", exc.detail, field=exc.field)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        limit = exc.setting.removeprefix("TRANSLATOR_").lower()
        return error_response(request, 413, "too_large", exc.detail, limit=limit)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 405:  # Starlette names the methods of the first route on the path only
            methods = {m.upper() for m in request.app.openapi()["paths"].get(request.url.path, ())}
            allow = ", ".join(sorted(methods))  # HEAD is not served, so not listed
            headers = {"Allow": allow} if allow else exc.headers
            return error_response(request, 405, "http_405", str(exc.detail), headers=headers)
        if exc.status_code == 400:  # FastAPI's word for a body it could not decode (bad UTF-8, say)
            message = f"the body could not be decoded: {exc.detail}"
            return error_response(request, 400, "undecodable_body", message, headers=exc.headers)
        return error_response(request, exc.status_code, f"http_{exc.status_code}", str(exc.detail), headers=exc.headers)
