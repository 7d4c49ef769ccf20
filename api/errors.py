"""Every error the service answers with, mapped to a status and a JSON body in one place (`describe`; the
reader's page says the same errors in its own words).

Our endpoints answer `{"error": {"code": ..., "message": ...}}`; the LibreTranslate-compatible ones
answer `{"error": "..."}` as LibreTranslate does, with 400 where ours say 413 or 422 (LibreTranslate's API
knows 400 for every bad request, its limits included); the DeepL-compatible ones (/v2/...) answer
`{"message": "..."}` as DeepL does, with 400 where ours say 422 and 403 where ours say 401 (DeepL's clients
read a 422's list or a 401 as an unknown failure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Described:
    """An error as the service answers it: status, machine code, one sentence for an API client, headers and
    the extra fields of our JSON body."""

    status: int
    code: str
    message: str
    headers: Mapping[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


KNOWN: tuple[type[Exception], ...] = (
    ApiError,
    TranslatorError,
    QueueFull,
    QuotaExceeded,
    RateLimited,
    TooMuchWork,
    DeadlineExceeded,
    RequestValidationError,
    HTTPException,  # InputRejected, BodyTooLarge and Starlette's own
)


def describe(request: Request, exc: Exception) -> Described:
    """Every error of KNOWN, described once: the JSON answers below and the reader's page both say this."""
    if isinstance(exc, ApiError):
        return Described(exc.status, exc.code, exc.message, exc.headers or {}, exc.extra)
    if isinstance(exc, TranslatorError):
        status, code = next(((s, c) for kind, s, c in _TRANSLATOR_STATUS if isinstance(exc, kind)), (500, "error"))
        return Described(status, code, str(exc))
    if isinstance(exc, QueueFull):
        message = f"the translation queue is full; retry in {exc.retry_after_s} s"
        return Described(503, "queue_full", message, {"Retry-After": str(exc.retry_after_s)})
    if isinstance(exc, QuotaExceeded):
        status = 456 if request.url.path.startswith(DEEPL_PREFIX) else 429  # 456: DeepL's "quota exceeded"
        headers = {"Retry-After": str(exc.reset_s)}
        return Described(status, "quota_exceeded", str(exc), headers, {"limit": exc.limit})
    if isinstance(exc, RateLimited):
        return Described(429, "rate_limited", str(exc), {"Retry-After": str(exc.retry_after_s)})
    if isinstance(exc, TooMuchWork):
        message = f"{exc} (TRANSLATOR_MAX_REQUEST_TOKENS)"
        return Described(413, "too_large", message, extra={"limit": "max_request_tokens"})
    if isinstance(exc, DeadlineExceeded):
        limit = request.app.state.settings.request_timeout_s
        message = f"the translation took longer than the {limit:g} s deadline (TRANSLATOR_REQUEST_TIMEOUT_S)"
        return Described(504, "deadline_exceeded", message)
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request", "type": ""}
        if first.get("type") == "json_invalid":
            return Described(400, "undecodable_body", f"the body is not valid JSON: {first['msg']}")
        field_name = ".".join(str(part) for part in first["loc"] if part != "body") or "body"
        return Described(422, "invalid_request", f"{field_name}: {first['msg']}", extra={"field": field_name})
    if isinstance(exc, InputRejected):
        return Described(422, "invalid_request", exc.detail, extra={"field": exc.field})
    if isinstance(exc, BodyTooLarge):
        return Described(413, "too_large", exc.detail, extra={"limit": exc.setting.removeprefix("TRANSLATOR_").lower()})
    if isinstance(exc, HTTPException):
        given = exc.headers or {}
        if exc.status_code == 405:  # Starlette names the methods of the first route on the path only
            methods = {m.upper() for m in request.app.openapi()["paths"].get(request.url.path, ())}
            allow = ", ".join(sorted(methods))  # HEAD is not served, so not listed
            return Described(405, "http_405", str(exc.detail), {"Allow": allow} if allow else given)
        if exc.status_code == 400:  # FastAPI's word for a body it could not decode (bad UTF-8, say)
            return Described(400, "undecodable_body", f"the body could not be decoded: {exc.detail}", given)
        return Described(exc.status_code, f"http_{exc.status_code}", str(exc.detail), given)
    raise TypeError(f"not an error the service describes: {exc!r}")


def error_response(request: Request, said: Described) -> JSONResponse:
    path = request.url.path
    body = error_body(path, said.code, said.message, **said.extra)
    return JSONResponse(body, status_code=error_status(path, said.status), headers=dict(said.headers))


def install(app: FastAPI) -> None:
    async def answer(request: Request, exc: Exception) -> JSONResponse:
        return error_response(request, describe(request, exc))

    for kind in KNOWN:
        app.add_exception_handler(kind, answer)
