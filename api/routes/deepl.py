"""DeepL API v2 text translation, so that DeepL's official clients (`deepl.Translator(key, server_url=...)`)
and tools built on them work unchanged: POST /v2/translate, GET|POST /v2/languages, GET|POST /v2/usage,
GET /v2/glossary-language-pairs.

Parameters come from the query and a JSON or form body (a form with no Content-Type too, and a GET's body:
the Python client sends `type=target` so), read leniently as DeepL's clients send them: `text` a list, a
string or repeated form fields; booleans true/false or "1"/"0"; tag lists an array, a comma-joined string or
repeated fields; unknown parameters ignored. Errors are `{"message": "..."}` (api/errors.py), a missing or
wrong key 403. The key comes as `Authorization: DeepL-Auth-Key <key>` (or Bearer), or a legacy `auth_key`
field. Indonesian → English only: `EN` is served as `EN-US` and `EN-GB` alike (the model has one English).
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, ValidationError, field_validator

from api.auth import verify
from api.errors import ApiError
from api.inputs import CheckedRoute
from api.schemas import libre_body
from api.service import Service, translate_markup
from translator import markup
from translator.language import detect

TARGETS = frozenset({"EN", "EN-US", "EN-GB"})
LIST_FIELDS = frozenset({"text", "ignore_tags", "non_splitting_tags", "splitting_tags"})
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


async def require_deepl_key(request: Request) -> None:
    keys: frozenset[str] = request.app.state.api_keys
    if not keys:
        return
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    presented: Any = value.strip() if scheme.lower() in ("deepl-auth-key", "bearer") else None
    if not presented:
        try:
            presented = (await _fields(request)).get("auth_key")
        except ApiError:
            presented = None  # a body we cannot read holds no key
    verify(keys, presented if isinstance(presented, str) else None, "send 'Authorization: DeepL-Auth-Key <key>'")


router = APIRouter(dependencies=[Depends(require_deepl_key)], tags=["deepl"], route_class=CheckedRoute)


def _tag_list(value: Any) -> Any:
    """["a", "b"], "a,b" and repeated fields alike: one flat list of names."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        return value  # the list[str] check names it
    return [name.strip() for item in items for name in item.split(",") if name.strip()]


