"""Glossaries over HTTP: DeepL's v2 (`/v2/glossaries`, immutable, entries as TSV) and v3 multilingual ones
(`/v3/glossaries`, editable dictionaries, as the official client's `*_multilingual_*` methods and Weblate call
them), `GET /v3/languages`, and ours (`/v1/glossaries`, JSON). One store and one ID space behind all three: a
glossary made through one API is read, used and deleted through any. A key sees its own glossaries only
(another key's is a 404); without keys they are the anonymous account's. This server's one pair is
Indonesian → English: a dictionary of another pair is a 400. Entries are checked as DeepL checks them
(translator/glossary/parse.py): a bad one is a 400 naming its line and rule, and nothing is stored. These routes
read bodies up to GLOSSARY_BODY_BYTES (10 MiB of entries, escaped as JSON or a form), the others keep theirs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from api.auth import require_key
from api.deps import AccountDep, GlossariesDep
from api.errors import ApiError
from api.glossaries import GlossaryNotFound, checked
from api.inputs import CheckedRoute
from api.routes.deepl import ERRORS, DeepLRoute, _fields, require_deepl_key
from api.schemas import GLOSSARY_RESPONSES
from translator.glossary import Entry
from translator.glossary.parse import MAX_BYTES, SOURCE_LANG, TARGET_LANG, read, read_pairs, term_problem, to_tsv
from translator.glossary.store import GlossaryInfo

T = TypeVar("T")
GLOSSARY_BODY_BYTES = 4 * MAX_BYTES  # JSON escapes a tab or a newline in two bytes, a form in three
PREFIXES = ("/v1/glossaries", "/v2/glossaries", "/v3/glossaries")  # the paths with that body limit
TSV = "text/tab-separated-values"
PAIR = {"source_lang": SOURCE_LANG, "target_lang": TARGET_LANG}
LANGUAGES = [
    {"lang": "id", "name": "Indonesian", "usable_as_source": True, "usable_as_target": False},
    {"lang": "en", "name": "English", "usable_as_source": False, "usable_as_target": True},
]
RESOURCES = ("translate_text", "glossary")

router = APIRouter(dependencies=[Depends(require_deepl_key)], tags=["deepl"], route_class=DeepLRoute)
# ours are plain functions: FastAPI runs them in its thread pool (10 MiB of entries take seconds to check)
ours = APIRouter(dependencies=[Depends(require_key)], tags=["glossaries"], route_class=CheckedRoute)


async def _thread(work: Callable[..., T], *args: Any) -> T:
    """`work` in a worker thread: checking or storing 10 MiB of entries takes seconds, which the event loop (every
    other request) must not wait for."""
    return await anyio.to_thread.run_sync(work, *args)


def _bad(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    if value is None or value == "":
        raise _bad(f"Parameter '{name}' not specified.")
    if not isinstance(value, str):
        raise _bad(f"Value for '{name}' not supported: a string is expected.")
    return value


def _name(value: str) -> str:
    if (problem := term_problem(value, "name")) is not None:
        raise _bad(f"Value for 'name' not supported: {problem}.")
    return value


def _pair(source: Any, target: Any) -> None:
    """A 400 unless the pair is Indonesian → English (a target's region, EN-US say, counts as EN)."""
    if not isinstance(source, str) or not isinstance(target, str):
        raise _bad("Parameters 'source_lang' and 'target_lang' must be specified.")
    if source.strip().lower() != SOURCE_LANG or target.strip().lower().split("-")[0] != TARGET_LANG:
        raise _bad(
            f"Unsupported glossary language pair {source}→{target}: this server's glossaries are ID→EN (id → en)."
        )


def _dictionary(fields: Any) -> list[Entry]:
    """A dictionary's entries (`source_lang`, `target_lang`, `entries`, `entries_format`), checked."""
    if not isinstance(fields, dict):
        raise _bad("Value for 'dictionaries' not supported: each dictionary is an object.")
    _pair(fields.get("source_lang"), fields.get("target_lang"))
    entries_format = fields.get("entries_format") or "tsv"
    if entries_format not in ("tsv", "csv"):
        raise _bad("Unsupported entry format specified.")
    return checked(read(_text(fields, "entries"), entries_format))


def _v2(info: GlossaryInfo) -> dict[str, Any]:
    return {
        "glossary_id": info.id,
        "name": info.name,
        "ready": True,
        **PAIR,
        "creation_time": info.creation_time,
        "entry_count": info.entry_count,
    }


def _v3(info: GlossaryInfo) -> dict[str, Any]:
    dictionaries = [{**PAIR, "entry_count": info.entry_count}] if info.has_dictionary else []
    return {
        "glossary_id": info.id,
        "name": info.name,
        "ready": True,
        "dictionaries": dictionaries,
        "creation_time": info.creation_time,
    }


def _found(info: GlossaryInfo | None, glossary_id: str) -> GlossaryInfo:
    if info is None:
        raise GlossaryNotFound(glossary_id)
    return info


class V2Glossary(BaseModel):
    glossary_id: str = Field(description="the glossary's id, one ID space with v3 and /v1/glossaries")
    name: str = Field(description="its name")
    ready: bool = Field(description="always true: a glossary is usable once created")
    source_lang: str = Field(description="id")
    target_lang: str = Field(description="en")
    creation_time: str = Field(description="ISO 8601 with milliseconds and Z")
    entry_count: int = Field(description="entries in its dictionary")


class V2Glossaries(BaseModel):
    glossaries: list[V2Glossary] = Field(description="the key's glossaries, oldest first")


CREATE_V2 = {
    "type": "object",
    "required": ["name", "source_lang", "target_lang", "entries"],
    "properties": {
        "name": {"type": "string"},
        "source_lang": {"type": "string", "description": "id"},
        "target_lang": {"type": "string", "description": "en (a region, EN-US, counts as en)"},
        "entries": {"type": "string", "description": "TSV or CSV, as entries_format says"},
        "entries_format": {"type": "string", "enum": ["tsv", "csv"], "default": "tsv"},
    },
}
BODY_V2 = {
    "requestBody": {
        "required": True,
        "content": {k: {"schema": CREATE_V2} for k in ("application/json", "application/x-www-form-urlencoded")},
    }
}


@router.post(
    "/v2/glossaries",
    status_code=201,
    summary="Create a glossary (DeepL API v2)",
    openapi_extra=BODY_V2,
    responses={201: {"model": V2Glossary}, **ERRORS},
)
async def create_v2(request: Request, store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    fields = await _fields(request)
    name = _name(_text(fields, "name"))
    entries = await _thread(_dictionary, fields)
    return _v2(await _thread(store.create, account.id, name, "v2", entries))


@router.get("/v2/glossaries", summary="List glossaries (DeepL API v2)", responses={200: {"model": V2Glossaries}})
async def list_v2(store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    return {"glossaries": [_v2(info) for info in store.owned(account.id)]}


@router.get(
    "/v2/glossaries/{glossary_id}",
    summary="A glossary (DeepL API v2)",
    responses={200: {"model": V2Glossary}, **ERRORS},
)
async def get_v2(glossary_id: str, store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    return _v2(_found(store.get(account.id, glossary_id), glossary_id))


@router.get(
    "/v2/glossaries/{glossary_id}/entries",
    summary="A glossary's entries as TSV (DeepL API v2)",
    responses={200: {"content": {TSV: {}}, "description": "source<TAB>target lines"}, 415: ERRORS[400], **ERRORS},
)
async def entries_v2(request: Request, glossary_id: str, store: GlossariesDep, account: AccountDep) -> Response:
    """Accept must allow text/tab-separated-values (absent and */* do); another is a 415, as DeepL answers."""
    accept = request.headers.get("accept", "")
    if accept and TSV not in accept and "*/*" not in accept:
        raise ApiError(415, "unsupported_media_type", "No supported media type specified in Accept header")
    entries = store.entries(account.id, glossary_id)
    if entries is None:
        raise GlossaryNotFound(glossary_id)
    return PlainTextResponse(to_tsv(entries), media_type=TSV)


@router.delete(
    "/v2/glossaries/{glossary_id}", status_code=204, summary="Delete a glossary (DeepL API v2)", responses=ERRORS
)
async def delete_v2(glossary_id: str, store: GlossariesDep, account: AccountDep) -> Response:
    if not store.delete(account.id, glossary_id):
        raise GlossaryNotFound(glossary_id)
    return Response(status_code=204)


class V3Dictionary(BaseModel):
    source_lang: str = Field(description="id")
    target_lang: str = Field(description="en")
    entry_count: int = Field(description="its entries")


class V3Glossary(BaseModel):
    glossary_id: str = Field(description="the glossary's id, one ID space with v2 and /v1/glossaries")
    name: str = Field(description="its name")
    ready: bool = Field(description="always true")
    dictionaries: list[V3Dictionary] = Field(description="its ID→EN dictionary, or none")
    creation_time: str = Field(description="ISO 8601 with milliseconds and Z")


class V3Glossaries(BaseModel):
    glossaries: list[V3Glossary] = Field(description="the key's glossaries, oldest first")


DICTIONARY = {
    "type": "object",
    "required": ["source_lang", "target_lang", "entries"],
    "properties": {
        "source_lang": {"type": "string", "description": "id"},
        "target_lang": {"type": "string", "description": "en"},
        "entries": {"type": "string"},
        "entries_format": {"type": "string", "enum": ["tsv", "csv"], "default": "tsv"},
    },
}


GLOSSARY_V3 = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "dictionaries": {"type": "array", "items": DICTIONARY}},
}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _dictionaries(fields: dict[str, Any], at_most: int | None = None) -> list[list[Entry]]:
    value = fields.get("dictionaries")
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad("Value for 'dictionaries' not supported: a list is expected.")
    if at_most is not None and len(value) > at_most:
        raise _bad(f"Value for 'dictionaries' not supported: at most {at_most} dictionary may be given.")
    if len(value) > 1:
        raise _bad("Value for 'dictionaries' not supported: one dictionary a language pair (here: id → en).")
    return [_dictionary(item) for item in value]


@router.post(
    "/v3/glossaries",
    status_code=201,
    summary="Create a multilingual glossary (DeepL API v3)",
    openapi_extra=_json_body(
        {
            "type": "object",
            "properties": {"name": {"type": "string"}, "dictionaries": {"type": "array", "items": DICTIONARY}},
        }
    ),
    responses={201: {"model": V3Glossary}, **ERRORS},
)
async def create_v3(request: Request, store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    fields = await _fields(request)
    name = _name(_text(fields, "name"))
    dictionaries = await _thread(_dictionaries, fields)
    if not dictionaries:
        raise _bad("Parameter 'dictionaries' not specified.")
    return _v3(await _thread(store.create, account.id, name, "v3", dictionaries[0]))


@router.get(
    "/v3/glossaries", summary="List multilingual glossaries (DeepL API v3)", responses={200: {"model": V3Glossaries}}
)
async def list_v3(store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    return {"glossaries": [_v3(info) for info in store.owned(account.id)]}


@router.get(
    "/v3/glossaries/{glossary_id}",
    summary="A multilingual glossary (DeepL API v3)",
    responses={200: {"model": V3Glossary}, **ERRORS},
)
async def get_v3(glossary_id: str, store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    return _v3(_found(store.get(account.id, glossary_id), glossary_id))


@router.patch(
    "/v3/glossaries/{glossary_id}",
    summary="Rename a glossary or merge entries into its dictionary (DeepL API v3)",
    openapi_extra=_json_body(
        {
            "type": "object",
            "properties": {"name": {"type": "string"}, "dictionaries": {"type": "array", "items": DICTIONARY}},
        }
    ),
    responses={200: {"model": V3Glossary}, **ERRORS},
)
async def patch_v3(request: Request, glossary_id: str, store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    """A new source is added, a known one's target replaced (DeepL's merge); the name is replaced."""
    fields = await _fields(request)
    name = _name(_text(fields, "name")) if fields.get("name") is not None else None
    dictionaries = await _thread(_dictionaries, fields, 1)
    info = _found(store.get(account.id, glossary_id), glossary_id)
    if dictionaries:
        info = _found(await _thread(store.merge, account.id, glossary_id, dictionaries[0]), glossary_id)
    if name is not None:
        info = _found(store.rename(account.id, glossary_id, name), glossary_id)
    return _v3(info)


@router.put(
    "/v3/glossaries/{glossary_id}/dictionaries",
    summary="Replace (or add) a glossary's dictionary (DeepL API v3)",
    openapi_extra=_json_body(DICTIONARY),
    responses={200: {"model": V3Dictionary}, **ERRORS},
)
async def put_dictionary(
    request: Request, glossary_id: str, store: GlossariesDep, account: AccountDep
) -> dict[str, Any]:
    entries = await _thread(_dictionary, await _fields(request))
    info = _found(await _thread(store.replace, account.id, glossary_id, entries), glossary_id)
    return {**PAIR, "entry_count": info.entry_count}


def _asked_pair(request: Request) -> None:
    query = request.query_params
    _pair(query.get("source_lang"), query.get("target_lang"))


def _no_dictionary() -> ApiError:
    return ApiError(404, "dictionary_not_found", "Dictionary not found")


@router.delete(
    "/v3/glossaries/{glossary_id}/dictionaries",
    status_code=204,
    summary="Delete a glossary's dictionary (DeepL API v3)",
    responses=ERRORS,
)
async def delete_dictionary(request: Request, glossary_id: str, store: GlossariesDep, account: AccountDep) -> Response:
    _asked_pair(request)
    info = _found(store.get(account.id, glossary_id), glossary_id)
    if not info.has_dictionary:
        raise _no_dictionary()
    store.replace(account.id, glossary_id, None)
    return Response(status_code=204)


@router.get(
    "/v3/glossaries/{glossary_id}/entries",
    summary="A dictionary's entries (DeepL API v3)",
    responses={
        200: {"description": '{"dictionaries": [{source_lang, target_lang, entries, entries_format}]}'},
        **ERRORS,
    },
)
async def entries_v3(request: Request, glossary_id: str, store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    _asked_pair(request)
    info = _found(store.get(account.id, glossary_id), glossary_id)
    entries = store.entries(account.id, glossary_id)
    if not info.has_dictionary or entries is None:
        raise _no_dictionary()
    return {"dictionaries": [{**PAIR, "entries": to_tsv(entries), "entries_format": "tsv"}]}


@router.delete(
    "/v3/glossaries/{glossary_id}", status_code=204, summary="Delete a glossary (DeepL API v3)", responses=ERRORS
)
async def delete_v3(glossary_id: str, store: GlossariesDep, account: AccountDep) -> Response:
    return await delete_v2(glossary_id, store, account)


@router.get(
    "/v3/languages",
    summary="Languages by resource (DeepL API v3): translate_text or glossary",
    responses={200: {"description": "[{lang, name, usable_as_source, usable_as_target, status, features}]"}, **ERRORS},
)
async def languages_v3(request: Request) -> list[dict[str, Any]]:
    """Indonesian as a source, English as a target, for text and for glossaries alike (as Weblate reads it)."""
    resource = request.query_params.get("resource") or "translate_text"
    if resource not in RESOURCES:
        raise _bad(f"Value for 'resource' not supported: {', '.join(RESOURCES)} are served.")
    features = {"glossary": {"status": "stable"}} if resource == "glossary" else {}
    return [{**language, "status": "stable", "features": features} for language in LANGUAGES]


class GlossaryIn(BaseModel):
    name: str = Field(description="its name (at most 1024 UTF-8 bytes)")
    entries: dict[str, str] | str = Field(
        description='{"source": "target", ...} (a do-not-translate entry: the source as its target), or TSV/CSV text'
    )
    entries_format: str = Field("tsv", description="tsv or csv, when entries is text")


class GlossaryOut(BaseModel):
    id: str = Field(description="the glossary's id (DeepL's glossary_id: one ID space)")
    name: str = Field(description="its name")
    entry_count: int = Field(description="its entries")
    creation_time: str = Field(description="ISO 8601 with milliseconds and Z")


class GlossaryList(BaseModel):
    glossaries: list[GlossaryOut] = Field(description="the key's glossaries, oldest first")


class GlossaryEntries(BaseModel):
    entries: dict[str, str] = Field(description="source → target, in the glossary's order")


def _ours(info: GlossaryInfo) -> dict[str, Any]:
    return {"id": info.id, "name": info.name, "entry_count": info.entry_count, "creation_time": info.creation_time}


def _entries_in(body: GlossaryIn) -> list[Entry]:
    if isinstance(body.entries, dict):
        return checked(read_pairs(body.entries.items()))
    return checked(read(body.entries, body.entries_format))


def _our_name(name: str) -> str:
    if (problem := term_problem(name, "name")) is not None:
        raise ApiError(422, "invalid_request", f"name: {problem}", field="name")
    return name


@ours.post(
    "/v1/glossaries",
    status_code=201,
    response_model=GlossaryOut,
    summary="Create a glossary",
    responses=GLOSSARY_RESPONSES,
)
def create(body: GlossaryIn, store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    """Use it by id: `glossary` on /v1/translate, /v1/documents and /translate, `glossary_id` on DeepL's."""
    return _ours(store.create(account.id, _our_name(body.name), "v1", _entries_in(body)))


@ours.get("/v1/glossaries", response_model=GlossaryList, summary="List glossaries", responses=GLOSSARY_RESPONSES)
def list_ours(store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    return {"glossaries": [_ours(info) for info in store.owned(account.id)]}


@ours.get(
    "/v1/glossaries/{glossary_id}", response_model=GlossaryOut, summary="A glossary", responses=GLOSSARY_RESPONSES
)
def get(glossary_id: str, store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    return _ours(_found(store.get(account.id, glossary_id), glossary_id))


@ours.get(
    "/v1/glossaries/{glossary_id}/entries",
    response_model=GlossaryEntries,
    summary="A glossary's entries",
    responses=GLOSSARY_RESPONSES,
)
def entries(glossary_id: str, store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    found = store.entries(account.id, glossary_id)
    if found is None:
        raise GlossaryNotFound(glossary_id)
    return {"entries": {entry.source: entry.target for entry in found}}


@ours.put(
    "/v1/glossaries/{glossary_id}",
    response_model=GlossaryOut,
    summary="Replace a glossary's name and entries",
    responses=GLOSSARY_RESPONSES,
)
def replace(glossary_id: str, body: GlossaryIn, store: GlossariesDep, account: AccountDep) -> dict[str, Any]:
    name, found = _our_name(body.name), _entries_in(body)
    _found(store.replace(account.id, glossary_id, found), glossary_id)
    return _ours(_found(store.rename(account.id, glossary_id, name), glossary_id))


@ours.delete("/v1/glossaries/{glossary_id}", status_code=204, summary="Delete a glossary", responses=GLOSSARY_RESPONSES)
def delete(glossary_id: str, store: GlossariesDep, account: AccountDep) -> Response:
    if not store.delete(account.id, glossary_id):
        raise GlossaryNotFound(glossary_id)
    return Response(status_code=204)
