"""GET / and POST /: the reader. Paste, upload or open /?text=; the page is the document template
(translator/writers/templates) with a form. Without script the form posts and the page comes back whole;
reader.js posts the same form asking for NDJSON, and gets the document's frame, each paragraph as it is
translated and the summary, each rendered by the same template. Every error is a sentence on the page.

The empty page needs no key, so that a browser can show the key field; translating needs one (a header
from reader.js, the form's api_key field, or ?api_key=) when keys are set. With TRANSLATOR_FETCH_URLS=1 a
text that is one http(s) link is fetched (api/articles.py) and its article translated, its title, date and
address beside the view buttons. The file tab takes a document (.txt, .html, .docx, .srt, .xliff, within the
body limit): a job (api/jobs.py) makes the same file in English, linked on the page, and its texts are shown
side by side (counted once, by the job).

Beside each machine English the page offers reviewed translations of similar sentences (the reviewed
store's suggestions); reader.js edits a sentence's English through PUT/DELETE /v1/reviewed (api/routes/
reviewed.py), and POST /download writes the document shown, with its edits, as HTML, TMX or XLIFF.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api import jobs
from api.auth import admit, presented_key
from api.deps import account, fetcher, keys, runner, service, settings, usage
from api.errors import KNOWN, ApiError, describe, shut_down
from api.inputs import CheckedRoute
from api.service import NDJSON_TYPE, NDJSONResponse, OverLimit, ndjson_line
from translator import AlignedDocument, files
from translator.errors import ArchiveError
from translator.plan import document
from translator.rebuild import aligned
from translator.types import Paragraph
from translator.writers import SINGLE, page

router = APIRouter(tags=["reader"], route_class=CheckedRoute)
templates = Jinja2Templates(env=page.environment(Path(__file__).resolve().parents[1] / "templates"))
NDJSON = "application/x-ndjson"

# Nothing inline may run: even if escaping failed somewhere, injected script would not execute.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"
)


_LINK = re.compile(r"https?://\S+", re.IGNORECASE)
_LINK_CODES = frozenset({"url_invalid", "url_forbidden", "fetch_failed"})


OWN_WORDS = frozenset({"nothing_to_translate", "not_utf8"})  # the reader's own errors, already in its words


_PAGE_OR_LINE = {"text/html": {}, NDJSON: {"description": 'reader.js asked: `{"error": "..."}`'}}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}, NDJSON: {"description": "reader.js asked: the document as it is translated"}}},
    **{
        status: {"content": _PAGE_OR_LINE, "description": f"{what}: the page, saying so in plain words"}
        for status, what in [
            (400, "nothing to translate, a file that is not UTF-8, a form that cannot be read"),
            (401, "keys are set and none came"),
            (403, "the key is not one of the keys"),
            (408, "the form arrived too slowly"),
            (413, "the text or the body over a limit"),
            (429, "the key is over its requests a second or its characters a month"),
            (422, "the form holds what is not Unicode text"),
            (500, "the model failed"),
            (503, "the queue is full, or the model is not available"),
            (504, "past the deadline"),
        ]
    },
}


@router.get("/", response_class=HTMLResponse, summary="The reader", responses=_RESPONSES)
async def reader(request: Request, text: str = "") -> Response:
    if not text.strip():
        return _page(request, text)
    try:
        await admit(request, presented_key, "")
        return await _translated_page(request, text)
    except KNOWN as exc:
        return _page(request, text, _problem(request, exc))


_FORM = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "description": "Indonesian text"},
        "file": {"type": "string", "format": "binary", "description": "or a UTF-8 text file"},
        "document": {
            "type": "string",
            "format": "binary",
            "description": "or a .txt, .html, .docx, .srt or .xliff file: shown side by side, and translated whole",
        },
        "api_key": {"type": "string", "description": "the key, when keys are set (or a header)"},
    },
}


@router.post(
    "/",
    response_class=HTMLResponse,
    summary="The reader, for pasted or uploaded text; with `Accept: application/x-ndjson`, streamed",
    responses=_RESPONSES,
    openapi_extra={"requestBody": {"required": False, "content": {"multipart/form-data": {"schema": _FORM}}}},
)
async def reader_post(request: Request) -> Response:
    streamed = NDJSON in request.headers.get("accept", "")
    text = ""
    try:
        text, document = await _text(request)
        await admit(request, presented_key, "")
        file = await _file(request, *document) if document else None
        if file:
            text = file.text
        if streamed:
            return await _stream(request, text, file)
        return await _translated_page(request, text, file)
    except KNOWN as exc:
        problem = _problem(request, exc)
        if streamed:
            line = ndjson_line({"error": problem.message})
            return Response(line, problem.status, problem.headers, media_type=NDJSON_TYPE)
        return _page(request, text, problem)


DOWNLOADS = {
    "html": ("text/html", ".html"),
    "tmx": ("application/x-tmx+xml", ".tmx"),
    "xliff": ("application/xliff+xml", ".xlf"),
}
_DOWNLOAD = {
    "type": "object",
    "required": ["document", "format"],
    "properties": {
        "document": {"type": "object", "description": "the aligned document, as /v1/documents answers it"},
        "format": {"type": "string", "enum": list(DOWNLOADS)},
        "edited": {
            "type": "object",
            "description": "sentence id → {target, origin}: English a person gave it since (the reader's edits)",
        },
    },
}


@router.post(
    "/download",
    summary="The reader's Download: a translated document as an HTML page, TMX or XLIFF (no model call)",
    responses={
        200: {"content": {kind: {} for kind, _ in DOWNLOADS.values()}},
        400: {"description": "not a document"},
        413: {"description": "over the body limit (TRANSLATOR_MAX_BODY_BYTES)"},
    },
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _DOWNLOAD}}}},
)
async def download(request: Request) -> Response:
    """The document the reader shows, with its edits, written by the archive's writers (translator/writers):
    what it holds is the caller's, so nothing is counted and no key is needed."""
    try:
        body = json.loads(await request.body())
        doc = aligned(body["document"], "the document")
        kind, suffix = DOWNLOADS[body["format"]]
        edited: dict[str, Any] = body.get("edited") or {}
        if edited:
            doc = _edited(doc, edited)
        text = SINGLE.load(body["format"])(doc)
    except (ValueError, KeyError, TypeError, AttributeError, ArchiveError) as exc:
        said = exc if isinstance(exc, ArchiveError) else "the body is not {document, format, edited}"
        raise ApiError(400, "not_a_document", f"cannot write the download: {said}") from None
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", doc.id).strip("-") or "translation"
    headers = {"Content-Disposition": f'attachment; filename="{name}{suffix}"'}
    return Response(text, media_type=f"{kind}; charset=utf-8", headers=headers)


