"""GET /v1/models: the loaded model, its revision, engine and decode settings, and the flag meanings."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.auth import require_key
from api.deps import ServiceDep
from api.inputs import CheckedRoute
from api.schemas import ModelInfo, ModelsResponse
from translator import quality

router = APIRouter(dependencies=[Depends(require_key)], tags=["models"], route_class=CheckedRoute)


@router.get("/v1/models", response_model=ModelsResponse, summary="The model this server runs")
async def models(service: ServiceDep) -> ModelsResponse:
    translator = service.translator
    decode = service.decode(None)
    provenance = translator.provenance(decode)
    info = ModelInfo(
        model=provenance.model,
        revision=provenance.revision,
        backend=provenance.backend,
        device=translator.backend.device,
        beam_size=decode.beam_size,
        max_output_ratio=decode.max_output_ratio,
        output_slack=decode.output_slack,
        max_sentence_tokens=translator.config.max_sentence_tokens,
        segmenter=provenance.segmenter,
        version=provenance.version,
        flags=quality.MEANINGS,
    )
    return ModelsResponse(models=[info])
