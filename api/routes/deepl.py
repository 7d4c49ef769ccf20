"""DeepL API v2 text translation, so that DeepL's official clients (`deepl.Translator(key, server_url=...)`)
and tools built on them work unchanged: POST /v2/translate, GET|POST /v2/languages, GET|POST /v2/usage,
GET /v2/glossary-language-pairs, and documents: POST /v2/document (upload), POST /v2/document/{id}
(status), POST /v2/document/{id}/result (download, once), run as jobs (api/jobs.py). The glossaries that
glossary_id names: api/routes/glossaries.py.

Parameters come from the query and a JSON or form body (a form with no Content-Type too, and a GET's body:
the Python client sends `type=target` so), read leniently as DeepL's clients send them: `text` a list, a
string or repeated form fields; booleans true/false or "1"/"0"; tag lists an array, a comma-joined string or
repeated fields; unknown parameters ignored. Errors are `{"message": "..."}` (DeepLDialect), a missing or
wrong key 403. The key comes as `Authorization: DeepL-Auth-Key <key>` (or Bearer), or a legacy `auth_key`
field. Indonesian → English only: `EN` is served as `EN-US` and `EN-GB` alike (the model has one English).
"""

from __future__ import annotations

import hmac
import urllib.parse
from collections.abc import Callable
from pathlib import PurePath
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError, field_validator
from starlette.datastructures import UploadFile

from api import jobs, tagging
from api.auth import admit
from api.deps import AccountDep, GlossariesDep, JobsDep, RunnerDep, ServiceDep, SettingsDep, UsageDep
from api.errors import ApiError, Dialect
from api.glossaries import MAX_IDS, lookup
from api.inputs import CheckedRoute
from api.schemas import FileReport, libre_body
from api.store import stored
from translator import files, markup
from translator.language import detect

TARGETS = frozenset({"EN", "EN-US", "EN-GB"})
LIST_FIELDS = frozenset({"text", "ignore_tags", "non_splitting_tags", "splitting_tags", "glossary_ids"})
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
Model = TypeVar("Model", bound=BaseModel)
STATUS_WAIT_S = 2.0  # how long a status call waits for a job being translated to finish
HUGE_LIMIT = 1_000_000_000_000  # what DeepL Pro shows; 0 would read as "limit reached" (0 >= 0)
SOURCE_LANGUAGES = [{"language": "ID", "name": "Indonesian"}]
TARGET_LANGUAGES = [
    {"language": "EN-GB", "name": "English (British)", "supports_formality": False},
    {"language": "EN-US", "name": "English (American)", "supports_formality": False},
]


