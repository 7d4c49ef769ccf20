"""Reviewed translations over HTTP: PUT /v1/reviewed saves a person's English for a source sentence (the
field names of the aligned output: source, target), DELETE /v1/reviewed gives the sentence back to the
machine. Every key reads the store (through every translating route); who may write it is a setting
(TRANSLATOR_REVIEWED_WRITERS: every key by default; without keys, anyone)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from api import deps
from api.auth import require_key
from api.deps import AccountDep, ReviewedDep
from api.errors import ApiError
from api.inputs import CheckedRoute
from api.schemas import ERROR_RESPONSES
from translator.memory import normalise

router = APIRouter(dependencies=[Depends(require_key)], tags=["reviewed"], route_class=CheckedRoute)
Via = Literal["api", "reader"]


def _sentence(value: str) -> str:
    if not normalise(value):
        raise ValueError("must hold more than white space")
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
