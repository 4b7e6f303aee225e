"""The rows of a sync with writes still out, kept compact while they wait."""

from __future__ import annotations

import msgspec

from ..errors import LeadConnectorError
from ..models.contacts import ContactCreate

__all__ = ["Waiting"]

_pack = msgspec.msgpack.Encoder().encode
_unpack = msgspec.msgpack.Decoder(ContactCreate).decode


class Waiting:
    """A row with writes still out.

    A row with tags to add waits until the end of the job (tags go last), so it is kept
    packed (MessagePack: a fifth of the struct's size), and unpacked only to be reported.
    """

    __slots__ = ("error", "first_written", "kept", "parts", "tags_due", "verdict")

    def __init__(self, row: ContactCreate, verdict: str, parts: int, tags_due: bool) -> None:
        self.kept = _packed(row) if tags_due else row
        self.verdict = verdict
        self.parts = parts
        self.tags_due = tags_due
        self.error: LeadConnectorError | None = None
        self.first_written = False  # the update an upsert needs first went through

    @property
    def row(self) -> ContactCreate:
        kept = self.kept
        return kept if isinstance(kept, ContactCreate) else _unpack(kept)


def _packed(row: ContactCreate) -> bytes | ContactCreate:
    """The row packed, or as it is when packing would not give it back as it is (a value of
    another type than its field's, which the server is left to refuse)."""
    try:
        packed = _pack(row)
        if _unpack(packed) == row:
            return packed
    except (TypeError, msgspec.MsgspecError):
        pass
    return row
