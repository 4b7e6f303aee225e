"""Searching an exception for a secret: its chain, its attributes, and theirs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


def reachable(error: BaseException) -> Iterator[object]:
    """Everything reachable from an exception: its chain, attributes, and theirs (a few deep)."""
    seen: set[int] = set()
    stack: list[tuple[object, int]] = [(error, 0)]
    while stack:
        obj, depth = stack.pop()
        if id(obj) in seen or depth > 6:
            continue
        seen.add(id(obj))
        yield obj
        children: list[object] = []
        if isinstance(obj, BaseException):
            children += [obj.__context__, obj.__cause__, *obj.args]
        if isinstance(obj, dict):
            children += [*obj.keys(), *obj.values()]
        elif isinstance(obj, list | tuple | set | frozenset):
            children += list(obj)
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            children += list(vars(obj).values())
        for name in getattr(type(obj), "__slots__", ()):
            children.append(getattr(obj, name, None))
        if hasattr(obj, "items") and not isinstance(obj, dict):  # multidicts (headers)
            with contextlib.suppress(Exception):
                children += [f"{k}: {v}" for k, v in obj.items()]
        stack += [(child, depth + 1) for child in children if child is not None]


def assert_secret_unreachable(error: BaseException, secret: str) -> None:
    for obj in reachable(error):
        # str too: repr doubles a backslash, so it would hide a JSON-escaped spelling (\/)
        for shown in (repr(obj), str(obj)):
            assert secret not in shown, f"{secret!r} reachable through {type(obj).__name__}"
