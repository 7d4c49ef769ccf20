"""Request and response bodies of our own endpoints (pydantic lives at this edge only)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TranslateOptions(BaseModel):
    beam_size: int | None = Field(None, ge=1, le=16, description="beam size; the server's default when absent")


class TranslateRequest(BaseModel):
    texts: list[str] = Field(description="Indonesian texts; each may be a whole article with paragraph breaks")
    options: TranslateOptions = Field(default_factory=TranslateOptions)


class Provenance(BaseModel):
    model: str = Field(description="model id, or the directory name of a local model")
    revision: str = Field(description="hub commit, or sha256 of a local model's files")
    backend: str = Field(description="engine and precision, e.g. hf-float32")
    beam_size: int
    segmenter: str = Field(description="version of the sentence segmentation rules")
    version: str = Field(description="version of this service")


class TranslateResponse(BaseModel):
    translations: list[str] = Field(description="one English text per input text, in the same order")
    provenance: Provenance


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail
