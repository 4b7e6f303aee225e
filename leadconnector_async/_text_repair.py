"""JSON text that is not valid Unicode, made valid: what msgspec refuses and a server still sends.

Node's ``JSON.stringify`` writes a lone UTF-16 surrogate as its escape (``"\\ud83d"``, an emoji
cut in half), and some servers pass bytes that are not UTF-8 through. msgspec refuses both
(``DecodeError``) where Python's ``json`` reads the first; each bad character becomes U+FFFD,
as ``bytes.decode(errors="replace")`` does, and the rest of the text is kept as it was.

Nothing here does I/O.
"""

from __future__ import annotations

import re

import msgspec

__all__ = ["NOT_DECODED", "valid_text"]

# A \uXXXX escape of a UTF-16 surrogate after an even run of backslashes (so not an escaped
# backslash followed by "u"): a high one followed by a low one is a pair, any other is lone.
_ESCAPED_SURROGATE = re.compile(
    rb"(?<!\\)((?:\\\\)*)"
    rb"(\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2})"
)


NOT_DECODED = (msgspec.DecodeError, UnicodeDecodeError)
"""What decoding a body that cannot be read raises (``msgspec.ValidationError`` is a
``DecodeError`` too): msgspec 0.18, the declared floor, raises ``UnicodeDecodeError`` for bytes
that are not UTF-8 where later versions raise ``DecodeError``."""


def valid_text(body: bytes | memoryview) -> bytes | None:
    """``body`` with each lone surrogate escape and each byte that is not UTF-8 replaced by
    U+FFFD, or ``None`` when it has neither (so the body is not JSON for another reason)."""
    original = bytes(body)
    try:
        original.decode()
        data = original
    except UnicodeDecodeError:
        data = original.decode(errors="replace").encode()
    data = _ESCAPED_SURROGATE.sub(_pairs_kept, data)
    return None if data == original else data


def _pairs_kept(match: re.Match[bytes]) -> bytes:
    escapes, surrogate = match.group(1, 2)
    return escapes + (surrogate if len(surrogate) == 12 else rb"\ufffd")
