"""Request and response bodies of our endpoints and the LibreTranslate ones (pydantic lives at this edge only)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, field_validator, model_serializer
from pydantic_core import PydanticCustomError


class FileReport(BaseModel):
    """What a translated file's result says beside the file, in DeepL's document status (once done) and
    LibreTranslate's /translate_file answer: an extension of ours, which their clients ignore."""

    untranslated: dict[str, int] | None = Field(
        None,
        description="where the file holds text left as it was: how much, by kind (docs/documents.md); an extension",
    )
    flags: dict[str, int] | None = Field(
        None,
        description="where any sentence has one: how many sentences carry each flag, markup_moved (inline markup "
        "placed by a guess) (docs/documents.md); an extension",
    )


class Options(BaseModel):
    beam_size: int | None = Field(
        None, ge=1, le=16, strict=True, description="beam size (an integer); the server's default when absent"
    )


TextFormat = Literal["text", "html", "xml"]
FORMAT_DESCRIPTION = (
    "text (the default), or html or xml: markup kept byte for byte, each sentence translated whole with its "
    "inline tags placed back on the English (docs/markup.md)"
)


class Terms(BaseModel):
    """The glossary a request translates with: a stored one, inline terms, or both (a term given twice: the
    inline one wins)."""

    glossary: str | None = Field(None, description="a stored glossary's id (/v1/glossaries, or DeepL's glossary_id)")
    terms: dict[str, str] | None = Field(
        None, description='inline entries, {"source": "target"}; a do-not-translate entry has the source as its target'
    )

    def ids(self) -> list[str]:
        return [self.glossary] if self.glossary is not None else []


class TranslateRequest(Terms):
    texts: list[str] = Field(description="Indonesian texts; each may be a whole article with paragraph breaks")
    options: Options = Field(default_factory=Options, description="decoding options for this request")
    format: TextFormat = Field("text", description=FORMAT_DESCRIPTION)


class Provenance(BaseModel):
    model: str = Field(description="model id, or the directory name of a local model")
    revision: str = Field(description="hub commit, or sha256 of a local model's files")
    backend: str = Field(description="engine and precision, e.g. hf-float32")
    beam_size: int = Field(description="beam size used")
    segmenter: str = Field(description="version of the sentence segmentation rules")
    version: str = Field(description="version of this service")


class TranslateResponse(BaseModel):
    translations: list[str] = Field(description="one English text per input text, in the same order")
    provenance: Provenance = Field(description="what produced the translations")
    flags: dict[str, int] | None = Field(
        None, description="html and xml only: how many sentences carry each flag (markup_moved among them)"
    )


class DocumentIn(BaseModel):
    id: str = Field(description="your id for the document; returned as given")
    text: str = Field(description="the Indonesian text; blank lines separate paragraphs")


class DocumentsRequest(Terms):
    documents: list[DocumentIn] = Field(description="documents to translate, answered in the same order")
    options: Options = Field(default_factory=Options, description="decoding options for this request")
    format: TextFormat = Field(
        "text",
        description=FORMAT_DESCRIPTION + "; a paragraph per block, each sentence's source its stretch of the "
        "markup, its target the English of its tagless text, the document's translation the English markup",
    )
    stream: bool = Field(
        False,
        strict=True,
        description="answer NDJSON: one {document, paragraph} line per paragraph as soon as it is translated, "
        "and one {document, done, translation, provenance} line closing each document",
    )


class TermOut(BaseModel):
    start: int = Field(description="offset of the matched source words in the sentence's source")
    end: int = Field(description="offset after them")
    target: str = Field(description="the English the glossary gives them")
    status: Literal["kept", "applied", "missing"] = Field(
        description="kept: the model produced it by itself; applied: the glossary made it so; missing: it could "
        "not be placed (the sentence carries term_missing)"
    )
    target_start: int | None = Field(description="offset of the English in the sentence's target; null if missing")
    target_end: int | None = Field(description="offset after it; null if missing")


class SuggestionOut(BaseModel):
    source: str = Field(description="a reviewed entry's source sentence, like this one")
    target: str = Field(description="its reviewed English")
    score: float = Field(description="how alike the two sources are: rapidfuzz's ratio, 75-100 (docs/reviewed.md)")


