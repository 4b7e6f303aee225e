"""Lazy package exports (PEP 562), read from the package's ``if TYPE_CHECKING:`` imports.

The package ``__init__`` lists its public names once, as imports inside ``if TYPE_CHECKING:``
(what type checkers read). At run time :func:`lazy_exports` finds those imports in the source
and imports each name's module only when the name is first used, the way the Scientific Python
``lazy_loader`` reads a stub file.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from functools import cache
from typing import Any, TypeGuard


def lazy_exports(
    package: str, init_file: str
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose ``__init__`` source is ``init_file``."""

    @cache
    def table() -> dict[str, str]:
        with open(init_file, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        found: dict[str, str] = {}
        for guard in tree.body:
            if not _is_type_checking(guard):
                continue
            for node in guard.body:
                if isinstance(node, ast.ImportFrom):
                    module = "." * node.level + (node.module or "")
                    found.update({alias.asname or alias.name: module for alias in node.names})
        return found

    def getattr_(name: str) -> Any:
        module = table().get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(importlib.import_module(package), name, value)  # the next lookup is direct
        return value

    def dir_() -> list[str]:
        return sorted({*table(), *vars(importlib.import_module(package))})

    return getattr_, dir_


def _is_type_checking(node: ast.stmt) -> TypeGuard[ast.If]:
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING")  # fmt: skip
