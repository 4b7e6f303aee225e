"""Chunk senders for bulk jobs, built from a one-row call or from a call on many contacts.

:func:`each` sends one row per request and checks each row's shape before sending it;
:func:`per_contact` sends a chunk of contact ids in one request and maps the server's per-contact
answers back to the rows. Both report a bad row as its own error, never sending it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from .errors import APIError, ConfigurationError, LeadConnectorError
from .models.tags import BulkTagsEntry, BulkTagsResult

__all__ = ["RowShape", "SendChunk", "each", "per_contact"]

T = TypeVar("T")
R = TypeVar("R")

SendChunk = Callable[[list[T]], Awaitable[Sequence[R | LeadConnectorError]]]
"""Sends one chunk of rows; returns one result, or one error, per row, in order."""

RowShape = type | tuple[type, ...]
"""What a row must be: a type, or a tuple of types for rows that are tuples (element-wise)."""


def each(op: Callable[[T], Awaitable[R]], shape: RowShape) -> SendChunk[T, R]:
    """Adapt a one-row call (``contacts.upsert``) to a job whose ``chunk_size`` is 1.

    A row that does not fit ``shape`` fails with a :class:`ConfigurationError` and nothing is
    sent for it.
    """

    async def send(rows: list[T]) -> list[R | LeadConnectorError]:
        (row,) = rows
        if not _fits(row, shape):
            return [
                ConfigurationError(
                    f"a bulk row must be {_describe(shape)}, got {type(row).__name__}; "
                    "nothing was sent for it"
                )
            ]
        return [await op(row)]

    return send


def per_contact(
    update: Callable[[list[str]], Awaitable[BulkTagsResult]],
) -> SendChunk[str, BulkTagsEntry | None]:
    """Adapt a call on many contacts (``contacts.bulk_tags.add``) to a chunked job.

    Each contact's ``responses`` entry of type ``error`` fails that row with an ``APIError``
    carrying the server's message; a row that is not a non-empty string fails with a
    ``ConfigurationError`` and is left out of the request.
    """

    async def send(ids: list[str]) -> list[BulkTagsEntry | LeadConnectorError | None]:
        valid = [i for i in ids if _is_id(i)]
        answer = await update(valid) if valid else BulkTagsResult()
        entries: dict[str, deque[BulkTagsEntry]] = {}
        for entry in answer.responses:
            if isinstance(entry, BulkTagsEntry) and entry.contact_id is not None:
                entries.setdefault(entry.contact_id, deque()).append(entry)
        return [_tagged(i, entries.get(i) if _is_id(i) else None) for i in ids]

    return send


def _is_id(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _tagged(
    contact_id: str, entries: deque[BulkTagsEntry] | None
) -> BulkTagsEntry | LeadConnectorError | None:
    if not _is_id(contact_id):
        return ConfigurationError(
            f"a contact id must be a non-empty string, got {contact_id!r}; it was not sent"
        )
    entry = entries.popleft() if entries else None
    if entry is not None and entry.type == "error":
        return APIError(f"contact {contact_id} was not updated: {entry.message or 'error'}")
    return entry


def _fits(row: object, shape: RowShape) -> bool:
    if isinstance(shape, tuple):
        return (
            isinstance(row, tuple)
            and len(row) == len(shape)
            and all(isinstance(value, kind) for value, kind in zip(row, shape, strict=True))
        )
    return isinstance(row, shape)


def _describe(shape: RowShape) -> str:
    if isinstance(shape, tuple):
        return "a tuple (" + ", ".join(kind.__name__ for kind in shape) + ")"
    return f"a {shape.__name__}"
