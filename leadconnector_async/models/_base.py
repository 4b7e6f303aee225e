"""Base classes every model derives from, so wire conventions are declared once."""

from __future__ import annotations

from typing import Any

import msgspec

# What a custom field can hold on the wire: the schema says string, real data says anything.
JSONValue = str | int | float | bool | list[Any] | dict[str, Any] | None


class Model(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    """A response model: camelCase on the wire, every field optional, unknown fields ignored."""


class Input(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    """A request body: fields left ``UNSET`` are not sent (``None`` sends ``null`` on purpose)."""


class Succeeded(Model):
    """Envelope of operations that answer only ``{"succeded": true}`` (v2 spelling) or
    ``{"succeeded": true}`` (v3 spelling)."""

    succeded: bool | None = None
    succeeded: bool | None = msgspec.field(default=None, name="succeeded")

    @property
    def ok(self) -> bool:
        """True when either spelling says the operation succeeded."""
        return bool(self.succeded or self.succeeded)
