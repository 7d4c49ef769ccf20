"""What routes are given, as typed dependencies (`Annotated[..., Depends()]`, as the FastAPI project template
does): the service (and whether it is loaded yet), the metrics, the usage counts, the document jobs and their
runner, the reviewed translations, the article fetcher, the settings, the keys, and the account of a request
once admitted (api/auth.py). The one module that reads app.state, which api/app.py fills (the settings at
creation, the rest in its lifespan).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, cast

from fastapi import Depends, Request

from api.articles import Fetcher
from api.jobs import Jobs, Runner
from api.metrics import Metrics
from api.service import Service
from api.usage import Account, RateLimit, Usage
from translator.reviewed import ReviewedStore
from translator.settings import KeyLimits, Settings


def service(request: Request) -> Service:
    return cast(Service, request.app.state.service)


def loaded(request: Request) -> Service | None:
    """The service, or None while the lifespan is still loading the model."""
    return cast(Service | None, getattr(request.app.state, "service", None))


def metrics(request: Request) -> Metrics:
    return cast(Metrics, request.app.state.metrics)


def usage(request: Request) -> Usage:
    return cast(Usage, request.app.state.usage)


def runner(request: Request) -> Runner:
    return cast(Runner, request.app.state.runner)


def jobs(request: Request) -> Jobs:
    return runner(request).jobs


def reviewed(request: Request) -> ReviewedStore:
    return cast(ReviewedStore, request.app.state.reviewed)


def fetcher(request: Request) -> Fetcher:
    return cast(Fetcher, request.app.state.fetcher)


def settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def keys(request: Request) -> Mapping[str, KeyLimits]:
    return cast(Mapping[str, KeyLimits], request.app.state.api_keys)


def rate_limit(request: Request) -> RateLimit:
    return cast(RateLimit, request.app.state.rate_limit)


def account(request: Request) -> Account:
    """Whose request this is: set when it was admitted (every router's dependency does that first)."""
    return cast(Account, request.state.account)


ServiceDep = Annotated[Service, Depends(service)]
LoadedDep = Annotated[Service | None, Depends(loaded)]
MetricsDep = Annotated[Metrics, Depends(metrics)]
UsageDep = Annotated[Usage, Depends(usage)]
RunnerDep = Annotated[Runner, Depends(runner)]
JobsDep = Annotated[Jobs, Depends(jobs)]
ReviewedDep = Annotated[ReviewedStore, Depends(reviewed)]
FetcherDep = Annotated[Fetcher, Depends(fetcher)]
SettingsDep = Annotated[Settings, Depends(settings)]
AccountDep = Annotated[Account, Depends(account)]
KeysDep = Annotated[Mapping[str, KeyLimits], Depends(keys)]
