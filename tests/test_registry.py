"""Every registry of the package, and every entry of each: they load, and are what the registry says."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable

import pytest

import translator
from translator import backends, files, readers, writers
from translator.registry import Registry

KINDS: dict[str, tuple[Registry[object], Callable[[object], bool]]] = {
    "readers": (readers.READERS, callable),
    "containers": (readers.CONTAINERS, callable),
    "writers": (writers.WRITERS, lambda found: inspect.isclass(found) and bool(getattr(found, "FILES", ()))),
    "single documents": (writers.SINGLE, callable),
    "files": (files.FORMATS, callable),
    "backends": (backends.REGISTRY, callable),
}


def test_the_registries_here_are_every_registry_of_the_package() -> None:
    found = {}
    for module in pkgutil.walk_packages(translator.__path__, "translator."):
        if module.name == "translator.__main__":  # importing it runs the command
            continue
        try:
            loaded = importlib.import_module(module.name)
        except ImportError as exc:  # an optional library not installed (CTranslate2, Ray): no registry there
            if exc.name is None or exc.name.startswith("translator"):
                raise
            continue
        found.update({id(v): v for v in vars(loaded).values() if isinstance(v, Registry)})
    assert sorted(found) == sorted(id(registry) for registry, _ in KINDS.values())


@pytest.mark.parametrize(("kind", "name"), [(kind, name) for kind, (registry, _) in KINDS.items() for name in registry])
def test_every_entry_loads(kind: str, name: str) -> None:
    registry, fits = KINDS[kind]
    try:
        found = registry.load(name)
    except ImportError as exc:  # an optional dependency (CTranslate2) not installed: its own module still must be
        if exc.name is None or exc.name.startswith("translator"):
            raise
        pytest.skip(f"{registry[name]} needs {exc.name}, which is not installed")
    assert fits(found), f"{kind} {name}: {registry[name]}"
