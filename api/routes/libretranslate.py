"""LibreTranslate-compatible endpoints, so that existing clients (Mastodon, Weblate, SubtitleEdit,
libretranslatepy, deep-translator) work unchanged: POST /translate, GET|POST /languages, POST /detect.

Parameters come as JSON, a form or the query string, as LibreTranslate accepts them; errors are
`{"error": "..."}` with LibreTranslate's statuses (400 for a bad request, limits included).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from api.auth import require_key
from api.errors import ApiError
from api.service import Service
from translator import markup
from translator.language import detect as detect_language

router = APIRouter(dependencies=[Depends(require_key)], tags=["libretranslate"])

LANGUAGES = [
    {"code": "id", "name": "Indonesian", "targets": ["en"]},
    {"code": "en", "name": "English", "targets": []},
]


def _bad(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json") and await request.body():
        try:
            body = await request.json()
        except ValueError as exc:
            raise _bad("Invalid request: the body is not valid JSON") from exc
        if not isinstance(body, dict):
            raise _bad("Invalid request: the JSON body must be an object")
        params.update(body)
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        for key in form:
            values = [v for v in form.getlist(key) if isinstance(v, str)]
            params[key] = values if key == "q" and len(values) > 1 else values[0] if values else ""
    return params


def _confidence(text: str) -> dict[str, Any]:
    guess = detect_language(text)
    return {"confidence": round(guess.confidence * 100, 1), "language": guess.language}


@router.post("/translate", summary="Translate (LibreTranslate API)")
async def translate(request: Request) -> dict[str, Any]:
    service: Service = request.app.state.service
    params = await _params(request)
    for name in ("q", "source", "target"):
        if params.get(name) in (None, "", []):
            raise _bad(f"Invalid request: missing {name} parameter")
    q, source, target = params["q"], params["source"], params["target"]
    text_format = params.get("format") or "text"
    if source not in ("id", "auto"):
        raise _bad(f"{source} is not supported: this server translates Indonesian (id)")
    if target != "en":
        raise _bad(f"{target} is not supported: this server translates into English (en)")
    if text_format not in ("text", "html"):
        raise _bad(f"{text_format} format is not supported")
    batch = isinstance(q, list)
    texts = q if batch else [q]
    if not all(isinstance(t, str) for t in texts):
        raise _bad("Invalid request: q must be a string or a list of strings")
    if problem := service.limit_problem(texts):
        raise _bad(f"Invalid request: {problem[1]}")
    decode = service.decode(None)
    if text_format == "html":
        fragments = [markup.parse(t) for t in texts]
        nodes = [source_text for f in fragments for source_text in f.sources()]
        translated = iter(await service.translate_texts(nodes, decode))
        results = [f.render([next(translated) for _ in f.texts]) for f in fragments]
    else:
        results = await service.translate_texts(texts, decode)
    response: dict[str, Any] = {"translatedText": results if batch else results[0]}
    if source == "auto":
        detected = [_confidence(t) for t in texts]
        response["detectedLanguage"] = detected if batch else detected[0]
    return response


@router.api_route("/languages", methods=["GET", "POST"], summary="Languages (LibreTranslate API)")
async def languages() -> list[dict[str, Any]]:
    return LANGUAGES


@router.post("/detect", summary="Detect Indonesian (LibreTranslate API)")
async def detect(request: Request) -> list[dict[str, Any]]:
    """Indonesian or English, with the share of the function-word evidence (in %) as the confidence."""
    params = await _params(request)
    q = params.get("q")
    if q in (None, "", []):
        raise _bad("Invalid request: missing q parameter")
    text = " ".join(q) if isinstance(q, list) else str(q)
    best = _confidence(text)
    other = {"confidence": round(100 - best["confidence"], 1), "language": "en" if best["language"] == "id" else "id"}
    return [best, other]
