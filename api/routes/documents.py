"""POST /v1/documents: aligned documents, whole or streamed paragraph by paragraph as NDJSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from api import tagging
from api.auth import require_key
from api.deps import AccountDep, GlossariesDep, ServiceDep, UsageDep
from api.errors import ApiError
from api.glossaries import lookup
from api.inputs import CheckedRoute
from api.schemas import GLOSSARY_RESPONSES, DocumentsRequest, DocumentsResponse

router = APIRouter(dependencies=[Depends(require_key)], tags=["translate"], route_class=CheckedRoute)


@router.post(
    "/v1/documents",
    response_model=DocumentsResponse,
    summary="Translate documents into aligned sentence pairs",
    responses={
        200: {"content": {"application/x-ndjson": {}}, "description": "with stream: NDJSON lines"},
        **GLOSSARY_RESPONSES,
    },
)
async def documents(
    body: DocumentsRequest, service: ServiceDep, usage: UsageDep, account: AccountDep, glossaries: GlossariesDep
) -> Any:
    service.check([d.text for d in body.documents], noun="document")
    glossary = await lookup(glossaries, account, body.ids(), body.terms)
    decode = service.decode(body.options.beam_size)
    pairs = [(d.id, d.text) for d in body.documents]
    options = tagging.of_format(body.format)
    if options is not None and body.stream:
        raise ApiError(400, "bad_request", f"stream is for text: {body.format} documents are answered whole")
    async with usage.spending(account, sum(len(text) for _, text in pairs)):  # a stream's, once it is admitted
        if options is not None:
            docs = await service.translate_markup_documents(pairs, options, decode, glossary)
        elif body.stream:
            return await service.start_stream(pairs, decode, glossary)
        else:
            docs = await service.translate_documents(pairs, decode, glossary)
    shaped = [doc.to_dict() for doc in docs]
    for doc, form in zip(docs, shaped, strict=True):
        form["paragraphs"] = await run_in_threadpool(service.suggested, doc.paragraphs)
    return {"documents": shaped}
