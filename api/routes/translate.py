"""POST /v1/translate: N texts in, N English texts out, in order."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.errors import LimitExceeded
from api.schemas import Provenance, TranslateRequest, TranslateResponse
from api.settings import Settings
from translator import DecodeOptions, Translator

router = APIRouter()


@router.post("/v1/translate", response_model=TranslateResponse, summary="Translate texts")
async def translate(body: TranslateRequest, request: Request) -> TranslateResponse:
    settings: Settings = request.app.state.settings
    translator: Translator = request.app.state.translator
    if len(body.texts) > settings.max_texts:
        raise LimitExceeded(f"{len(body.texts)} texts is over the limit of {settings.max_texts} per request")
    chars = sum(len(t) for t in body.texts)
    if chars > settings.max_chars:
        raise LimitExceeded(f"{chars} characters is over the limit of {settings.max_chars} per request")
    decode = DecodeOptions(beam_size=body.options.beam_size or settings.beam)
    async with request.app.state.model_slot:  # one model call at a time, off the event loop
        translations = await run_in_threadpool(translator.translate, body.texts, decode)
    return TranslateResponse(
        translations=translations, provenance=Provenance(**translator.provenance(decode).to_dict())
    )
