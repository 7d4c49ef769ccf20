"""/openapi.json, /docs (Swagger UI) and /redoc, behind the API key like every route but the health checks.

The pages' scripts are served from the fastapi-offline package, not a CDN, so they work on a machine without
internet. The pages fetch /openapi.json from the browser, so a key given to a page as `?api_key=` is passed on.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.auth import require_key
from api.inputs import CheckedRoute

ASSETS_URL = "/docs-assets"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
router = APIRouter(dependencies=[Depends(require_key)], include_in_schema=False, route_class=CheckedRoute)


def _schema_url(request: Request) -> str:
    key = request.query_params.get("api_key")
    return "/openapi.json" + (f"?api_key={urllib.parse.quote(key, safe='')}" if key else "")


@router.get("/openapi.json")
async def openapi(request: Request) -> dict[str, Any]:
    return request.app.openapi()  # type: ignore[no-any-return]


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=_schema_url(request),
        title=f"{request.app.title} — Swagger UI",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
    )


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        openapi_url=_schema_url(request),
        title=f"{request.app.title} — ReDoc",
        redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    )
