"""The files a command writes (rejects, journal, export), checked before anything is sent.

Each is written as ``NAME.partial`` first (or, for the journal, finished there) and renamed into
place, so a check of a file covers its ``.partial`` too.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from pathlib import Path

from ..errors import ConfigurationError


def partial_path(path: Path) -> Path:
    """Where ``path`` is written before it is renamed into place."""
    return path.with_name(path.name + ".partial")


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name one file: the same path once resolved, or (both
    existing) a link to the other."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return a.resolve() == b.resolve()


def check_output(path: Path | None, option: str | None = None) -> None:
    """Raise :class:`ConfigurationError` unless ``path`` (``None``: stdout) can be written:
    its folder exists, it is not a folder itself, and its ``.partial`` can be created there
    (not a read-only folder, one without permission, or a name too long). A file is created
    and removed to find out, so a command fails before it sends anything rather than after.

    Args:
        path: The file to write.
        option: The option that names it (``--rejects``), for the message.
    """
    if path is None:
        return
    named = f"{option} {path}" if option else str(path)
    try:
        if not path.parent.is_dir():
            raise ConfigurationError(
                f"cannot write {named}: the folder {path.parent} does not exist (nothing was sent)"
            )
        if path.is_dir():
            raise ConfigurationError(
                f"cannot write {named}: it is a folder; name a file in it (nothing was sent)"
            )
        partial = partial_path(path)
        existed = os.path.lexists(partial)  # a kill's leftover: the command writes over it
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT, 0o666))
        if not existed:
            partial.unlink()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write {named}: {exc.strerror or exc} (nothing was sent)"
        ) from None


def check_apart(source: Path, outputs: Mapping[str, Path]) -> None:
    """Refuse outputs that would overwrite the input file ``source`` or each other.

    Args:
        source: The file the command reads.
        outputs: Each file the command writes, by the option that names it (``--rejects``).

    Raises:
        ConfigurationError: An output (or its ``.partial``) is ``source`` under any name, or
            two outputs are one file.
    """
    written = [
        (option, path, where)
        for option, path in outputs.items()
        for where in (path, partial_path(path))
    ]
    for option, path, where in written:
        if same_file(where, source):
            raise ConfigurationError(
                f"{option} {path}: that would overwrite the input file {source}; name another "
                "file (nothing was sent)"
            )
    for (option, path, where), (other, other_path, other_where) in itertools.combinations(
        written, 2
    ):
        if option != other and same_file(where, other_where):
            raise ConfigurationError(
                f"{option} {path} and {other} {other_path} would write the same file; name "
                "another file (nothing was sent)"
            )