class DeepLTranslateRequest(BaseModel):
    """What /v2/translate reads, from JSON, a form or the query; other parameters are ignored."""

    text: list[str] = Field(description="the Indonesian texts (at most 50), or one text; repeated in a form")
    target_lang: str = Field(description="EN-US, EN-GB or EN, in any case")
    source_lang: str | None = Field(None, description="ID, or absent to detect")
    split_sentences: Literal["0", "1", "nonewlines"] = Field(
        "1", description="1 and nonewlines: sentences found by the segmenter, line breaks kept; 0: each text whole"
    )
    preserve_formatting: bool = Field(False, description="accepted; the English is never re-punctuated")
    tag_handling: Literal["html", "xml"] | None = Field(None, description="markup kept byte for byte, text translated")
    ignore_tags: list[str] = Field([], description="elements whose contents are kept untranslated")
    non_splitting_tags: list[str] = Field([], description="accepted; every tag splits the text")
    splitting_tags: list[str] = Field([], description="accepted; every tag splits the text")
    outline_detection: bool = Field(True, description="accepted")
    formality: Literal["default", "prefer_more", "prefer_less", "more", "less"] = Field(
        "default", description="default or prefer_*; English has no formality, so more and less are a 400"
    )
    context: str | None = Field(None, description="accepted, not used, not billed")
    show_billed_characters: bool = Field(False, description="billed_characters is always in the answer")
    glossary_id: str | None = Field(None, description="this server has no glossaries: any id is a 400")
    auth_key: str | None = Field(None, description="legacy: the key, when no Authorization header is sent")

    @field_validator("text", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("split_sentences", mode="before")
    @classmethod
    def _as_string(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("ignore_tags", "non_splitting_tags", "splitting_tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        return _tag_list(value)


class DeepLTranslation(BaseModel):
    detected_source_language: str = Field(description="ID (or EN for a text detected as English)")
    text: str = Field(description="the English")
    billed_characters: int = Field(description="characters of the source text (always sent)")


class DeepLTranslateResponse(BaseModel):
    translations: list[DeepLTranslation] = Field(description="one per text, in order")


class DeepLLanguage(BaseModel):
    language: str = Field(description="DeepL's code")
    name: str = Field(description="the language's name in English")
    supports_formality: bool | None = Field(None, description="target languages only")


class DeepLUsage(BaseModel):
    character_count: int = Field(description="characters translated this period (not counted yet: 0)")
    character_limit: int = Field(description="no quota: a huge number, never 0")


class GlossaryPair(BaseModel):
    source_lang: str = Field(description="a glossary's source language")
    target_lang: str = Field(description="a glossary's target language")


class GlossaryPairs(BaseModel):
    supported_languages: list[GlossaryPair] = Field(description="empty: this server has no glossaries")


class DeepLError(BaseModel):
    message: str = Field(description="what went wrong, for a person")


_ERRORS = {
    400: "a missing or bad parameter (the message names it)",
    403: "the key is missing or not valid",
    413: "over a limit: 50 texts, characters per text, 128 KiB a body, tokens a request (the message names it)",
    503: "the queue is full: retry after the Retry-After header's seconds",
    504: "the translation took longer than the request deadline",
}
ERRORS: dict[int | str, dict[str, Any]] = {s: {"model": DeepLError, "description": d} for s, d in _ERRORS.items()}


async def _params(request: Request) -> DeepLTranslateRequest:
    fields = {k: v for k, v in (await _fields(request)).items() if v != "" or k == "text"}
    try:
        return DeepLTranslateRequest.model_validate(fields)
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
async def translate(request: Request) -> dict[str, Any]:
    """Each text is translated as /v1/translate translates it (with split_sentences=0, as one sentence)."""
    service: Service = request.app.state.service
    params = await _params(request)
    if params.target_lang.upper() not in TARGETS:
        raise _bad("Value for 'target_lang' not supported.")
    source = params.source_lang.upper() if params.source_lang else None
    if source not in (None, "ID"):
        raise _bad("Value for 'source_lang' not supported.")
    if not params.text:
        raise _bad("Parameter 'text' not specified.")
    if params.formality in ("more", "less"):
        raise _bad("'formality' is not supported for given 'target_lang'.")
    if params.glossary_id:
        raise _bad("Glossary not found: this server has no glossaries.")
    if problem := service.limit_problem(params.text):
        raise ApiError(413, "too_large", problem[1])
    decode = service.decode(None)

    async def english(texts: list[str]) -> list[str]:
        if params.split_sentences == "0":
            return await service.translate_whole(texts, decode)
        return await service.translate_texts(texts, decode)

    if params.tag_handling or params.ignore_tags:
        results = await translate_markup(params.text, english, markup.RAW_TAGS | set(params.ignore_tags))
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


@router.api_route(
    "/v2/languages",
    methods=["GET", "POST"],
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


@router.api_route(
    "/v2/usage",
    methods=["GET", "POST"],
    summary="Usage (DeepL API v2)",
    responses={200: {"model": DeepLUsage}, **ERRORS},
)
async def usage() -> dict[str, int]:
    """No usage is counted yet, and there is no quota: the limit is a huge number (0 would read as reached)."""
    return {"character_count": 0, "character_limit": HUGE_LIMIT}


@router.get(
    "/v2/glossary-language-pairs",
    summary="Glossary language pairs (DeepL API v2)",
    responses={200: {"model": GlossaryPairs}, **ERRORS},
)
async def glossary_language_pairs() -> dict[str, list[Any]]:
    return {"supported_languages": []}