def _edited(doc: AlignedDocument, edited: dict[str, Any]) -> AlignedDocument:
    """`doc` with the edited sentences' English (a person's: no flags, no confidence), its text made again."""
    paragraphs = []
    for p in doc.paragraphs:
        sentences = []
        for s in p.sentences:
            if (change := edited.get(s.id)) is not None:
                target, origin = change["target"], change.get("origin", "reviewed")
                if not isinstance(target, str) or origin not in ("reviewed", "model"):
                    raise ValueError(origin)
                s = dataclasses.replace(s, target=target, origin=origin, flags=(), confidence=None)
            sentences.append(s)
        paragraphs.append(dataclasses.replace(p, sentences=tuple(sentences)))
    return document(doc.id, paragraphs, doc.provenance)


async def _text(request: Request) -> tuple[str, tuple[str, bytes] | None]:
    """The form's text, or its uploaded text file's; and a document to translate whole (the file tab's)."""
    form = await request.form()  # over the body limit, too slow, not Unicode: errors of KNOWN
    document = form.get("document")
    if isinstance(document, UploadFile) and document.filename:
        return "", (document.filename, await document.read())
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        try:
            return data.decode("utf-8-sig"), None
        except UnicodeDecodeError:
            message = f"{upload.filename} is not UTF-8 text: save it as UTF-8 and upload it again."
            raise ApiError(400, "not_utf8", message) from None
    text = form.get("text")
    return (text if isinstance(text, str) else ""), None


@dataclass(frozen=True)
class File:
    """A document of the file tab: its job (api/jobs.py) makes the translated file to download, and its texts
    (a paragraph each) are shown side by side."""

    name: str
    text: str
    download: str


async def _file(request: Request, filename: str, data: bytes) -> File:
    given = settings(request)  # the size limit checked (a 400 naming the problem)
    job, parsed = await jobs.submit(runner(request), usage(request), account(request), (filename, data), given, False)
    text = "\n\n".join(" ".join(source.split()) for source in parsed.sources() if source.strip())
    return File(job.filename, text, jobs.download_url(request, job))


def _check(request: Request, text: str) -> None:
    """Nothing happens unless `text` is something the service takes."""
    if not text.strip():
        raise ApiError(
            400, "nothing_to_translate", "There is nothing to translate: paste Indonesian text or choose a text file."
        )
    service(request).check([text])


def _problem(request: Request, exc: Exception) -> ApiError:
    """The error as the API would answer it (api/errors.py: its status and headers), in the page's words."""
    said = describe(request, exc)
    return ApiError(said.status, said.code, _in_words(request, said), said.headers, **said.details)


