"""create_app(settings): the FastAPI application; its lifespan owns the process's one Translator."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api import errors
from api.routes import health, translate
from api.settings import Settings, load_settings
from translator import Translator, __version__

log = logging.getLogger("api")


def create_app(settings: Settings | None = None, translator: Translator | None = None) -> FastAPI:
    """The application; its lifespan loads the model unless `translator` is given already loaded."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if translator is None:
            log.info("loading %s with backend %s", settings.model, settings.backend)
            app.state.translator = await run_in_threadpool(Translator.from_config, settings.translator_config())
        else:
            app.state.translator = translator
        app.state.model_slot = anyio.Lock()
        yield

    app = FastAPI(
        title="Indonesian→English translator",
        version=__version__,
        summary="Aligned Indonesian→English translation with MarianMT",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app)
    app.include_router(health.router)
    app.include_router(translate.router)
    return app
