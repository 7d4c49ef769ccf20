"""POST /v1/translate: N texts in, N English texts out, in order."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.auth import require_key
from api.deps import AccountDep, ServiceDep, UsageDep
from api.inputs import CheckedRoute
from api.schemas import ERROR_RESPONSES, Provenance, TranslateRequest, TranslateResponse

router = APIRouter(dependencies=[Depends(require_key)], tags=["translate"], route_class=CheckedRoute)


@router.post("/v1/translate", response_model=TranslateResponse, summary="Translate texts", responses=ERROR_RESPONSES)
async def translate(
    body: TranslateRequest, service: ServiceDep, usage: UsageDep, account: AccountDep
) -> TranslateResponse:
    """Each text may be a whole article; its paragraph breaks are kept. Empty texts translate to empty texts."""
    service.check(body.texts)
    decode = service.decode(body.options.beam_size)
    async with usage.spending(account, sum(len(text) for text in body.texts)):
        translations = await service.translate_texts(body.texts, decode)
    provenance = Provenance(**service.translator.provenance(decode).to_dict())
    return TranslateResponse(translations=translations, provenance=provenance)
