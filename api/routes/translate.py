"""POST /v1/translate: N texts in, N English texts out, in order."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api import tagging
from api.auth import require_key
from api.deps import AccountDep, GlossariesDep, ServiceDep, UsageDep
from api.glossaries import lookup
from api.inputs import CheckedRoute
from api.schemas import GLOSSARY_RESPONSES, Provenance, TranslateRequest, TranslateResponse

router = APIRouter(dependencies=[Depends(require_key)], tags=["translate"], route_class=CheckedRoute)


@router.post(
    "/v1/translate",
    response_model=TranslateResponse,
    response_model_exclude_none=True,
    summary="Translate texts",
    responses=GLOSSARY_RESPONSES,
)
async def translate(
    body: TranslateRequest, service: ServiceDep, usage: UsageDep, account: AccountDep, glossaries: GlossariesDep
) -> TranslateResponse:
    """Each text may be a whole article; its paragraph breaks are kept. Empty texts translate to empty texts.
    With format html or xml, each text is markup: its sentences translated whole, inline tags placed back."""
    service.check(body.texts)
    glossary = await lookup(glossaries, account, body.ids(), body.terms)
    decode = service.decode(body.options.beam_size)
    flags = None
    async with usage.spending(account, sum(len(text) for text in body.texts)):
        if (options := tagging.of_format(body.format)) is not None:
            translations, flags = await service.translate_markup(body.texts, options, decode, glossary)
        else:
            translations = await service.translate_texts(body.texts, decode, glossary)
    provenance = Provenance(**service.translator.provenance(decode).to_dict())
    return TranslateResponse(translations=translations, provenance=provenance, flags=flags)
