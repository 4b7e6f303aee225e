"""What changes on the wire under ``Version: v3``, as pure translations to and from the v2
shapes the structs declare, so user code reads and writes the same structs in either version.

- ``dndSettings`` keys are lower camel case (``call``, ``whatsApp``) instead of ``Call``,
  ``WhatsApp``: translated both ways.
- Custom field writes name the value ``fieldValue`` instead of ``field_value``.
- ``succeeded`` beside (or, for updates, instead of) ``succeded``: the structs read both.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import msgspec

from ._lenient import repaired_text
from ._text_repair import NOT_DECODED
from .errors import ConfigurationError
from .models._base import encode_clear

T = TypeVar("T")

DND_V2_TO_V3 = {
    "Call": "call",
    "Email": "email",
    "SMS": "sms",
    "WhatsApp": "whatsApp",
    "GMB": "gmb",
    "FB": "fb",
}
DND_V3_TO_V2 = {v3: v2 for v2, v3 in DND_V2_TO_V3.items()}
DND_KEYS = ("dndSettings",)
FIELD_VALUE_V2, FIELD_VALUE_V3 = "field_value", "fieldValue"

_MARKER = b"ndSettings"  # only answers that mention dndSettings need translating
_ENCODE = msgspec.json.Encoder().encode
_DECODE = msgspec.json.Decoder().decode


def rename_dnd(settings: Any, names: dict[str, str]) -> Any:
    """``settings`` with its channel keys renamed (unknown keys are kept as they are)."""
    if not isinstance(settings, dict):
        return settings
    return {names.get(key, key): value for key, value in settings.items()}


def request_body(body: Any) -> Any:
    """A request body as v3 names it: ``dndSettings`` keys and ``fieldValue`` translated.

    Structs are turned into plain JSON values first; anything without those keys is unchanged.
    """
    if body is None:
        return None
    try:
        plain = msgspec.to_builtins(body, enc_hook=encode_clear)
    except (TypeError, msgspec.EncodeError) as exc:
        raise ConfigurationError(f"cannot send this body: {exc}; nothing was sent") from None
    if not isinstance(plain, dict):
        return plain
    if "dndSettings" in plain:
        plain["dndSettings"] = rename_dnd(plain["dndSettings"], DND_V2_TO_V3)
    if isinstance(plain.get("customFields"), list):
        plain["customFields"] = [
            _rename(item, FIELD_VALUE_V2, FIELD_VALUE_V3) for item in plain["customFields"]
        ]
    return plain


def answer_as_v2(body: bytes) -> bytes:
    """A v3 answer with every ``dndSettings`` object's keys in the v2 casing the structs read."""
    if _MARKER not in body:
        return body
    try:
        tree = _DECODE(body)
    except NOT_DECODED:
        text = repaired_text(body, "v3 answer")
        if text is None:
            return body  # not JSON: the decoder after this says so
        tree = _DECODE(text)  # (still not JSON: raised as the decoder would)
    return _ENCODE(dnd_keys_v3_to_v2(tree))


@cache
def decoder(decode: Callable[[bytes], T]) -> Callable[[bytes], T]:
    """``decode`` for v3 answers: the answer is put in v2 shape, then decoded as usual."""

    def decode_v3(body: bytes) -> T:
        return decode(answer_as_v2(body))

    return decode_v3


def _dnd_keys(node: Any, names: dict[str, str]) -> Any:
    """Every ``dndSettings`` object anywhere in ``node`` with renamed keys."""
    if isinstance(node, list):
        return [_dnd_keys(item, names) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: rename_dnd(value, names) if key in DND_KEYS else _dnd_keys(value, names)
        for key, value in node.items()
    }


def dnd_keys_v2_to_v3(node: Any) -> Any:
    """Every ``dndSettings`` object in ``node`` with v3 keys (the fake's answers)."""
    return _dnd_keys(node, DND_V2_TO_V3)


def dnd_keys_v3_to_v2(node: Any) -> Any:
    """Every ``dndSettings`` object in ``node`` with v2 keys."""
    return _dnd_keys(node, DND_V3_TO_V2)


def field_values_v3_to_v2(custom_fields: Any) -> Any:
    """Custom field writes with ``fieldValue`` renamed ``field_value`` (the fake's store)."""
    if not isinstance(custom_fields, list):
        return custom_fields
    return [_rename(item, FIELD_VALUE_V3, FIELD_VALUE_V2) for item in custom_fields]


def _rename(item: Any, old: str, new: str) -> Any:
    if not isinstance(item, dict) or old not in item:
        return item
    return {(new if key == old else key): value for key, value in item.items()}
