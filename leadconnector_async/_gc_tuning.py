"""An opt-in setting of CPython's garbage collector for processes that send thousands of requests
a second.

The cyclic collector looks at young objects every 700 net allocations. A request in flight holds
about a hundred tracked objects (aiohttp's request and response, asyncio's task, futures and
timers, the caller's coroutines; this library's own are a few of them), and at ~10,000 requests
a second it lives through several such collections, so nearly all of it is promoted to the oldest
generation, whose full collections then walk every object in the process. Measured with
``benchmarks/tenants.py``: at 1,000 locations and 10,000 requests/s demanded, full collections
took most of the core and the process served under half the demand; bare aiohttp under the same
load collapsed further. Looking at young objects every 50,000 allocations instead lets requests
finish before their first collection.
"""

from __future__ import annotations

import gc

from .errors import ConfigurationError

YOUNG_THRESHOLD = 50_000


def tune_gc(young: int = YOUNG_THRESHOLD) -> tuple[int, int, int]:
    """Collect young objects every ``young`` allocations (CPython's default: 700).

    Process-wide, so the library never calls it on its own: call it once at start-up from a
    process that sends thousands of requests a second (a backend serving hundreds of
    locations). A threshold already higher, or ``0`` (automatic collection off), is kept.
    Garbage in reference cycles is then freed a little later; memory is otherwise unchanged.

    Args:
        young: Net allocations of tracked objects between young-generation collections.

    Returns:
        The thresholds before the call: ``gc.set_threshold(*previous)`` undoes it.

    Raises:
        ConfigurationError: ``young`` is not a positive int.
    """
    if isinstance(young, bool) or not isinstance(young, int) or young < 1:
        raise ConfigurationError(f"young must be a positive int, got {young!r}")
    previous = gc.get_threshold()
    if 0 < previous[0] < young:
        gc.set_threshold(young, *previous[1:])
    return previous
