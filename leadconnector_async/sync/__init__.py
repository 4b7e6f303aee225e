"""Change-only sync: read a location once, compare, and write only what differs.

Use it through ``client.contacts.sync(rows, ...)``; :class:`SyncSettings` and :func:`run_sync`
are the engine behind it.
"""

from ._engine import SyncOptions, SyncSettings, run_sync

__all__ = ["SyncOptions", "SyncSettings", "run_sync"]
