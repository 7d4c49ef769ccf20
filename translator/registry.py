"""The one kind of registry: names (a suffix, an export) to "module:attribute" entries, the module imported only
when an entry is loaded, so that listing what is supported imports nothing."""

from __future__ import annotations

import pkgutil
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(dict[str, str], Generic[T]):
    """name -> "module:attribute" of a T: a plain dict (its names in registry order, an entry added by setting
    it), and `load` for the object an entry names."""

    def load(self, name: str) -> T:
        """The object `name`'s entry names, its module imported now; KeyError for a name not registered."""
        found: T = pkgutil.resolve_name(self[name])
        return found