def _bad(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


async def _fields(request: Request) -> dict[str, Any]:
    """The query's parameters, overridden by the body's (read once a request); lists for LIST_FIELDS."""
    if (cached := getattr(request.state, "deepl_fields", None)) is not None:
        return dict(cached)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body: dict[str, Any] = {}
    if media == "application/json" or media.endswith("+json"):
        if (await request.body()).strip():
            try:
                parsed = await request.json()  # checked at the edge: an unpaired surrogate is a 400 naming the field
            except ValueError as exc:
                raise _bad(f"Invalid request: the body is not valid JSON ({exc})") from None
            if not isinstance(parsed, dict):
                raise _bad("Invalid request: the JSON body must be an object")
            body = parsed
    elif media == "multipart/form-data":
        form = await request.form()  # checked at the edge too
        body = _gather((key, value) for key, value in form.multi_items() if isinstance(value, str))
    else:  # a form, declared or not (DeepL's clients and curl -d send it); strict UTF-8 cannot hold a surrogate
        try:
            text = (await request.body()).decode("utf-8")
            body = _gather(urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict"))
        except UnicodeDecodeError:
            raise _bad("Invalid request: the form body is not UTF-8") from None
    fields = {**_gather(request.query_params.multi_items()), **body}
    request.state.deepl_fields = fields
    return dict(fields)


def _gather(pairs: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in pairs:
        if key in LIST_FIELDS:
            fields.setdefault(key, []).append(value)
        else:
            fields[key] = value
    return fields


async def _deepl_key(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() in ("deepl-auth-key", "bearer") and value.strip():
        return value.strip()
    try:
        presented = (await _fields(request)).get("auth_key")
    except ApiError:
        return None  # a body we cannot read holds no key
    return presented if isinstance(presented, str) else None


async def require_deepl_key(request: Request) -> None:
    await admit(request, _deepl_key, "send 'Authorization: DeepL-Auth-Key <key>'")


class DeepLDialect(Dialect):
    """DeepL's errors: `{"message": "..."}` (strings only: a DeepL client concatenates the fields it reads), with
    400 where ours say 422, 403 where ours say 401 (DeepL's clients read a 422's list or a 401 as an unknown
    failure), and 456, DeepL's "quota exceeded", where ours say 429 for a quota."""

    STATUS: ClassVar[dict[int, int]] = {422: 400, 401: 403}

    def status(self, error: ApiError) -> int:
        return 456 if error.code == "quota_exceeded" else self.STATUS.get(error.status, error.status)

    def body(self, error: ApiError) -> dict[str, Any]:
        detail = error.details.get("detail")  # a glossary's bad entry, as DeepL says it
        return {"message": error.message, **({"detail": detail} if isinstance(detail, str) else {})}


class DeepLRoute(CheckedRoute):
    dialect = DeepLDialect()


router = APIRouter(dependencies=[Depends(require_deepl_key)], tags=["deepl"], route_class=DeepLRoute)


def get_and_post(path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
    """One endpoint under GET and POST, as two routes, so that each has its own OpenAPI operation id."""

    def register(endpoint: Endpoint) -> Endpoint:
        for method in ("GET", "POST"):
            router.add_api_route(path, endpoint, methods=[method], **options)
        return endpoint

    return register


def _tag_list(value: Any) -> Any:
    """["a", "b"], "a,b" and repeated fields alike: one flat list of names."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        return value  # the list[str] check names it
    return [name.strip() for item in items for name in item.split(",") if name.strip()]


class DeepLTags(BaseModel):
    """DeepL's tag options, read by /v2/translate and (for an .html file) /v2/document."""

    tag_handling: Literal["html", "xml"] | None = Field(None, description="markup kept byte for byte, text translated")
    ignore_tags: list[str] = Field([], description="elements kept with their content, untranslated")
    non_splitting_tags: list[str] = Field([], description="elements that stay inside a sentence")
    splitting_tags: list[str] = Field([], description="elements that end a sentence's text")
    outline_detection: bool = Field(True, description="false: only splitting_tags end a sentence's text")

    @field_validator("ignore_tags", "non_splitting_tags", "splitting_tags", mode="before")
    @classmethod
    def _tag_names(cls, value: Any) -> Any:
        return _tag_list(value)

    def options(self, split_sentences: str = "1") -> markup.Options | None:
        """The markup options asked for (api/tagging.py); None for none."""
        return tagging.deepl(
            self.tag_handling,
            self.ignore_tags,
            self.splitting_tags,
            self.non_splitting_tags,
            self.outline_detection,
            split_sentences,
        )


class DeepLTranslateRequest(DeepLTags):
    """What /v2/translate reads, from JSON, a form or the query; other parameters are ignored."""

    text: list[str] = Field(description="the Indonesian texts (at most 50), or one text; repeated in a form")
    target_lang: str = Field(description="EN-US, EN-GB or EN, in any case")
    source_lang: str | None = Field(None, description="ID, or absent to detect")
    split_sentences: Literal["0", "1", "nonewlines"] = Field(
        "1", description="1 and nonewlines: sentences found by the segmenter, line breaks kept; 0: each text whole"
    )
    preserve_formatting: bool = Field(False, description="accepted; the English is never re-punctuated")
    formality: Literal["default", "prefer_more", "prefer_less", "more", "less"] = Field(
        "default", description="default or prefer_*; English has no formality, so more and less are a 400"
    )
    context: str | None = Field(None, description="accepted, not used, not billed")
    show_billed_characters: bool = Field(False, description="billed_characters is always in the answer")
    glossary_id: str | None = Field(None, description="a glossary's id (v2, v3 or ours); needs source_lang")
    glossary_ids: list[str] = Field(
        [], description=f"up to {MAX_IDS} glossaries' ids, each one's terms applied; not with glossary_id"
    )
    model_type: Literal["quality_optimized", "prefer_quality_optimized", "latency_optimized"] | None = Field(
        None, description="one model serves every type; the answer's model_type_used names the type asked for"
    )
    auth_key: str | None = Field(None, description="legacy: the key, when no Authorization header is sent")

    @field_validator("text", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("split_sentences", mode="before")
    @classmethod
    def _as_string(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("glossary_ids", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        return _tag_list(value)


class DeepLTranslation(BaseModel):
    detected_source_language: str = Field(description="ID (or EN for a text detected as English)")
    text: str = Field(description="the English")
    billed_characters: int = Field(description="characters of the source text (always sent)")
    model_type_used: str | None = Field(None, description="only when model_type was sent")


class DeepLTranslateResponse(BaseModel):
    translations: list[DeepLTranslation] = Field(description="one per text, in order")


class DeepLLanguage(BaseModel):
    language: str = Field(description="DeepL's code")
    name: str = Field(description="the language's name in English")
    supports_formality: bool | None = Field(None, description="target languages only")


class DeepLUsage(BaseModel):
    character_count: int = Field(description="characters the key translated this calendar month (UTC)")
    character_limit: int = Field(description="the key's monthly quota; without one a huge number, never 0")


class GlossaryPair(BaseModel):
    source_lang: str = Field(description="a glossary's source language")
    target_lang: str = Field(description="a glossary's target language")


class GlossaryPairs(BaseModel):
    supported_languages: list[GlossaryPair] = Field(description="id → en, the one pair")


class DeepLError(BaseModel):
    message: str = Field(description="what went wrong, for a person")


_ERRORS = {
    400: "a missing or bad parameter (the message names it)",
    403: "the key is missing or not valid",
    404: "no such document or glossary for this key (or the document expired, or its result was downloaded)",
    413: "over a limit: 50 texts, characters per text, 128 KiB a body, tokens a request (the message names it)",
    429: "over the key's requests a second: retry after the Retry-After header's seconds",
    456: "the key's character quota for this month is used up",
    503: "the queue is full, or (a document's result) not translated yet: retry after Retry-After's seconds",
    504: "the translation took longer than the request deadline",
}
ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": DeepLError, "description": d} for s, d in _ERRORS.items()}


def _check_options(target: Any, source: Any, formality: Any) -> str | None:
    """The source language (ID, or None to detect) once the options fit Indonesian → English, else a 400."""
    if not target:
        raise _bad("Parameter 'target_lang' not specified.")
    if not isinstance(target, str) or target.upper() not in TARGETS:
        raise _bad("Value for 'target_lang' not supported.")
    if source and (not isinstance(source, str) or source.upper() != "ID"):
        raise _bad("Value for 'source_lang' not supported.")
    if formality in ("more", "less"):
        raise _bad("'formality' is not supported for given 'target_lang'.")
    return "ID" if source else None


def _glossary_ids(glossary_id: Any, glossary_ids: Any, source: str | None) -> list[str]:
    """The glossaries asked for (DeepL's rules: one of the two fields, at most MAX_IDS, source_lang given)."""
    ids = _tag_list(glossary_ids or [])
    if glossary_id and ids:
        raise _bad("Parameters 'glossary_id' and 'glossary_ids' cannot be used together.")
    if (glossary_id and not isinstance(glossary_id, str)) or not isinstance(ids, list):
        raise _bad("Value for 'glossary_id' not supported.")
    ids = [glossary_id] if glossary_id else ids
    if len(ids) > MAX_IDS:
        raise _bad(f"Value for 'glossary_ids' not supported: at most {MAX_IDS} glossaries.")
    if ids and source is None:
        raise _bad("Use of a glossary requires the source_lang parameter to be specified")
    return ids


async def _params(request: Request) -> DeepLTranslateRequest:
    return _validated(DeepLTranslateRequest, await _fields(request))


def _validated(model: type[Model], given: dict[str, Any]) -> Model:
    """`given` (empty values dropped, but text's) read as `model`, or DeepL's 400 naming the first bad field."""
    fields = {k: v for k, v in given.items() if v != "" or k == "text"}
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "body"
        if first["type"] == "missing":
            raise _bad(f"Parameter '{field}' not specified.") from None
        raise _bad(f"Value for '{field}' not supported: {first['msg']}") from None


@router.post(
    "/v2/translate",
    summary="Translate text (DeepL API v2)",
    openapi_extra=libre_body(DeepLTranslateRequest),
    responses={200: {"model": DeepLTranslateResponse}, **ERRORS},
)
async def translate(
    request: Request,
    response: Response,
    service: ServiceDep,
    usage: UsageDep,
    account: AccountDep,
    glossaries: GlossariesDep,
) -> dict[str, Any]:
    """Each text is translated as /v1/translate translates it (with split_sentences=0, as one sentence), with
    the terms of the glossaries named; with tag handling, each sentence whole with its inline tags placed back
    (docs/markup.md)."""
    params = await _params(request)
    source = _check_options(params.target_lang, params.source_lang, params.formality)
    if not params.text:
        raise _bad("Parameter 'text' not specified.")
    service.check(params.text)
    glossary = await lookup(glossaries, account, _glossary_ids(params.glossary_id, params.glossary_ids, source))
    decode = service.decode(None)

    async def english(texts: list[str]) -> list[str]:
        if params.split_sentences == "0":
            return await service.translate_whole(texts, decode, glossary)
        return await service.translate_texts(texts, decode, glossary)

    options = params.options(params.split_sentences)
    async with usage.spending(account, sum(len(text) for text in params.text)):
        if options is not None:
            results, flags = await service.translate_markup(params.text, options, decode, glossary)
            tagging.count_moved(response, flags)
        else:
            results = await english(params.text)
    translations = [
        {
            "detected_source_language": source or (detect(text).language.upper() if text.strip() else "ID"),
            "text": result,
            "billed_characters": len(text),
        }
        for text, result in zip(params.text, results, strict=True)
    ]
    if params.model_type:
        used = params.model_type.removeprefix("prefer_")
        translations = [{**translation, "model_type_used": used} for translation in translations]
    return {"translations": translations}


LANGUAGES_EXTRA = {
    "parameters": [
        {
            "name": "type",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": ["source", "target"], "default": "source"},
            "description": "source or target; also read from a form body, a GET's included (the Python client)",
        }
    ]
}


@get_and_post(
    "/v2/languages",
    summary="Languages (DeepL API v2)",
    openapi_extra=LANGUAGES_EXTRA,
    responses={200: {"model": list[DeepLLanguage]}, **ERRORS},
)
async def languages(request: Request) -> list[dict[str, Any]]:
    kind = (await _fields(request)).get("type") or "source"
    if kind == "source":
        return SOURCE_LANGUAGES
    if kind == "target":
        return TARGET_LANGUAGES
    raise _bad("Parameter 'type' is invalid. 'source' and 'target' are valid values.")


@get_and_post(
    "/v2/usage",
    summary="Usage (DeepL API v2)",
    responses={200: {"model": DeepLUsage}, **ERRORS},
)
async def usage(meter: UsageDep, account: AccountDep) -> dict[str, int]:
    """The key's characters this month, and its quota; with none, a huge number (0 would read as reached)."""
    count = await stored(meter.db, meter.count, account)
    return {"character_count": count, "character_limit": account.limits.characters_per_month or HUGE_LIMIT}


@router.get(
    "/v2/glossary-language-pairs",
    summary="Glossary language pairs (DeepL API v2)",
    responses={200: {"model": GlossaryPairs}, **ERRORS},
)
async def glossary_language_pairs() -> dict[str, list[Any]]:
    return {"supported_languages": [{"source_lang": "id", "target_lang": "en"}]}


class DocumentHandle(BaseModel):
    document_id: str = Field(description="the job's id")
    document_key: str = Field(description="sent back with every call about the job")


class DocumentStatus(FileReport):
    document_id: str = Field(description="the job's id")
    status: Literal["queued", "translating", "done", "error", "downloaded"] = Field(description="where it stands")
    billed_characters: int | None = Field(None, description="once done: the characters translated")
    error_message: str | None = Field(None, description="with status error: what went wrong")


UPLOAD_FORM = {
    "type": "object",
    "required": ["file", "target_lang"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": f"a {', '.join(files.SUFFIXES)} file"},
        "filename": {"type": "string", "description": "the file's name, if the part does not carry it"},
        "target_lang": {"type": "string", "description": "EN-US, EN-GB or EN"},
        "source_lang": {"type": "string", "description": "ID, or absent"},
        "formality": {"type": "string", "description": "default or prefer_*"},
        "output_format": {"type": "string", "description": "absent, or the input's own format"},
        "glossary_id": {"type": "string", "description": "a glossary's id; needs source_lang"},
        "glossary_ids": {"type": "string", "description": "up to 5 ids, comma-separated (or repeated)"},
        **{
            name: {"type": "string", "description": f"as /v2/translate's (an .html file only): {field.description}"}
            for name, field in DeepLTags.model_fields.items()
        },
    },
}
KEY_SCHEMA = {"type": "object", "properties": {"document_key": {"type": "string"}}}
KEY_BODY = {
    "content": {"application/json": {"schema": KEY_SCHEMA}, "application/x-www-form-urlencoded": {"schema": KEY_SCHEMA}}
}


@router.post(
    "/v2/document",
    summary="Upload a document to translate (DeepL API v2)",
    openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": UPLOAD_FORM}}}},
    responses={200: {"model": DocumentHandle}, **ERRORS},
)
async def upload_document(
    request: Request,
    runner: RunnerDep,
    usage: UsageDep,
    account: AccountDep,
    settings: SettingsDep,
    glossaries: GlossariesDep,
) -> dict[str, str]:
    """The file is checked now (type, encoding, size); it is translated in the background, with the glossaries'
    entries as they are now, its status at POST /v2/document/{id} and its result, once, at
    POST /v2/document/{id}/result."""
    fields = await _fields(request)
    source = _check_options(*(fields.get(name) for name in ("target_lang", "source_lang", "formality")))
    ids = _glossary_ids(fields.get("glossary_id"), fields.get("glossary_ids"), source)
    glossary = await lookup(glossaries, account, ids)
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile):
        raise _bad("Parameter 'file' not specified.")
    filename = fields.get("filename") or upload.filename or ""
    output = fields.get("output_format")
    if output and f".{str(output).lower().lstrip('.')}" != PurePath(filename).suffix.lower():
        raise _bad("Value for 'output_format' not supported: documents come back in their own format.")
    tags = _validated(DeepLTags, fields).options()  # for an .html file; other formats have no tags to handle
    upload_file = (filename, await upload.read())
    job, _ = await jobs.submit(runner, usage, account, upload_file, settings, True, glossary, tags)
    return {"document_id": job.id, "document_key": job.key}


async def _job(request: Request, document_id: str, store: JobsDep, account: AccountDep) -> jobs.Job:
    """The request's account's job `document_id` with its document_key; 404 for anything else."""
    key = (await _fields(request)).get("document_key")
    if not key:
        raise _bad("Parameter 'document_key' not specified.")
    job = await stored(store.db, store.get, document_id, account.id)
    if job is None or not isinstance(key, str) or not hmac.compare_digest(key.encode(), job.key.encode()):
        raise ApiError(404, "not_found", "Document not found.")
    return job


KeyedJob = Annotated[jobs.Job, Depends(_job)]


@get_and_post(
    "/v2/document/{document_id}",
    summary="A document's status (DeepL API v2)",
    openapi_extra={"requestBody": KEY_BODY},
    responses={200: {"model": DocumentStatus}, **ERRORS},
)
async def document_status(job: KeyedJob, runner: RunnerDep, account: AccountDep, store: JobsDep) -> dict[str, Any]:
    """Waits up to 2 s for a job being translated to finish, so that a small document is done at the
    first poll (DeepL's clients wait 5 s between polls)."""
    job = await runner.wait(job, STATUS_WAIT_S, account.id) or job
    status: dict[str, Any] = {"document_id": job.id, "status": job.status}
    if job.status in (jobs.DONE, jobs.DOWNLOADED):
        status["billed_characters"] = job.characters
    if job.status == jobs.DONE:
        if untranslated := store.untranslated(job):
            status["untranslated"] = untranslated
        if flags := store.flags(job):
            status["flags"] = flags
    if job.status == jobs.ERROR:
        status["error_message"] = job.error
    return status


@router.post(
    "/v2/document/{document_id}/result",
    summary="Download a translated document, once (DeepL API v2)",
    openapi_extra={"requestBody": KEY_BODY},
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the translated file"}, **ERRORS},
)
async def document_result(job: KeyedJob, store: JobsDep) -> Response:
    if job.status == jobs.DOWNLOADED:
        raise ApiError(404, "not_found", "Document was already downloaded.")
    if job.status == jobs.ERROR:
        raise _bad(f"Document translation failed: {job.error}")
    if job.status != jobs.DONE:
        raise ApiError(503, "not_ready", "Document translation is not done.", headers={"Retry-After": "1"})
    data = await stored(store.db, store.result, job)
    await stored(store.db, store.downloaded, job)
    return Response(data, media_type=job.media_type, headers={"Content-Disposition": jobs.attachment(job.filename)})
