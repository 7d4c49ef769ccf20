"""TranslatorError and request errors → HTTP status and one JSON shape, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from translator.errors import BackendError, ConfigError, InputError, ModelNotFoundError, TranslatorError

_STATUS: list[tuple[type[TranslatorError], int, str]] = [
    (InputError, 400, "bad_input"),
    (ConfigError, 422, "bad_option"),
    (ModelNotFoundError, 503, "model_unavailable"),
    (BackendError, 500, "backend_failed"),
]


class LimitExceeded(Exception):
    """A request over one of the service's size limits (413)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(TranslatorError)
    async def translator_error(_: Request, exc: TranslatorError) -> JSONResponse:
        for kind, status, code in _STATUS:
            if isinstance(exc, kind):
                return error_response(status, code, str(exc))
        return error_response(500, "translator_error", str(exc))

    @app.exception_handler(LimitExceeded)
    async def limit_exceeded(_: Request, exc: LimitExceeded) -> JSONResponse:
        return error_response(413, "too_large", exc.message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = ".".join(str(part) for part in first["loc"] if part != "body") or "body"
        return error_response(422, "invalid_request", f"{field}: {first['msg']}")
