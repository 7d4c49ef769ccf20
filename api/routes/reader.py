"""GET / and POST /: the side-by-side reader, server-rendered; paste, upload or open /?text=."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import UploadFile

from api.auth import require_key
from api.inputs import CheckedRoute
from api.schemas import ERROR_RESPONSES
from api.service import Service
from api.usage import spending
from translator import AlignedDocument, quality

router = APIRouter(dependencies=[Depends(require_key)], tags=["reader"], route_class=CheckedRoute)
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")

# Nothing inline may run: even if escaping failed somewhere, injected script would not execute.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"
)


_HTML_OR_JSON = {"text/html": {}, "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    400: {"content": _HTML_OR_JSON, "description": "the file is not UTF-8 text (a page) or the form undecodable"},
    413: {"content": _HTML_OR_JSON, "description": "the text over a limit (a page) or the body over its byte limit"},
}


@router.get("/", response_class=HTMLResponse, summary="The side-by-side reader", responses=_RESPONSES)
async def reader(request: Request, text: str = "") -> HTMLResponse:
    return await _render(request, text, error=None)


_FORM = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "description": "Indonesian text"},
        "file": {"type": "string", "format": "binary", "description": "or a UTF-8 text file"},
    },
}


@router.post(
    "/",
    response_class=HTMLResponse,
    summary="The side-by-side reader, for pasted or uploaded text",
    responses=_RESPONSES,
    openapi_extra={"requestBody": {"required": False, "content": {"multipart/form-data": {"schema": _FORM}}}},
)
async def reader_post(request: Request) -> HTMLResponse:
    form = await request.form()
    text = form.get("text")
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return await _render(request, "", error=f"{upload.filename} is not UTF-8 text", status=400)
    return await _render(request, text if isinstance(text, str) else "", error=None)


async def _render(request: Request, text: str, error: str | None, status: int = 200) -> HTMLResponse:
    service: Service = request.app.state.service
    doc: AlignedDocument | None = None
    if text.strip() and error is None:
        if problem := service.limit_problem([text]):
            error, status = problem[1], 413
        else:
            with spending(request, len(text)):
                [doc] = await service.translate_documents([("reader", text)], service.decode(None))
    context = {
        "text": text,
        "doc": doc,
        "error": error,
        "meanings": quality.MEANINGS,
        "api_key": request.query_params.get("api_key", ""),
    }
    response = templates.TemplateResponse(request, "reader.html", context, status_code=status)
    response.headers["Content-Security-Policy"] = _CSP
    return response
