"""The lazy backend registry: a backend is one module plus one line here, imported only when chosen."""

from __future__ import annotations

import importlib

from translator.backends.base import Backend, Output
from translator.errors import BackendError, ConfigError
from translator.models import ModelSource

# name -> "module:factory"; the factory takes (ModelSource, device) and returns a Backend.
_REGISTRY: dict[str, str] = {
    "ct2": "translator.backends.ct2:CT2Backend",
    "hf": "translator.backends.hf:HFBackend",
}
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
    if name not in _REGISTRY:
        raise ConfigError(f"unknown backend {name!r}; choose from auto, {', '.join(_REGISTRY)}")
    module_name, _, factory_name = _REGISTRY[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendError(f"backend {name!r} is not installed ({exc.name} is missing)") from exc
    backend: Backend = getattr(module, factory_name)(source, device)
    return backend
