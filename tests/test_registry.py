"""Every registry of the package, and every entry of each: they load, and are what the registry says."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable

import pytest

import translator
from translator import files, readers, writers
from translator.registry import Registry

KINDS: dict[str, tuple[Registry[object], Callable[[object], bool]]] = {
    "readers": (readers.READERS, callable),
    "containers": (readers.CONTAINERS, callable),
    "writers": (writers.WRITERS, lambda found: inspect.isclass(found) and bool(getattr(found, "FILES", ()))),
    "single documents": (writers.SINGLE, callable),
    "files": (files.FORMATS, callable),
}


def test_the_registries_here_are_every_registry_of_the_package() -> None:
    found = {}
    for module in pkgutil.walk_packages(translator.__path__, "translator."):
        if module.name.split(".")[1] in ("readers", "writers", "files", "registry"):
            loaded = importlib.import_module(module.name)
            found.update({id(v): v for v in vars(loaded).values() if isinstance(v, Registry)})
    assert sorted(found) == sorted(id(registry) for registry, _ in KINDS.values())


@pytest.mark.parametrize(("kind", "name"), [(kind, name) for kind, (registry, _) in KINDS.items() for name in registry])
def test_every_entry_loads(kind: str, name: str) -> None:
    registry, fits = KINDS[kind]
    assert fits(registry.load(name)), f"{kind} {name}: {registry[name]}"
