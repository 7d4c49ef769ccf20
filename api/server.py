"""`translator serve`: the command the api package adds to translator's command line (the entry point `serve`
in the group translator.commands, pyproject.toml), so that translator/ needs nothing of api/.

Settings are validated, the data folder taken and the model loaded before the port opens, then uvicorn: a bad
setting, a data folder another server holds or a missing model is one line and exit 1 (the CLI's mapping)
instead of a lifespan traceback, and the port only opens once the service can answer. The service is imported
when the command runs, not when the command line lists its commands.
"""

from __future__ import annotations

import argparse

from translator.cli import Command


def serve(host: str, port: int) -> None:
    import uvicorn

    from api.app import create_app, open_jobs, open_usage
    from api.edge import h11_with_header_deadline
    from api.logs import log_config
    from translator import Translator
    from translator.settings import load_settings

    settings = load_settings()
    # the data folder, held from now on, and the usage counts (the lifespan closes them): fail before the model loads
    jobs = open_jobs(settings)
    usage = open_usage(settings, jobs)
    translator = Translator.from_config(settings.translator_config())
    uvicorn.run(
        create_app(settings, translator, jobs, usage),
        host=host,
        port=port,
        http=h11_with_header_deadline(settings.client_timeout_s),
        limit_concurrency=settings.max_connections,
        timeout_graceful_shutdown=settings.shutdown_grace_s,
        log_config=log_config(),
    )


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=_port, default=8000)


def _port(value: str) -> int:
    """A TCP port, checked with the options (bind() would refuse it only after the model loads, in a traceback)."""
    if not value.strip().isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port: 0 to 65535")
    return int(value)


command = Command(
    help="run the HTTP service (configured by TRANSLATOR_* variables)",
    arguments=_arguments,
    run=lambda args: serve(args.host, args.port),
)
