"""Request and response bodies of our own endpoints (pydantic lives at this edge only)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Options(BaseModel):
    beam_size: int | None = Field(None, ge=1, le=16, description="beam size; the server's default when absent")


class TranslateRequest(BaseModel):
    texts: list[str] = Field(description="Indonesian texts; each may be a whole article with paragraph breaks")
    options: Options = Field(default_factory=Options, description="decoding options for this request")


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


class DocumentIn(BaseModel):
    id: str = Field(description="your id for the document; returned as given")
    text: str = Field(description="the Indonesian text; blank lines separate paragraphs")


class DocumentsRequest(BaseModel):
    documents: list[DocumentIn] = Field(description="documents to translate, answered in the same order")
    options: Options = Field(default_factory=Options, description="decoding options for this request")
    stream: bool = Field(
        False,
        description="answer NDJSON: one {document, paragraph} line per paragraph as soon as it is translated, "
        "and one {document, done, translation, provenance} line closing each document",
    )


class SentenceOut(BaseModel):
    id: str = Field(description="p<paragraph>s<sentence>, unique within the document")
    start: int = Field(description="offset of the first character in the document text (Python string index)")
    end: int = Field(description="offset after the last character; source == text[start:end]")
    source: str = Field(description="the Indonesian sentence")
    target: str = Field(description="its English")
    flags: list[str] = Field(description="risk flags, see GET /v1/models for their meanings")


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
    503: "the queue is full: retry after the Retry-After header's seconds",
    504: "the translation took longer than the request deadline",
}
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorResponse, "description": text} for status, text in _ERRORS.items()
}
