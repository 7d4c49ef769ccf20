"""POST /v1/documents: aligned documents, whole or streamed paragraph by paragraph as NDJSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from api.auth import require_key
from api.deps import AccountDep, ServiceDep, UsageDep
from api.inputs import CheckedRoute
from api.schemas import ERROR_RESPONSES, DocumentsRequest, DocumentsResponse

router = APIRouter(dependencies=[Depends(require_key)], tags=["translate"], route_class=CheckedRoute)


@router.post(
    "/v1/documents",
    response_model=DocumentsResponse,
    summary="Translate documents into aligned sentence pairs",
    responses={
        200: {"content": {"application/x-ndjson": {}}, "description": "with stream: NDJSON lines"},
        **ERROR_RESPONSES,
    },
)
async def documents(body: DocumentsRequest, service: ServiceDep, usage: UsageDep, account: AccountDep) -> Any:
    service.check([d.text for d in body.documents], noun="document")
    decode = service.decode(body.options.beam_size)
    pairs = [(d.id, d.text) for d in body.documents]
    with usage.spending(account, sum(len(text) for _, text in pairs)):  # a stream's, once it is admitted
        if body.stream:
            return await service.start_stream(pairs, decode)
        docs = await service.translate_documents(pairs, decode)
    shaped = [doc.to_dict() for doc in docs]
    for doc, form in zip(docs, shaped, strict=True):
        form["paragraphs"] = await run_in_threadpool(service.suggested, doc.paragraphs)
    return {"documents": shaped}
