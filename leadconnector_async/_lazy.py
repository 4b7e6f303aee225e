"""Lazy package exports (PEP 562): a public name's module is imported when the name is first used.

The package ``__init__`` lists its public names twice on purpose: as imports inside
``if TYPE_CHECKING:`` (what type checkers read) and as a plain table of module -> names (what
runs). A table, not the ``__init__`` source read at run time, so that the package also works
from a zip file or a sourceless install (PyInstaller). ``tests/unit/test_public_api.py`` holds
the two lists equal.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose public names live in the modules
    ``exports`` names (relative module -> the names it provides)."""
    where = {name: module for module, names in exports.items() for name in names}

    def getattr_(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(importlib.import_module(package), name, value)  # the next lookup is direct
        return value

    def dir_() -> list[str]:
        return sorted({*where, *vars(importlib.import_module(package))})

    return getattr_, dir_
