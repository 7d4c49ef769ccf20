"""POST /v1/articles: a news page fetched by link (TRANSLATOR_FETCH_URLS=1), its title, date and text."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from api.auth import require_key
from api.deps import FetcherDep
from api.inputs import CheckedRoute
from api.schemas import ERROR_RESPONSES, ArticleRequest, ArticleResponse, ErrorResponse

router = APIRouter(dependencies=[Depends(require_key)], tags=["articles"], route_class=CheckedRoute)

_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    400: {"model": ErrorResponse, "description": "the body could not be decoded, or the link is not http(s)"},
    403: {
        "model": ErrorResponse,
        "description": "the API key is not valid, reading by link is off, or the link's address is not public",
    },
    413: {"model": ErrorResponse, "description": "the page is over TRANSLATOR_FETCH_MAX_BYTES"},
    503: {
        "model": ErrorResponse,
        "description": "TRANSLATOR_FETCH_CONCURRENCY links are being read already, or the queue is full: retry "
        "after Retry-After's seconds",
    },
    422: {
        "model": ErrorResponse,
        "description": "a field is missing, or the page could not be read (the message says why: no answer, "
        "a timeout, an error status, not HTML, no article text, too many redirects)",
    },
}


@router.post(
    "/v1/articles",
    response_model=ArticleResponse,
    summary="Fetch a news article by link: title, date and text, ready for /v1/documents",
    responses=_RESPONSES,
)
async def article(body: ArticleRequest, fetcher: FetcherDep) -> ArticleResponse:
    found = await fetcher.read(body.url)
    return ArticleResponse(url=found.url, title=found.title, date=found.date, text=found.text)
