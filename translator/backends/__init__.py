"""The lazy backend registry: a backend is one module plus one line here, imported only when chosen."""

from __future__ import annotations

from collections.abc import Callable

from translator.backends.base import Backend, Output
from translator.errors import BackendError, ConfigError
from translator.models import ModelSource
from translator.registry import Registry

# name -> the factory that takes (ModelSource, device) and returns a Backend.
REGISTRY: Registry[Callable[[ModelSource, str], Backend]] = Registry(
    {
        "ct2": "translator.backends.ct2:CT2Backend",
        "hf": "translator.backends.hf:HFBackend",
    }
)
# What "auto" tries, in order: the first that loads wins (CTranslate2 when installed and converting works).
_AUTO_ORDER: tuple[str, ...] = ("ct2", "hf")

__all__ = ["Backend", "Output", "load_backend"]


def load_backend(name: str, source: ModelSource, device: str) -> Backend:
    if name == "auto":
        failures = []
        for candidate in _AUTO_ORDER:
            try:
                return load_backend(candidate, source, device)
            except BackendError as exc:
                failures.append(f"{candidate}: {exc}")
        raise BackendError("no backend could load the model (" + "; ".join(failures) + ")")
    if name not in REGISTRY:
        raise ConfigError(f"unknown backend {name!r}; choose from auto, {', '.join(REGISTRY)}")
    try:
        factory = REGISTRY.load(name)
    except ImportError as exc:
        raise BackendError(f"backend {name!r} is not installed ({exc.name} is missing)") from exc
    return factory(source, device)
