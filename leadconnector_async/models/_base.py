"""Base classes every model derives from, so wire conventions are declared once."""

from __future__ import annotations

import math
from functools import cache
from typing import Any, ClassVar, Final, final

import msgspec
from msgspec import UNSET

from ..errors import ConfigurationError

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


def clear_refused(where: str) -> TypeError:
    """The error for :data:`CLEAR` in ``where`` (``Class.field``), a place it cannot mean."""
    return TypeError(f"{where}: CLEAR clears a field on update only; leave the field unset here")


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
    """A request body: fields left ``UNSET`` are not sent; its repr shows only the set fields.

    A field that defaults to ``UNSET`` and is given ``None`` or NaN (an empty cell of a
    spreadsheet or a pandas frame) is ``UNSET``: not sent, so a missing value from your own
    data never erases stored data. Infinity, NaN in a required field, and :data:`CLEAR` outside
    an update are refused where the body is built, before anything is sent.

    Raises:
        ConfigurationError: a value JSON cannot carry (infinity, or NaN in a required field).
        TypeError: :data:`CLEAR` in a body that is not an update's.
    """

    _accepts_clear: ClassVar[bool] = False

    def __post_init__(self) -> None:
        cls = type(self)
        for name, optional in _fields(cls):
            value = getattr(self, name)
            if value is UNSET:
                continue
            if optional and (value is None or _is_nan(value)):
                setattr(self, name, UNSET)
            elif value is CLEAR and not self._accepts_clear:
                raise clear_refused(f"{cls.__name__}.{name}")
            elif isinstance(value, float) and not math.isfinite(value):
                raise ConfigurationError(
                    f"{cls.__name__}.{name}: {value!r} cannot be sent: JSON has no such number "
                    "(it would go out as null and erase the stored value)"
                )


@cache
def _fields(cls: type[Input]) -> tuple[tuple[str, bool], ...]:
    """Each field of ``cls`` and whether it is left out unless given a value."""
    return tuple((f.name, f.default is UNSET) for f in msgspec.structs.fields(cls))


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


class Succeeded(Model):
    """Envelope of operations that answer only ``{"succeded": true}`` (v2 spelling) or
    ``{"succeeded": true}`` (v3 spelling)."""

    succeded: bool | None = None
    succeeded: bool | None = msgspec.field(default=None, name="succeeded")

    @property
    def ok(self) -> bool:
        """True when either spelling says the operation succeeded."""
        return bool(self.succeded or self.succeeded)
