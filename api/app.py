"""create_app(settings): the FastAPI application. Its lifespan owns the process's one Translator and the
batcher that feeds it; routes reach both through app.state.service.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api import errors
from api.batcher import Batcher, model_band
from api.body import BodyGuard
from api.metrics import Metrics, MetricsMiddleware
from api.routes import deepl, docs, documents, health, libretranslate, models, reader, translate
from api.service import Service
from api.settings import Settings, load_settings
from translator import Translator, __version__
from translator.formats import page

log = logging.getLogger("api")


def create_app(settings: Settings | None = None, translator: Translator | None = None) -> FastAPI:
    """The application; its lifespan loads the model unless `translator` is given already loaded."""
    settings = settings or load_settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = translator
        if loaded is None:
            log.info("loading %s with backend %s", settings.model, settings.backend)
            loaded = await run_in_threadpool(Translator.from_config, settings.translator_config())
        express = await run_in_threadpool(loaded.beside) if settings.express_tokens else None
        batcher = Batcher(
            loaded.prepare,
            loaded.decode,
            model_band(loaded),
            queue_tokens=settings.queue_tokens,
            batch_tokens=settings.batch_tokens,
            request_tokens=settings.request_tokens,
            wait_s=settings.batch_wait_ms / 1000,
            express=express.decode if express else None,
            express_tokens=settings.express_tokens,
            remember=loaded.remember,
            on_batch=metrics.observe_batch,
            on_cancel=metrics.cancelled_pieces.inc,
        )
        batcher.start()
        app.state.service = Service(loaded, batcher, settings)
        try:
            yield
        finally:
            await batcher.stop()

    app = FastAPI(
        title="Indonesian→English translator",
        version=__version__,
        summary="Aligned Indonesian→English translation with MarianMT, plus LibreTranslate and DeepL dialects",
        lifespan=lifespan,
        openapi_url=None,  # api/routes/docs.py serves it and both pages (without a CDN), behind the key
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.api_keys = settings.keys()
    app.state.metrics = metrics
    errors.install(app)
    for module in (health, translate, documents, models, libretranslate, deepl, reader, docs):
        app.include_router(module.router)
    app.include_router(health.metrics_router)
    app.mount("/static", StaticFiles(directory=Path(__file__).resolve().parent / "static"), name="static")
    app.mount("/assets", StaticFiles(directory=page.ASSETS), name="assets")
    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.ASSETS_DIR), name="docs-assets")
    app.add_middleware(BodyGuard, max_bytes=settings.max_body_bytes, timeout_s=settings.client_timeout_s)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app
