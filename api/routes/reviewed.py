"""Reviewed translations over HTTP: PUT /v1/reviewed saves a person's English for a source sentence (the
field names of the aligned output: source, target), DELETE /v1/reviewed gives the sentence back to the
machine. Every key reads the store (through every translating route); who may write it is a setting
(TRANSLATOR_REVIEWED_WRITERS: every key by default; without keys, anyone)."""

from __future__ import annotations

import io
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import UploadFile

from api import deps
from api.auth import require_key
from api.deps import AccountDep, ReviewedDep, SettingsDep
from api.errors import ApiError
from api.inputs import CheckedRoute
from api.schemas import ERROR_RESPONSES
from translator import exchange, xmlchars
from translator.memory import normalise

router = APIRouter(dependencies=[Depends(require_key)], tags=["reviewed"], route_class=CheckedRoute)
Via = Literal["api", "reader"]


def _sentence(value: str) -> str:
    if not normalise(value):
        raise ValueError("must hold more than white space")
    if (char := xmlchars.unfit(value)) is not None:
        raise ValueError(f"holds a control character ({char}) that the store and TMX cannot hold")
    return value


class ReviewedIn(BaseModel):
    source: str = Field(description="the source sentence, as the aligned output's `source` gives it")
    target: str = Field(description="its reviewed English")
    via: Via = Field("api", description="where the correction was made: api, or the reader page")

    _checked = field_validator("source", "target")(_sentence)


class ReviewedOut(BaseModel):
    source: str = Field(description="the source sentence as the store keys it (NFC, white space folded)")
    target: str | None = Field(description="its reviewed English now; null: none (the machine's English)")
    old: str | None = Field(description="the reviewed English it had before; null: none")
    who: str = Field(description="the key id that wrote it (never the key); anonymous without keys")
    at: float | None = Field(description="when, in seconds since 1970 (UTC); null when nothing changed")


class ForgetIn(BaseModel):
    source: str = Field(description="the source sentence whose reviewed English to forget")
    via: Via = Field("api", description="where the change was made: api, or the reader page")

    _checked = field_validator("source")(_sentence)


def may_write(request: Request) -> None:
    """403 for a key that TRANSLATOR_REVIEWED_WRITERS does not list (every key may, when it is empty)."""
    writers = deps.settings(request).reviewed_writer_ids()
    if deps.keys(request) and writers is not None and deps.account(request).id not in writers:
        raise ApiError(
            403, "not_a_reviewer", "this key may not write reviewed translations (TRANSLATOR_REVIEWED_WRITERS)"
        )


@router.put(
    "/v1/reviewed",
    response_model=ReviewedOut,
    summary="Save a reviewed translation of a sentence",
    dependencies=[Depends(may_write)],
    responses=ERROR_RESPONSES,
)
async def put(body: ReviewedIn, reviewed: ReviewedDep, account: AccountDep) -> ReviewedOut:
    """The last write wins; the history keeps every one (who, when, old and new English)."""
    change = await run_in_threadpool(reviewed.put, body.source, body.target, account.id, body.via)
    if change is None:
        return ReviewedOut(source=normalise(body.source), target=body.target, old=body.target, who=account.id, at=None)
    return ReviewedOut(source=change.source, target=change.new, old=change.old, who=change.who, at=change.at)


@router.delete(
    "/v1/reviewed",
    response_model=ReviewedOut,
    summary="Forget a sentence's reviewed translation (the machine's English comes back)",
    dependencies=[Depends(may_write)],
    responses=ERROR_RESPONSES,
)
async def delete(body: ForgetIn, reviewed: ReviewedDep, account: AccountDep) -> ReviewedOut:
    change = await run_in_threadpool(reviewed.delete, body.source, account.id, body.via)
    if change is None:
        return ReviewedOut(source=normalise(body.source), target=None, old=None, who=account.id, at=None)
    return ReviewedOut(source=change.source, target=None, old=change.old, who=change.who, at=change.at)


UPLOAD_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "TMX 1.4, XLIFF 2 or TSV"}},
}


@router.post(
    "/v1/reviewed/import",
    summary="Import reviewed translations: TMX 1.4, XLIFF 2 (reviewed or final targets) or TSV, all or nothing",
    dependencies=[Depends(may_write)],
    openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": UPLOAD_FORM}}}},
    responses=ERROR_RESPONSES,
)
async def import_file(
    request: Request, reviewed: ReviewedDep, account: AccountDep, settings: SettingsDep
) -> dict[str, object]:
    """Counts of added, updated and skipped entries (with reasons); a file that cannot be read is a 400 naming
    the problem, and nothing of it is imported."""
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(422, "file_required", "send the file as a multipart form field named file")
    name = upload.filename or "upload"
    if (refused := exchange.too_large(name, upload.size or 0, settings.max_import_bytes)) is not None:
        raise ApiError(413, "too_large", str(refused), limit="max_import_bytes")
    data = await upload.read()
    done = await run_in_threadpool(exchange.import_file, reviewed, name, data, account.id, settings.max_import_bytes)
    return done.to_dict()


@router.get(
    "/v1/reviewed/export",
    summary="Every reviewed translation as TMX 1.4",
    response_class=Response,
    responses={200: {"content": {"application/x-tmx+xml": {}}}, **ERROR_RESPONSES},
)
async def export(reviewed: ReviewedDep) -> Response:
    buffer = io.BytesIO()
    await run_in_threadpool(lambda: exchange.export_tmx(reviewed.entries(), buffer))
    headers = {"Content-Disposition": 'attachment; filename="reviewed.tmx"'}
    return Response(buffer.getvalue(), media_type="application/x-tmx+xml", headers=headers)


# -- Weblate's tmserver machinery (weblate/machinery/tmserver.py): our reviewed translations as its memory ------

TMSERVER_SOURCE, TMSERVER_TARGET = ("id", "in"), ("en",)


class _Text(Convertor[str]):
    """A path's rest, line breaks included (Starlette's `path` stops at one: a unit of two lines would be a 404)."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("text", _Text())


class TmUnit(BaseModel):
    source: str = Field(description="a reviewed entry's source sentence")
    target: str = Field(description="its reviewed English")
    quality: float = Field(description="how alike the sources are, 75-100 (rapidfuzz's ratio; 100: the same)")


@router.get("/tmserver/languages/", summary="Weblate tmserver: the language pair served", tags=["weblate"])
async def tmserver_languages() -> dict[str, list[str]]:
    return {"sourceLanguages": ["id"], "targetLanguages": ["en"]}


@router.get(
    "/tmserver/{source}/{target}/unit/{text:text}",
    response_model=list[TmUnit],
    summary="Weblate tmserver: reviewed translations of sentences like this one",
    tags=["weblate"],
    responses=ERROR_RESPONSES,
)
async def tmserver_unit(source: str, target: str, text: str, reviewed: ReviewedDep) -> list[TmUnit]:
    """Up to three entries 75% alike or more, best first (an exact match at 100); none for another language
    pair (Weblate's codes: lower case, `_` before a region)."""
    if source.lower().split("_")[0] not in TMSERVER_SOURCE or target.lower().split("_")[0] not in TMSERVER_TARGET:
        return []
    (found,) = await run_in_threadpool(reviewed.suggestions, [text])
    return [TmUnit(source=f.source, target=f.target, quality=f.score) for f in found]
