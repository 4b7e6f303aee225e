"""Making what was written to a file survive a crash or power loss."""

from __future__ import annotations

import os
from typing import IO, Any


def flush_to_disk(handle: IO[Any]) -> None:
    """Flush ``handle``'s buffer and have the OS write its file to the disk (``fsync``)."""
    handle.flush()
    os.fsync(handle.fileno())
