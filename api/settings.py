"""The service's settings, read from TRANSLATOR_* environment variables and validated at start-up."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from translator.config import DEFAULT_MODEL, DecodeOptions, TranslatorConfig
from translator.errors import ConfigError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRANSLATOR_", protected_namespaces=())

    model: str = Field(DEFAULT_MODEL, description="hub id or local Marian directory")
    revision: str | None = Field(None, description="hub revision (commit, tag or branch) to pin")
    backend: Literal["auto", "hf"] = "auto"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    beam: int = Field(4, ge=1, le=16, description="beam size")
    max_texts: int = Field(50, ge=1, description="texts per request")
    max_chars: int = Field(128 * 1024, ge=1, description="characters per request, all texts together")

    def translator_config(self) -> TranslatorConfig:
        return TranslatorConfig(
            model=self.model,
            revision=self.revision,
            backend=self.backend,
            device=self.device,
            decode=DecodeOptions(beam_size=self.beam),
        )


def load_settings() -> Settings:
    """Settings from the environment; a bad value is a ConfigError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"TRANSLATOR_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid setting: {problems}") from exc