def _in_words(request: Request, said: ApiError) -> str:
    limits = settings(request)
    wait = said.headers.get("Retry-After", "")
    match said.code, said.details.get("limit"):
        case code, _ if code in OWN_WORDS:
            return said.message
        case code, limit if code in _LINK_CODES or limit == "fetch_max_bytes":
            return f"The link could not be read: {said.message}."
        case "key_required", _:
            return "This server needs an API key to translate: enter yours in the key field."
        case "key_invalid", _:
            return "That API key is not valid: check it and try again."
        case "rate_limited", _:
            return f"Too many translations with this key just now: try again in {wait} s."
        case "quota_exceeded", limit:
            days = -(-int(wait) // 86_400)
            return f"This text would take the key over its {limit:,} characters a month; it starts again in " + (
                f"{days} day{'' if days == 1 else 's'}."
            )
        case "queue_full", _:
            return f"The server is busy with other translations: try again in {wait} s."
        case "too_large", "max_body_bytes":
            limit = limits.max_body_bytes
            return f"The text or file is more than this server takes at once ({limit:,} bytes); send it in parts."
        case "too_large", "max_text_chars" if isinstance(said, OverLimit):
            return f"The text has {said.found:,} characters; this server translates at most {said.limit:,} at once."
        case "too_large", _:
            return f"The text is too long for one request here ({said.message}); translate it in parts."
        case "deadline_exceeded", _:
            limit = limits.request_timeout_s
            return f"The translation took longer than this server allows ({limit:g} s); try a shorter text."
        case "http_408", _:
            return f"The text or file arrived too slowly ({limits.client_timeout_s:g} s at most); try again."
        case "shutting_down", _:
            return f"The server is shutting down: try again in {wait} s."
    return f"The text could not be translated: {said.message}."


async def _source(request: Request, text: str, file: File | None = None) -> tuple[str, list[str]]:
    """What to translate, and where it came from: a file's texts and its name, a link's article and its title,
    date and address (with TRANSLATOR_FETCH_URLS=1), or the text itself."""
    if file:
        return file.text, [file.name]
    if not (settings(request).fetch_urls and _LINK.fullmatch(text.strip())):
        return text, []
    found = await fetcher(request).read(text.strip())
    return found.text, [found.title, found.date, found.url]


async def _translated_page(request: Request, text: str, file: File | None = None) -> Response:
    source, origin = await _source(request, text, file)
    _check(request, source)
    translating = service(request)
    async with usage(request).spending(account(request), 0 if file else len(source)):  # a file's: counted by its job
        [doc] = await translating.translate_documents([("reader", source)], translating.decode(None))
    suggested = await _suggested(request, doc.paragraphs)
    return _page(request, "" if file else text, doc=doc, origin=origin, file=file, suggested=suggested)


async def _suggested(request: Request, paragraphs: Sequence[Paragraph]) -> dict[str, list[dict[str, Any]]]:
    """Sentence id → reviewed translations like its source, as /v1/documents gives them (none for a reviewed
    sentence), to show beside its English: offered, never applied."""
    shaped = await run_in_threadpool(service(request).suggested, paragraphs)
    return {s["id"]: s["suggestions"] for p in shaped for s in p["sentences"] if "suggestions" in s}


async def _stream(request: Request, text: str, file: File | None = None) -> Response:
    source, origin = await _source(request, text, file)
    _check(request, source)
    translating = service(request)
    decode = translating.decode(None)
    async with usage(request).spending(account(request), 0 if file else len(source)):  # as /v1/documents counts one
        events = await translating.start_events([("reader", source)], decode)
    frame = page.macros().document(page.details(translating.translator.provenance(decode), *origin))
    total = len(events.plan.layouts[0].paragraphs)
    first = {"paragraphs": total, "html": str(frame)}
    if file:
        first |= {"download": file.download, "name": file.name}

    async def lines() -> AsyncIterator[str]:
        async with contextlib.aclosing(events):  # a client gone even before the first paragraph: work dropped
            yield ndjson_line(first)
            try:
                async for event in events:
                    if isinstance(event, AlignedDocument):
                        yield ndjson_line({"done": True, "html": str(page.macros().outcome(event))})
                    else:
                        suggested = await _suggested(request, [event[1]])
                        html = str(page.macros().paragraph(event[1], suggested))
                        yield ndjson_line({"paragraph": event[1].index, "html": html})
            except KNOWN as exc:  # past the deadline, or the model failed
                yield ndjson_line({"error": _problem(request, exc).message})
            except asyncio.CancelledError:  # the server is shutting down (see NDJSONResponse)
                yield ndjson_line({"error": _problem(request, shut_down()).message})

    return NDJSONResponse(lines())


def _page(
    request: Request,
    text: str,
    problem: ApiError | None = None,
    doc: AlignedDocument | None = None,
    origin: Sequence[str] = (),
    file: File | None = None,
    suggested: dict[str, list[dict[str, Any]]] | None = None,
) -> Response:
    context = {
        "title": "Indonesian → English reader",
        "text": text,
        "doc": doc,
        "details": page.details(doc.provenance, *origin) if doc else [],
        "error": problem.message if problem else None,
        "needs_key": bool(keys(request)),
        "api_key": request.query_params.get("api_key", ""),
        "max_chars": settings(request).max_text_chars,
        "file": file,
        "suffixes": ",".join(files.SUFFIXES),
        "assets": str(request.url_for("assets", path="")),
        "inline": None,
        "suggested": suggested or {},
    }
    status = problem.status if problem else 200
    response = templates.TemplateResponse(request, "reader.html", context, status_code=status)
    response.headers.update({"Content-Security-Policy": _CSP, **(problem.headers if problem else {})})
    return response
