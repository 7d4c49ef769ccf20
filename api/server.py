"""`translator serve`: settings validated and the model loaded before the port opens, then uvicorn.

Loading first turns a bad setting, a data folder another server holds or a missing model into one line and
exit 1 (the CLI's mapping) instead of a lifespan traceback, and the port only opens once the service can
answer.
"""

from __future__ import annotations

import uvicorn

from api.app import create_app, open_jobs
from api.edge import h11_with_header_deadline
from api.logs import log_config
from api.settings import load_settings
from translator import Translator


def serve(host: str, port: int) -> None:
    settings = load_settings()
    translator = Translator.from_config(settings.translator_config())
    jobs = open_jobs(settings)  # held from now on (the lifespan closes them)
    uvicorn.run(
        create_app(settings, translator, jobs),
        host=host,
        port=port,
        http=h11_with_header_deadline(settings.client_timeout_s),
        limit_concurrency=settings.max_connections,
        timeout_graceful_shutdown=settings.shutdown_grace_s,
        log_config=log_config(),
    )
