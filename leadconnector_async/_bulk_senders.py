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
    ``ConfigurationError`` and is left out of the request. A row without an entry of its own
    succeeds only when the answer reports no other failure: when its ``errorCount`` is more than
    the error entries it gave for our contacts, or it says ``succeded: false``, the server did
    not say which contacts failed, so each such row fails with an ``APIError`` saying it was not
    confirmed (sending it again is harmless: adding or removing a tag twice changes nothing).
    """

    async def send(ids: list[str]) -> list[BulkTagsEntry | LeadConnectorError | None]:
        valid = [i for i in ids if _is_id(i)]
        answer = await update(valid) if valid else BulkTagsResult()
        entries: dict[str, deque[BulkTagsEntry]] = {}
        for entry in answer.responses:
            if isinstance(entry, BulkTagsEntry) and entry.contact_id is not None:
                entries.setdefault(entry.contact_id, deque()).append(entry)
        results = [_tagged(i, entries.get(i) if _is_id(i) else None) for i in ids]
        failed = sum(isinstance(r, APIError) for r in results)
        reason = _unreported_failure(answer, failed)
        if reason is None:
            return results
        return [
            APIError(f"contact {i} was not confirmed updated: {reason}") if r is None else r
            for i, r in zip(ids, results, strict=True)
        ]

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


_QUOTED = 3  # server messages quoted in the error of a row the answer leaves unconfirmed


def _unreported_failure(answer: BulkTagsResult, failed: int) -> str | None:
    """Why a contact without an entry of its own cannot be counted as updated: the answer
    reports failures beyond the ``failed`` error entries found for our contacts, or says it did
    not succeed; ``None`` when it reports nothing else."""
    refused = not answer.ok and (answer.succeded is False or answer.succeeded is False)
    if answer.error_count <= failed and not refused:
        return None
    if answer.error_count > 0:
        said = f"the server reported {answer.error_count} contact(s) not updated"
    else:
        said = "the server answered that the update did not succeed"
    messages = dict.fromkeys(
        entry if isinstance(entry, str) else entry.message or ""
        for entry in answer.responses
        if isinstance(entry, str) or (entry.contact_id is None and entry.type == "error")
    )
    quoted = [m.strip()[:200] for m in messages if m.strip()][:_QUOTED]
    return said + " without saying which" + (f" ({'; '.join(quoted)})" if quoted else "")


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
