"""Base classes every model derives from, so wire conventions are declared once."""

from __future__ import annotations

from typing import Any, Final, final

import msgspec

# What a custom field can hold on the wire: the schema says string, real data says anything.
JSONValue = str | int | float | bool | list[Any] | dict[str, Any] | None


@final
class ClearType:
    """The type of :data:`CLEAR` (use the one instance, compared with ``is``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "CLEAR"

    def __reduce__(self) -> str:
        return "CLEAR"


CLEAR: Final = ClearType()
"""Clears a field on update: ``ContactUpdate(last_name=lc.CLEAR)`` sends ``"lastName": null``.

``None`` never clears anything: on every request body, ``None`` (like ``UNSET``) means "not
sent", so an optional value from your own code cannot erase stored data by accident.
"""


def encode_clear(value: object) -> None:
    """``enc_hook`` for request bodies: :data:`CLEAR` becomes JSON ``null``."""
    if value is CLEAR:
        return
    raise TypeError(f"Encoding objects of type {type(value).__name__} is unsupported")


class Model(
    msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True, repr_omit_defaults=True
):
    """A response model: camelCase on the wire, every field optional, unknown fields ignored.

    Its repr shows only the fields the server sent a value for.

    Attributes:
        undecoded: Fields the server sent in a shape their declared type cannot hold, by wire
            name, with the raw JSON value (``None`` when every field decoded). The record keeps
            every other field; see the README's "Decoding real responses".
    """

    undecoded: dict[str, Any] | None = msgspec.field(default=None, name="_undecoded")


class Input(
    msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True, repr_omit_defaults=True
):
    """A request body: fields left ``UNSET`` are not sent; its repr shows only the set fields."""


class Succeeded(Model):
    """Envelope of operations that answer only ``{"succeded": true}`` (v2 spelling) or
    ``{"succeeded": true}`` (v3 spelling)."""

    succeded: bool | None = None
    succeeded: bool | None = msgspec.field(default=None, name="succeeded")

    @property
    def ok(self) -> bool:
        """True when either spelling says the operation succeeded."""
        return bool(self.succeded or self.succeeded)
