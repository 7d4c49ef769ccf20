"""POST /v1/documents: aligned documents, whole or streamed paragraph by paragraph as NDJSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from api.auth import require_key
from api.errors import ApiError
from api.inputs import CheckedRoute
from api.schemas import ERROR_RESPONSES, DocumentsRequest, DocumentsResponse
from api.service import Service
from api.usage import spending

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
async def documents(body: DocumentsRequest, request: Request) -> Any:
    service: Service = request.app.state.service
    if problem := service.limit_problem([d.text for d in body.documents], noun="document"):
        raise ApiError(413, "too_large", problem[1], limit=problem[0])
    decode = service.decode(body.options.beam_size)
    pairs = [(d.id, d.text) for d in body.documents]
    with spending(request, sum(len(text) for _, text in pairs)):  # a stream's, once it is admitted
        if body.stream:
            return StreamingResponse(await service.start_stream(pairs, decode), media_type="application/x-ndjson")
        docs = await service.translate_documents(pairs, decode)
    return {"documents": [doc.to_dict() for doc in docs]}
