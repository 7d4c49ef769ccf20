"""POST /v1/translate: N texts in, N English texts out, in order."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from api.auth import require_key
from api.errors import ApiError
from api.inputs import CheckedRoute
from api.schemas import ERROR_RESPONSES, Provenance, TranslateRequest, TranslateResponse
from api.service import Service
from api.usage import spending

router = APIRouter(dependencies=[Depends(require_key)], tags=["translate"], route_class=CheckedRoute)


@router.post("/v1/translate", response_model=TranslateResponse, summary="Translate texts", responses=ERROR_RESPONSES)
async def translate(body: TranslateRequest, request: Request) -> TranslateResponse:
    """Each text may be a whole article; its paragraph breaks are kept. Empty texts translate to empty texts."""
    service: Service = request.app.state.service
    if problem := service.limit_problem(body.texts):
        raise ApiError(413, "too_large", problem[1], limit=problem[0])
    decode = service.decode(body.options.beam_size)
    with spending(request, sum(len(text) for text in body.texts)):
        translations = await service.translate_texts(body.texts, decode)
    provenance = Provenance(**service.translator.provenance(decode).to_dict())
    return TranslateResponse(translations=translations, provenance=provenance)
