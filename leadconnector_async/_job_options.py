"""The options every row job shares (bulk jobs and sync), checked in one place.

Called before the job reads its input or sends anything, so a bad option costs no request.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable

from .errors import ConfigurationError

__all__ = ["check_job_options"]


def check_job_options(
    items: object,
    *,
    concurrency: int,
    start_at: int,
    progress_interval: float,
    **sizes: int,
) -> None:
    """Raise :class:`ConfigurationError` for a bad common option of a row job.

    Args:
        items: The rows: an iterable or async iterable (not a string).
        concurrency: Requests (or chunks) in flight at once: at least 1.
        start_at: Rows to skip (a checkpoint): at least 0.
        progress_interval: Seconds between progress calls: positive.
        **sizes: The job's own counts that must be at least 1, by name (``chunk_size``,
            ``read_ahead``, ``tag_chunk_size``).
    """
    if isinstance(items, str | bytes) or not isinstance(items, Iterable | AsyncIterable):
        raise ConfigurationError(
            f"the rows must be an iterable or async iterable of rows, not {type(items).__name__}"
        )
    counts = [("concurrency", concurrency, 1), ("start_at", start_at, 0)]
    counts += [(name, value, 1) for name, value in sizes.items()]
    for name, value, least in counts:
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            raise ConfigurationError(f"{name} must be an int of at least {least}, got {value!r}")
    if isinstance(progress_interval, bool) or not (
        isinstance(progress_interval, int | float) and progress_interval > 0
    ):
        raise ConfigurationError(f"progress_interval must be positive, got {progress_interval!r}")
