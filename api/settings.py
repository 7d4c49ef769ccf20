"""The service's settings, read from TRANSLATOR_* environment variables and validated at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from translator.config import DEFAULT_MODEL, DecodeOptions, TranslatorConfig
from translator.errors import ConfigError

TOKENS_PER_SENTENCE = 32  # a typical sentence in model tokens: converts the old sentence-counted settings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSLATOR_", protected_namespaces=())

    model: str = Field(DEFAULT_MODEL, description="hub id or local Marian directory")
    revision: str | None = Field(None, description="hub revision (commit, tag or branch) to pin")
    backend: Literal["auto", "ct2", "hf"] = "auto"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    beam: int = Field(4, ge=1, le=16, description="default beam size")
    translate_english: bool = Field(False, description="translate sentences that are already English too")
    retry_loops: bool = Field(True, description="retry an output that loops once, forbidding repeated trigrams")
    max_output_ratio: float = Field(2.0, gt=0, description="outputs are capped at this × input tokens + output_slack")
    output_slack: int = Field(10, ge=1, description="tokens added to each output cap")
    # limits, DeepL-like by default
    max_texts: int = Field(50, ge=1, description="texts (or documents) per request")
    max_text_chars: int = Field(128 * 1024, ge=1, description="characters in one text")
    max_body_bytes: int = Field(128 * 1024, ge=1024, description="bytes in one request body")
    max_request_tokens: int | None = Field(
        None, ge=1, description="model tokens one request may need (default: max_text_chars / 4, a full text of prose)"
    )
    # dynamic batching, counted in model tokens (a sentence is about 32)
    queue_tokens: int = Field(131_072, ge=1, description="tokens waiting for the model before requests get 503")
    batch_wait_ms: float = Field(5.0, ge=0, le=1000, description="how long a request waits for company (not if idle)")
    batch_tokens: int = Field(2048, ge=1, description="tokens pooled into one model call at most")
    express_tokens: int = Field(
        64,
        ge=0,
        description="while the model decodes longer sentences, ones up to this many tokens run on a second engine "
        "of the same model (CTranslate2 only; a second copy of the weights in memory); 0: no express lane",
    )
    queue_size: int | None = Field(None, ge=1, description="old name: queue_tokens in sentences (32 tokens each)")
    batch_sentences: int | None = Field(None, ge=1, description="old name: batch_tokens in sentences (32 tokens each)")
    request_timeout_s: float = Field(60.0, gt=0, description="a request still waiting after this gets 504")
    # connections
    client_timeout_s: float = Field(
        30.0, gt=0, description="a request's line and headers, then its body, must each arrive within this, else 408"
    )
    max_connections: int = Field(1000, ge=1, description="open connections before new requests get 503")
    shutdown_grace_s: int = Field(30, ge=0, description="on SIGTERM, how long in-flight requests may still finish")
    # access
    api_keys: str = Field("", description="comma-separated API keys; empty and no keys file: no keys needed")
    api_keys_file: Path | None = Field(None, description="a file of API keys, one a line")

    @model_validator(mode="after")
    def _read_sentence_settings(self) -> Settings:
        """The sentence-counted settings of earlier releases keep working, at 32 tokens a sentence."""
        if self.queue_size is not None and "queue_tokens" not in self.model_fields_set:
            self.queue_tokens = self.queue_size * TOKENS_PER_SENTENCE
        if self.batch_sentences is not None and "batch_tokens" not in self.model_fields_set:
            self.batch_tokens = self.batch_sentences * TOKENS_PER_SENTENCE
        return self

    @property
    def request_tokens(self) -> int:
        """The per-request token budget: as set, or what a text at the character limit holds at 4 characters
        a token (Indonesian prose averages 4.7 with the opus-mt-id-en tokenizer)."""
        return self.max_request_tokens or max(1, self.max_text_chars // 4)

    def translator_config(self) -> TranslatorConfig:
        return TranslatorConfig(
            model=self.model,
            revision=self.revision,
            backend=self.backend,
            device=self.device,
            decode=self.decode(self.beam),
            translate_english=self.translate_english,
            retry_loops=self.retry_loops,
        )

    def decode(self, beam_size: int) -> DecodeOptions:
        return DecodeOptions(beam_size, self.max_output_ratio, self.output_slack)

    def keys(self) -> frozenset[str]:
        """The accepted API keys (empty: open access)."""
        keys = {k.strip() for k in self.api_keys.split(",")}
        if self.api_keys_file is not None:
            try:
                keys |= {line.strip() for line in self.api_keys_file.read_text(encoding="utf-8").splitlines()}
            except OSError as exc:
                raise ConfigError(f"cannot read TRANSLATOR_API_KEYS_FILE {self.api_keys_file}: {exc.strerror}") from exc
        return frozenset(k for k in keys if k and not k.startswith("#"))


def load_settings() -> Settings:
    """Settings from the environment; a bad value is a ConfigError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"TRANSLATOR_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid setting: {problems}") from exc
