"""create_app(settings): the FastAPI application. Its lifespan owns the process's one Translator and the
batcher that feeds it (the service), the usage counts, the glossaries and the document jobs with their runner
(all in the store: SQLite under TRANSLATOR_DATA_DIR, or the PostgreSQL of TRANSLATOR_DATABASE_URL), and the article
fetcher; routes reach them as dependencies (api/deps.py).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api import errors
from api.articles import Fetcher
from api.batcher import Batcher, model_band
from api.body import BodyGuard
from api.jobs import Job, Jobs, Runner
from api.metrics import Metrics, MetricsMiddleware
from api.routes import (
    articles,
    deepl,
    docs,
    documents,
    glossaries,
    health,
    libretranslate,
    models,
    reader,
    reviewed,
    translate,
)
from api.routes import usage as usage_routes
from api.service import Service
from api.store import stored, submitted
from api.usage import Account, RateLimit, Usage
from translator import Translator, __version__
from translator.errors import ConfigError
from translator.glossary.store import GlossaryStore
from translator.reviewed import ReviewedStore
from translator.settings import KeyLimits, Settings, load_settings
from translator.store import layout, open_database
from translator.store.database import StoreError
from translator.writers import page

log = logging.getLogger("api")
UPLOAD_OVERHEAD = 64 * 1024  # an upload's body: the file and its form fields


def create_app(
    settings: Settings | None = None,
    translator: Translator | None = None,
    jobs: Jobs | None = None,
    usage: Usage | None = None,
) -> FastAPI:
    """The application; its lifespan loads the model unless `translator` is given already loaded, and opens
    the document jobs (which hold the data folder) and the usage counts unless they are given already open
    (then it closes them)."""
    settings = settings or load_settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = translator
        if loaded is None:
            log.info("loading %s with backend %s", settings.model, settings.backend)
            loaded = await run_in_threadpool(Translator.from_config, settings.translator_config())
        store = jobs or open_jobs(settings)
        app.state.reviewed = corrections = open_reviewed(settings, store)
        await run_in_threadpool(corrections.suggestions, [])  # read and index it now, not in a first request
        given = loaded.reviewed
        loaded.reviewed = corrections  # read first by every translating route (Translator.prepare)
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
        app.state.service = service = Service(loaded, batcher, settings, corrections)
        app.state.usage = counts = usage or open_usage(settings, store)
        app.state.glossaries = terms = open_glossaries(settings, store)
        app.state.rate_limit = RateLimit(store.db if store.shared else None)  # shared by the replicas on PostgreSQL
        app.state.fetcher = Fetcher(settings)
        app.state.runner = runner = Runner(
            store,
            lambda job, data: translate_job(service, store, job, data),
            settings.document_workers,
            # a failed or expired job's characters given back, off the event loop on PostgreSQL (api/store.py)
            on_error=lambda job: submitted(counts.db, counts.refund, job.account, job.month, job.characters),
        )
        runner.start()
        try:
            yield
        finally:
            await runner.stop()
            await batcher.stop()
            loaded.reviewed = given
            store.close()
            counts.close()
            terms.close()
            corrections.close()

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
    app.state.api_keys = keys = settings.keys()
    _check_writers(settings.reviewed_writer_ids(), keys)
    app.state.metrics = metrics
    routers = [
        *(m.router for m in (health, translate, documents, articles, usage_routes, models, libretranslate, deepl)),
        *(reader.router, docs.router, health.metrics_router, libretranslate.public, glossaries.router, glossaries.ours),
        reviewed.router,
    ]
    for router in routers:
        app.include_router(router)
    errors.install(app, routers)
    app.mount("/static", StaticFiles(directory=Path(__file__).resolve().parent / "static"), name="static")
    app.mount("/assets", StaticFiles(directory=page.ASSETS), name="assets")
    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.ASSETS_DIR), name="docs-assets")
    upload = (settings.max_document_bytes + UPLOAD_OVERHEAD, "TRANSLATOR_MAX_DOCUMENT_BYTES")
    terms_body = {prefix: (glossaries.GLOSSARY_BODY_BYTES, "GLOSSARY_BODY_BYTES") for prefix in glossaries.PREFIXES}
    uploads = {
        "/v2/document": upload,
        "/translate_file": upload,
        "/v1/reviewed/import": (settings.max_import_bytes + UPLOAD_OVERHEAD, "TRANSLATOR_MAX_IMPORT_BYTES"),
    }
    app.add_middleware(
        BodyGuard,
        max_bytes=settings.max_body_bytes,
        uploads=uploads,
        folders=terms_body,
        timeout_s=settings.client_timeout_s,
    )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def open_jobs(settings: Settings) -> Jobs:
    """The document jobs: in the PostgreSQL of TRANSLATOR_DATABASE_URL (connected and migrated here, closed
    with them: a ConfigError naming its host when it cannot be reached), else under TRANSLATOR_DATA_DIR (a
    ConfigError naming the folder and the holder's pid when another server holds it, or naming the variable
    when the folder cannot be made or written)."""
    ttl_s = settings.document_ttl_h * 3600
    if (url := settings.database()) is not None:
        return Jobs(open_database(url, settings.database_pool), ttl_s, settings.document_lease_s)
    with _data_dir(settings):
        return Jobs(layout.jobs_folder(settings.data_dir), ttl_s, settings.document_lease_s)


def open_usage(settings: Settings, jobs: Jobs) -> Usage:
    """The usage counts: in the jobs' PostgreSQL when there is one (closed by whichever closes first), else in
    TRANSLATOR_DATA_DIR's own file (a ConfigError naming the variable when it cannot be opened, or naming the
    file when its schema is newer than this code)."""
    if settings.database():
        return Usage(jobs.db)
    with _data_dir(settings):
        return Usage(layout.usage_file(settings.data_dir))


async def translate_job(service: Service, jobs: Jobs, job: Job, data: bytes) -> bytes:
    """A document job's file translated with the glossary entries and markup options it was uploaded with (read
    off the event loop on PostgreSQL); its flags (markup_moved) kept as a job file beside the result."""
    glossary = await stored(jobs.db, jobs.glossary, job)
    tags = await stored(jobs.db, jobs.tags, job)
    built = await service.translate_file(job.filename, data, glossary, tags)
    await jobs.flag(job, built.flags)
    return built.data


def open_glossaries(settings: Settings, jobs: Jobs) -> GlossaryStore:
    """The glossaries: in the jobs' PostgreSQL when there is one, else in TRANSLATOR_DATA_DIR's own file."""
    if settings.database():
        return GlossaryStore(jobs.db)
    with _data_dir(settings):
        return GlossaryStore(layout.glossaries_file(settings.data_dir))


def open_reviewed(settings: Settings, jobs: Jobs) -> ReviewedStore:
    """The reviewed translations: in the jobs' PostgreSQL when there is one (closed by whichever closes first),
    else in TRANSLATOR_DATA_DIR's own file."""
    if settings.database():
        return ReviewedStore(jobs.db)
    with _data_dir(settings):
        return ReviewedStore(layout.reviewed_file(settings.data_dir))


@contextmanager
def _data_dir(settings: Settings) -> Iterator[None]:
    """A data folder's file that cannot be made or opened as a ConfigError naming TRANSLATOR_DATA_DIR."""
    try:
        yield
    except (OSError, StoreError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot use TRANSLATOR_DATA_DIR {settings.data_dir}: {reason}") from exc


def _check_writers(writers: frozenset[str] | None, keys: Mapping[str, KeyLimits]) -> None:
    """TRANSLATOR_REVIEWED_WRITERS names ids of the keys there are: a ConfigError otherwise (at start, not a 403
    for everyone later, nor a list that silently lets anyone write)."""
    if writers is None:
        return
    if not keys:
        raise ConfigError(
            "TRANSLATOR_REVIEWED_WRITERS lists key ids, but no keys are set (TRANSLATOR_KEYS_FILE): without keys "
            "anyone may write reviewed translations"
        )
    unknown = sorted(writers - {Account.of(key).id for key in keys})
    if unknown:
        raise ConfigError(
            f"TRANSLATOR_REVIEWED_WRITERS: {', '.join(unknown)} is not the id of any key (ids look like key-…, as "
            "GET /v1/usage shows each key its own; never the key itself)"
        )
