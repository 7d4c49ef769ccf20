"""POST /v1/documents: aligned documents, whole or streamed paragraph by paragraph as NDJSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api import tagging
from api.auth import require_key
from api.deps import AccountDep, ServiceDep, UsageDep
from api.errors import ApiError
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
    options = tagging.of_format(body.format)
    if options is not None and body.stream:
        raise ApiError(400, "bad_request", f"stream is for text: {body.format} documents are answered whole")
    with usage.spending(account, sum(len(text) for _, text in pairs)):  # a stream's, once it is admitted
        if options is not None:
            docs = await service.translate_markup_documents(pairs, options, decode)
        elif body.stream:
            return await service.start_stream(pairs, decode)
        else:
            docs = await service.translate_documents(pairs, decode)
    return {"documents": [doc.to_dict() for doc in docs]}
