"""LibreTranslate-compatible endpoints, so that existing clients (Mastodon, Weblate, SubtitleEdit,
libretranslatepy, deep-translator) and LibreTranslate's own front end work unchanged: POST /translate,
GET|POST /languages, POST /detect, POST /translate_file (a document job waited for; its result at the
returned translatedFileUrl, GET /download_file/{id}/{name}, until it expires) and GET /frontend/settings.

Parameters come as JSON, a form or the query string, as LibreTranslate accepts them; errors are
`{"error": "..."}` with LibreTranslate's statuses (400 for a bad request, limits included). With
source=auto, a text detected as English is returned unchanged, as LibreTranslate does when the detected
language is the target.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile

from api import jobs, tagging
from api.auth import require_key
from api.deps import AccountDep, GlossariesDep, JobsDep, KeysDep, RunnerDep, ServiceDep, SettingsDep, UsageDep
from api.errors import ApiError, Dialect
from api.glossaries import lookup
from api.inputs import CheckedRoute
from api.schemas import (
    LIBRE_ERRORS,
    DetectedLanguage,
    FileReport,
    Language,
    LibreQuery,
    LibreTranslateRequest,
    LibreTranslateResponse,
    libre_body,
)
from api.service import OverLimit
from api.store import stored
from translator import files
from translator.language import detect as detect_language


class LibreDialect(Dialect):
    """LibreTranslate's errors: `{"error": "..."}`, and 400 where ours say 413 or 422 (its API knows 400 for
    every bad request, its limits included); a request over its texts' limits is an invalid one, as it says."""

    def status(self, error: ApiError) -> int:
        return 400 if error.status in (413, 422) else error.status

    def body(self, error: ApiError) -> dict[str, Any]:
        return {"error": f"Invalid request: {error.message}" if isinstance(error, OverLimit) else error.message}


class LibreRoute(CheckedRoute):
    dialect = LibreDialect()


router = APIRouter(dependencies=[Depends(require_key)], tags=["libretranslate"], route_class=LibreRoute)
public = APIRouter(tags=["libretranslate"], route_class=LibreRoute)  # no key: the front end's settings, and
# downloads by an unguessable URL
Params = TypeVar("Params", bound=BaseModel)

LANGUAGES = [
    {"code": "id", "name": "Indonesian", "targets": ["en"]},
    {"code": "en", "name": "English", "targets": []},
]


LANGUAGES_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": list[Language]},
    **{status: LIBRE_ERRORS[status] for status in (401, 403)},
}