class SentenceOut(BaseModel):
    id: str = Field(description="p<paragraph>s<sentence>, unique within the document")
    start: int = Field(description="offset of the first character in the document text (Python string index)")
    end: int = Field(description="offset after the last character; source == text[start:end]")
    source: str = Field(description="the Indonesian sentence")
    target: str = Field(description="its English")
    flags: list[str] = Field(description="risk flags, see GET /v1/models for their meanings")
    origin: Literal["model", "reviewed", "english", "copied"] = Field(
        description="where the English came from: the model (now or through the translation memory), a reviewed "
        "translation, the source itself (already English), or the source copied (nothing to translate)"
    )
    confidence: float | None = Field(
        description="the model's confidence in the English, in (0, 1]; null where no model made it"
    )
    terms: list[TermOut] = Field(description="the glossary entries the sentence matched, in source order")
    suggestions: list[SuggestionOut] = Field(
        default_factory=list,
        description="up to three reviewed translations of sentences like this one (75% alike or more), best first; "
        "never applied by themselves; absent where there are none (and for a sentence with reviewed English)",
    )

    @model_serializer(mode="wrap")
    def _suggestions_where_some(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A sentence without suggestions is written as the library writes it (no empty list added)."""
        data: dict[str, Any] = handler(self)
        if not data.get("suggestions"):
            data.pop("suggestions", None)
        return data


class ParagraphOut(BaseModel):
    index: int = Field(description="paragraph number, from 0")
    start: int = Field(description="offset of the paragraph's first character")
    end: int = Field(description="offset after its last character")
    sentences: list[SentenceOut] = Field(description="the paragraph's sentences, in order")


class Summary(BaseModel):
    sentences: int = Field(description="sentences in the document")
    flags: dict[str, int] = Field(description="how many sentences carry each flag")


class DocumentOut(BaseModel):
    id: str = Field(description="the document's id, as given")
    translation: str = Field(description="the whole English text, with the source's paragraph breaks")
    paragraphs: list[ParagraphOut] = Field(description="paragraphs in order; blank lines separate them")
    summary: Summary = Field(description="sentence count and flag counts, to judge a document at a glance")
    provenance: Provenance = Field(description="what produced the translation")


class DocumentsResponse(BaseModel):
    documents: list[DocumentOut] = Field(description="one aligned document per input document, in order")


class ModelInfo(BaseModel):
    model: str = Field(description="model id, or the directory name of a local model")
    revision: str = Field(description="hub commit, or sha256 of a local model's files")
    backend: str = Field(description="engine and precision")
    device: str = Field(description="cpu or cuda")
    beam_size: int = Field(description="default beam size")
    max_output_ratio: float = Field(description="outputs are capped at this × input tokens + output_slack")
    output_slack: int = Field(description="tokens added to each output cap")
    max_sentence_tokens: int = Field(description="longer sentences are translated in pieces")
    segmenter: str = Field(description="version of the sentence segmentation rules")
    version: str = Field(description="version of this service")
    flags: dict[str, str] = Field(description="every flag a sentence may carry, and what it means")


class ModelsResponse(BaseModel):
    models: list[ModelInfo] = Field(description="the model this server runs (one per process)")


class ArticleRequest(BaseModel):
    url: str = Field(max_length=2048, description="an http or https link to a news page")


class ArticleResponse(BaseModel):
    url: str = Field(description="the page's link after redirects")
    title: str = Field(description="the page's title; empty when it has none")
    date: str = Field(description="the page's date (YYYY-MM-DD); empty when none was found")
    text: str = Field(description="the article's text, title first, paragraphs apart by a blank line")


class ErrorDetail(BaseModel):
    code: str = Field(description="a stable machine-readable code, e.g. too_large, invalid_request, queue_full")
    message: str = Field(description="one sentence for a person, naming the field or the limit")


class ErrorResponse(BaseModel):
    error: ErrorDetail = Field(description="what went wrong")


_ERRORS = {
    400: "the body could not be decoded",
    401: "an API key is required",
    403: "the API key is not valid",
    413: "over a size limit (the message names it)",
    422: "a field is missing or has the wrong type (the message names it)",
    429: "over the key's requests a second, or its characters this month: retry after Retry-After's seconds",
    503: "the queue is full, or the server is shutting down: retry after the Retry-After header's seconds",
    504: "the translation took longer than the request deadline",
}
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorResponse, "description": text} for status, text in _ERRORS.items()
}
GLOSSARY_RESPONSES: dict[int | str, dict[str, object]] = {  # the routes that take a glossary's id
    **ERROR_RESPONSES,
    404: {"model": ErrorResponse, "description": "no such glossary (or another key's)"},
}


class LibreError(BaseModel):
    error: str = Field(description="what went wrong, for a person")


LIBRE_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": LibreError, "description": "a missing or bad parameter, or over a limit (the message says)"},
    401: {"model": LibreError, "description": "an API key is required"},
    403: {"model": LibreError, "description": "the API key is not valid"},
    404: {"model": LibreError, "description": "no such file (or it expired)"},
    429: {"model": LibreError, "description": "over the key's requests a second, or its characters this month"},
    503: {
        "model": LibreError,
        "description": "the queue is full, or the server is shutting down: retry after Retry-After",
    },
    504: {"model": LibreError, "description": "the translation took longer than the request deadline"},
}


class LibreQuery(BaseModel):
    """What /detect reads, from JSON, a form or the query string."""

    q: str | list[str] = Field(description="the text, or a list of texts")
    api_key: str | None = Field(None, description="an API key, when the server needs one")

    @field_validator("q", mode="before")
    @classmethod
    def _text_or_texts(cls, value: Any) -> Any:
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return value
        raise PydanticCustomError("text_or_texts", "must be a string or a list of strings")


class LibreTranslateRequest(LibreQuery):
    """What /translate reads, from JSON, a form or the query string."""

    source: str = Field(description="id, or auto to detect (English is then returned unchanged)")
    target: str = Field(description="en")
    format: str = Field("text", description="text or html (tags kept, text nodes translated)")
    glossary: str | None = Field(None, description="an extension: a stored glossary's id (/v1/glossaries)")


class DetectedLanguage(BaseModel):
    confidence: float = Field(description="share of the evidence, 0–100")
    language: str = Field(description="id or en")


class LibreTranslateResponse(BaseModel):
    translatedText: str | list[str] = Field(description="the English, one per text when q is a list")
    detectedLanguage: DetectedLanguage | list[DetectedLanguage] | None = Field(
        None, description="with source=auto only"
    )


class Language(BaseModel):
    code: str = Field(description="language code")
    name: str = Field(description="language name, in English")
    targets: list[str] = Field(description="codes this language translates into")


def libre_body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a LibreTranslate route that reads its parameters itself: the same fields as JSON or a form."""
    schema = model.model_json_schema()
    content = {kind: {"schema": schema} for kind in ("application/json", "application/x-www-form-urlencoded")}
    return {"requestBody": {"required": False, "content": content}}
