"""The settings of the command line and the service: the one module that reads TRANSLATOR_* environment
variables (validated, typed, with the old names of renamed ones) and that touches the process environment at
all. The library below the edges (pipeline, archive, cluster...) never reads the environment: it is given a
TranslatorConfig, which `Settings.translator_config` builds."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_core import ErrorDetails
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
    # the command line's translation memory (`translator batch`, `translator memory`)
    memory: Path | None = Field(
        None, description="translation memory file (default: memory.sqlite in the user cache folder)"
    )
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
    keys_file: Path | None = Field(
        None, description="a file of API keys, one a line: `key [characters_per_month] [requests_per_second]`"
    )
    api_keys_file: Path | None = Field(None, description="old name of keys_file")
    reviewed_writers: str = Field(
        "",
        description="with keys: the key ids (key-..., as GET /v1/usage shows each key its own) that may write "
        "reviewed translations, comma-separated; empty: every key (without keys: anyone)",
    )
    # documents and usage
    data_dir: Path = Field(
        Path(platformdirs.user_data_dir("translator")),
        description="where document jobs (their files), the usage counts and the reviewed translations are kept, "
        "in SQLite",
    )
    database_url: SecretStr | None = Field(
        None,
        description="postgresql://user:password@host:port/database: keep document jobs (with their files), usage, "
        "the reviewed translations and the translation memory there instead of SQLite files, shared by every "
        "replica; never logged",
    )
    database_pool: int = Field(10, ge=1, le=1000, description="connections to TRANSLATOR_DATABASE_URL at most")
    max_import_bytes: int = Field(
        50 * 1024 * 1024, ge=1024, description="bytes in one file of reviewed translations to import (TMX, XLIFF, TSV)"
    )
    document_ttl_h: float = Field(24.0, gt=0, description="a document job and its files are deleted after this")
    max_document_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="bytes in one uploaded document")
    document_workers: int = Field(2, ge=1, le=64, description="documents translated at once")
    # articles by link (api/articles.py)
    fetch_urls: bool = Field(False, description="POST /v1/articles and the reader fetch and translate a pasted link")
    fetch_allow_private: bool = Field(
        False, description="fetch links to private, loopback and link-local addresses too (a test or a closed network)"
    )
    fetch_private_hosts: str = Field(
        "",
        description="comma-separated hosts (any port) or host:port that may be fetched although their addresses are "
        "private, e.g. an internal news mirror",
    )
    fetch_timeout_s: float = Field(10.0, gt=0, le=120, description="the whole fetch of a link, redirects included")
    fetch_max_bytes: int = Field(2 * 1024 * 1024, ge=1024, description="bytes of a fetched page (decompressed)")
    fetch_concurrency: int = Field(8, ge=1, description="links read at once; past them 503 with Retry-After")

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

    def database(self) -> str | None:
        """TRANSLATOR_DATABASE_URL, or None: the data folder's SQLite files."""
        return self.database_url.get_secret_value() if self.database_url else None

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

    def reviewed_writer_ids(self) -> frozenset[str] | None:
        """TRANSLATOR_REVIEWED_WRITERS as a set of key ids; None: every key may write."""
        ids = frozenset(k.strip() for k in self.reviewed_writers.split(",") if k.strip())
        return ids or None

    def fetch_private_host_set(self) -> frozenset[str]:
        """TRANSLATOR_FETCH_PRIVATE_HOSTS as host and host:port entries, lower case."""
        return frozenset(h.strip().lower() for h in self.fetch_private_hosts.split(",") if h.strip())

    def keys(self) -> dict[str, KeyLimits]:
        """The accepted API keys with their limits (empty: open access); a bad line is a ConfigError."""
        keys = {k.strip(): KeyLimits() for k in self.api_keys.split(",") if k.strip()}
        for path, name in ((self.api_keys_file, "TRANSLATOR_API_KEYS_FILE"), (self.keys_file, "TRANSLATOR_KEYS_FILE")):
            if path is not None:
                keys |= _read_keys(path, name)
        return keys


@dataclass(frozen=True)
class KeyLimits:
    """What one key may use: characters a calendar month (UTC) and requests a second; None: no limit."""

    characters_per_month: int | None = None
    requests_per_second: float | None = None


def _read_keys(path: Path, name: str) -> dict[str, KeyLimits]:
    """TRANSLATOR_KEYS_FILE: `key [characters_per_month] [requests_per_second]` a line; `-` for no limit;
    blank lines and lines starting with # skipped."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise ConfigError(f"cannot read {name} {path}: {reason}") from exc
    keys = {}
    for number, line in enumerate(lines, 1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        try:
            if len(fields) > 3:
                raise ValueError("more than three fields")
            chars, rate = [*fields[1:], "-", "-"][:2]
            limits = KeyLimits(None if chars == "-" else int(chars), None if rate == "-" else float(rate))
            if limits.characters_per_month is not None and limits.characters_per_month < 0:
                raise ValueError("a negative number of characters")
            if limits.requests_per_second is not None and not 0 < limits.requests_per_second < math.inf:
                raise ValueError("requests per second must be a positive number")
        except ValueError as exc:
            raise ConfigError(
                f"{name} {path} line {number}: expected `key [characters_per_month] [requests_per_second]` ({exc})"
            ) from None
        keys[fields[0]] = limits
    return keys


def load_settings() -> Settings:
    """Settings from the environment; a bad value is a ConfigError naming the variable and its value."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(f"invalid setting: {'; '.join(_problem(e) for e in exc.errors())}") from exc


def _problem(error: ErrorDetails) -> str:
    """`TRANSLATOR_BEAM='99': Input should be less than or equal to 16` from one of pydantic's errors."""
    name = "TRANSLATOR_" + "_".join(str(p) for p in error["loc"]).upper() if error["loc"] else "TRANSLATOR_*"
    return (
        f"{name}={error['input']!r}: {error['msg']}" if isinstance(error["input"], str) else f"{name}: {error['msg']}"
    )


def quiet_libraries() -> None:
    """Without -v: transformers and huggingface_hub keep their warnings and progress bars to themselves (they
    read these variables when imported, so this runs before they are)."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