def _bad(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


async def _params(request: Request, model: type[Params]) -> Params:
    params: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json") and await request.body():
        try:
            body = await request.json()
        except ValueError as exc:
            raise _bad("Invalid request: the body is not valid JSON") from exc
        if not isinstance(body, dict):
            raise _bad("Invalid request: the JSON body must be an object")
        params.update(body)
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        for key in form:
            values = [v for v in form.getlist(key) if isinstance(v, str)]
            params[key] = values if key == "q" and len(values) > 1 else values[0] if values else ""
    for name in ("q", "source", "target"):
        if params.get(name) in ("", []):
            del params[name]
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "body"
        if first["type"] == "missing":
            raise _bad(f"Invalid request: missing {field} parameter") from None
        raise _bad(f"Invalid request: {field}: {first['msg']}") from None


def _confidence(text: str) -> dict[str, Any]:
    guess = detect_language(text)
    return {"confidence": round(guess.confidence * 100, 1), "language": guess.language}


@router.post(
    "/translate",
    summary="Translate (LibreTranslate API)",
    openapi_extra=libre_body(LibreTranslateRequest),
    responses={200: {"model": LibreTranslateResponse}, **LIBRE_ERRORS},
)
async def translate(
    request: Request,
    response: Response,
    service: ServiceDep,
    usage: UsageDep,
    account: AccountDep,
    glossaries: GlossariesDep,
) -> dict[str, Any]:
    """`glossary` (an extension): a stored glossary's id, its terms applied."""
    params = await _params(request, LibreTranslateRequest)
    source, text_format = params.source, params.format
    if source not in ("id", "auto"):
        raise _bad(f"{source} is not supported: this server translates Indonesian (id)")
    if params.target != "en":
        raise _bad(f"{params.target} is not supported: this server translates into English (en)")
    if text_format not in ("text", "html"):
        raise _bad(f"{text_format} format is not supported")
    batch = isinstance(params.q, list)
    texts = params.q if isinstance(params.q, list) else [params.q]
    service.check(texts)
    detected = [_confidence(t) for t in texts] if source == "auto" else []
    todo = [i for i, t in enumerate(texts) if not detected or detected[i]["language"] != "en"]
    decode = service.decode(None)
    glossary = await lookup(glossaries, account, [params.glossary] if params.glossary else [])
    results = list(texts)
    sources = [texts[i] for i in todo]
    async with usage.spending(account, sum(len(text) for text in sources)):
        if (options := tagging.of_format(text_format)) is not None:
            english, flags = await service.translate_markup(sources, options, decode, glossary)
            tagging.count_moved(response, flags)
        else:
            english = await service.translate_texts(sources, decode, glossary)
    for i, target in zip(todo, english, strict=True):
        results[i] = target
    answer: dict[str, Any] = {"translatedText": results if batch else results[0]}
    if detected:
        answer["detectedLanguage"] = detected if batch else detected[0]
    return answer


@router.get("/languages", summary="Languages (LibreTranslate API)", responses=LANGUAGES_RESPONSES)
@router.post("/languages", summary="Languages (LibreTranslate API)", responses=LANGUAGES_RESPONSES)
async def languages() -> list[dict[str, Any]]:
    return LANGUAGES


@router.post(
    "/detect",
    summary="Detect Indonesian (LibreTranslate API)",
    openapi_extra=libre_body(LibreQuery),
    responses={200: {"model": list[DetectedLanguage]}, **LIBRE_ERRORS},
)
async def detect(request: Request) -> list[dict[str, Any]]:
    """Indonesian or English, with the share of the function-word evidence (in %) as the confidence."""
    q = (await _params(request, LibreQuery)).q
    text = " ".join(q) if isinstance(q, list) else q
    best = _confidence(text)
    other = {"confidence": round(100 - best["confidence"], 1), "language": "en" if best["language"] == "id" else "id"}
    return [best, other]


class TranslatedFile(FileReport):
    translatedFileUrl: str = Field(description="where the translated file is downloaded, until it expires")


class FrontendSettings(BaseModel):
    charLimit: int = Field(description="characters in one text")
    frontendTimeout: int = Field(description="milliseconds a front end waits for a translation")
    apiKeys: bool = Field(description="whether keys are configured")
    keyRequired: bool = Field(description="whether every request needs a key")
    suggestions: bool = Field(description="suggestions are not taken")
    filesTranslation: bool = Field(description="files are translated")
    supportedFilesFormat: list[str] = Field(description="the file suffixes translate_file takes")
    language: dict[str, dict[str, str]] = Field(description="the front end's default source and target")


FILE_FORM = {
    "type": "object",
    "required": ["file", "source", "target"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": f"a {', '.join(files.SUFFIXES)} file"},
        "source": {"type": "string", "description": "id or auto"},
        "target": {"type": "string", "description": "en"},
        "api_key": {"type": "string", "description": "the key, when keys are set"},
    },
}


@router.post(
    "/translate_file",
    summary="Translate a file (LibreTranslate API)",
    openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": FILE_FORM}}}},
    responses={200: {"model": TranslatedFile}, **LIBRE_ERRORS},
)
async def translate_file(
    request: Request, runner: RunnerDep, usage: UsageDep, account: AccountDep, settings: SettingsDep
) -> dict[str, Any]:
    """The file is translated as a document job (the same as POST /v2/document), waited for up to the request
    deadline."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise _bad("Invalid request: missing file parameter")
    source, target = (value if isinstance(value, str) else "" for value in (form.get("source"), form.get("target")))
    if source not in ("id", "auto"):
        raise _bad(f"{source or 'a missing source'} is not supported: this server translates Indonesian (id)")
    if target != "en":
        raise _bad(f"{target or 'a missing target'} is not supported: this server translates into English (en)")
    upload_file = (upload.filename, await upload.read())
    job, _ = await jobs.submit(runner, usage, account, upload_file, settings, once=False)
    timeout = settings.request_timeout_s
    try:
        job = await runner.wait(job, timeout) or job
    finally:  # past the deadline, or the client gone: nobody will fetch it, so it stops and costs nothing
        if not job.finished:
            await runner.cancel(job, "cancelled: the request that was waiting for it ended")
    if job.status == jobs.ERROR:
        raise _bad(f"Cannot translate file: {job.error}")
    if job.status != jobs.DONE:
        message = f"the file took longer than the {timeout:g} s deadline (TRANSLATOR_REQUEST_TIMEOUT_S); it was stopped"
        raise ApiError(504, "deadline_exceeded", message)
    answer: dict[str, Any] = {"translatedFileUrl": jobs.download_url(request, job)}
    if untranslated := runner.jobs.untranslated(job):
        answer["untranslated"] = untranslated
    if flags := runner.jobs.flags(job):
        answer["flags"] = flags
    return answer


@public.get(
    "/download_file/{job_id}/{filename}",
    summary="Download a translated file (LibreTranslate API)",
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "the file"},
        **{status: LIBRE_ERRORS[status] for status in (400, 404, 503)},
    },
)
async def download_file(
    job_id: str, filename: str, store: JobsDep, runner: RunnerDep, settings: SettingsDep
) -> Response:
    """The URL is the key: its id is 128 random bits, so a browser's plain link downloads it, as in
    LibreTranslate (and it is masked in the log, api/logs.py). A file still being translated (the reader links
    it at once) is waited for up to the request deadline."""
    job = await stored(store.db, store.get, job_id)
    if job is None or job.once:  # the name is the browser's to save under, not checked
        raise ApiError(404, "not_found", "no such file (or it expired)")
    if not job.finished:
        job = await runner.wait(job, settings.request_timeout_s) or job
    if job.status == jobs.ERROR:
        raise _bad(f"Cannot translate file: {job.error}")
    if job.status != jobs.DONE:
        raise ApiError(503, "not_ready", "the file is still being translated; try again", headers={"Retry-After": "5"})
    headers = {"Content-Disposition": jobs.attachment(job.filename)}
    return Response(await stored(store.db, store.result, job), media_type=job.media_type, headers=headers)


@public.get("/frontend/settings", summary="Front-end settings (LibreTranslate API)", response_model=FrontendSettings)
async def frontend_settings(settings: SettingsDep, api_keys: KeysDep) -> dict[str, Any]:
    keyed = bool(api_keys)
    return {
        "charLimit": min(settings.max_text_chars, settings.max_body_bytes // 4),  # any text that long fits a body
        "frontendTimeout": int(settings.request_timeout_s * 1000),
        "apiKeys": keyed,
        "keyRequired": keyed,
        "suggestions": False,
        "filesTranslation": True,
        "supportedFilesFormat": list(files.SUFFIXES),
        "language": {"source": {"code": "id", "name": "Indonesian"}, "target": {"code": "en", "name": "English"}},
    }
