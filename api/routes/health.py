"""Liveness, readiness and metrics: /healthz and /readyz answer without a key, /metrics needs one."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from api import deps
from api.auth import require_key
from api.deps import LoadedDep, MetricsDep
from api.inputs import CheckedRoute

router = APIRouter(tags=["health"], route_class=CheckedRoute)
metrics_router = APIRouter(dependencies=[Depends(require_key)], tags=["health"], route_class=CheckedRoute)


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The model is loaded, the store's database answers and the queue is below its bound")
async def readyz(request: Request, service: LoadedDep) -> JSONResponse:
    if service is None:
        return JSONResponse({"status": "loading"}, status_code=503)
    if not await run_in_threadpool(deps.usage(request).db.reachable):  # (a statement may wait: not on the loop)
        return JSONResponse({"status": "store_unavailable"}, status_code=503)
    if service.batcher.full:
        return JSONResponse({"status": "busy", "queued_sentences": service.batcher.pending}, status_code=503)
    return JSONResponse({"status": "ready", "queued_sentences": service.batcher.pending})


@metrics_router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(service: LoadedDep, counted: MetricsDep) -> Response:
    if service is not None:
        counted.queue_depth.set(service.batcher.pending)
    return Response(counted.render(), media_type=CONTENT_TYPE_LATEST)
