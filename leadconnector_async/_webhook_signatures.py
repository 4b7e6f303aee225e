"""Webhook signature schemes: the platform's public keys, and the check of a delivery's signature.

``X-GHL-Signature`` (Ed25519, base64) is checked over the exact raw body bytes. Only when that
header is absent is the legacy ``X-WH-Signature`` (RSA PKCS#1 v1.5 with SHA-256, base64) used.
Both need the optional ``cryptography`` package, imported only when keys are loaded.
"""

from __future__ import annotations

import base64
import re
import textwrap
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ._rate_headers import header
from .errors import ConfigurationError, WebhookVerificationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

__all__ = [
    "DEFAULT_ED25519_PUBLIC_KEY",
    "DEFAULT_RSA_PUBLIC_KEY",
    "ED25519_SIGNATURE_HEADER",
    "MISSING_CRYPTOGRAPHY",
    "RSA_SIGNATURE_HEADER",
    "SignatureKeys",
]

ED25519_SIGNATURE_HEADER = "X-GHL-Signature"
RSA_SIGNATURE_HEADER = "X-WH-Signature"

DEFAULT_ED25519_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=
-----END PUBLIC KEY-----
"""
"""The platform's published Ed25519 key for ``X-GHL-Signature``."""

DEFAULT_RSA_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSC
Frm602qYV0MaAiNnX9O8KxMbiyRKWeL9JpCpVpt4XHIcBOK4u3cLSqJGOLaPuXw6
dO0t6Q/ZVdAV5Phz+ZtzPL16iCGeK9po6D6JHBpbi989mmzMryUnQJezlYJ3DVfB
csedpinheNnyYeFXolrJvcsjDtfAeRx5ByHQmTnSdFUzuAnC9/GepgLT9SM4nCpv
uxmZMxrJt5Rw+VUaQ9B8JSvbMPpez4peKaJPZHBbU3OdeCVx5klVXXZQGNHOs8gF
3kvoV5rTnXV0IknLBXlcKKAQLZcY/Q9rG6Ifi9c+5vqlvHPCUJFT5XUGG5RKgOKU
J062fRtN+rLYZUV+BjafxQauvC8wSWeYja63VSUruvmNj8xkx2zE/Juc+yjLjTXp
IocmaiFeAO6fUtNjDeFVkhf5LNb59vECyrHD2SQIrhgXpO4Q3dVNA5rw576PwTzN
h/AMfHKIjE4xQA1SZuYJmNnmVZLIZBlQAF9Ntd03rfadZ+yDiOXCCs9FkHibELhC
HULgCsnuDJHcrGNd5/Ddm5hxGQ0ASitgHeMZ0kcIOwKDOzOU53lDza6/Y09T7sYJ
PQe7z0cvj7aE4B+Ax1ZoZGPzpJlZtGXCsu9aTEGEnKzmsFqwcSsnw3JB31IGKAyk
T1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ==
-----END PUBLIC KEY-----
"""
"""The platform's published RSA-4096 key for the legacy ``X-WH-Signature``."""

MISSING_CRYPTOGRAPHY = (
    "webhook signature verification needs the 'cryptography' package: "
    "pip install 'leadconnector-async[webhooks]'"
)
_ED25519_SIGNATURE_SIZE = 64
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)


class SignatureKeys:
    """The public keys of both schemes, loaded once, and the check of one delivery's signature.

    Raises:
        ConfigurationError: ``cryptography`` is not installed, or a key is not a PEM public key
            of the right kind.
    """

    def __init__(self, ed25519_pem: str | bytes, rsa_pem: str | bytes) -> None:
        self._ed25519_key, self._rsa_key = _load_keys(ed25519_pem, rsa_pem)

    def check(self, body: bytes, headers: Mapping[str, str]) -> None:
        """Raise ``WebhookVerificationError`` unless the delivery's signature matches ``body``."""
        ed25519_value = header(headers, ED25519_SIGNATURE_HEADER)
        if ed25519_value is not None:
            signature = _signature_bytes(ed25519_value, ED25519_SIGNATURE_HEADER)
            _require_size(signature, _ED25519_SIGNATURE_SIZE, ED25519_SIGNATURE_HEADER)
            valid = _ed25519_valid(self._ed25519_key, signature, body)
            checked = ED25519_SIGNATURE_HEADER
        else:
            rsa_value = header(headers, RSA_SIGNATURE_HEADER)
            if rsa_value is None:
                raise WebhookVerificationError(
                    f"missing signature header: expected {ED25519_SIGNATURE_HEADER} "
                    f"(or the legacy {RSA_SIGNATURE_HEADER})"
                )
            signature = _signature_bytes(rsa_value, RSA_SIGNATURE_HEADER)
            _require_size(signature, self._rsa_key.key_size // 8, RSA_SIGNATURE_HEADER)
            valid = _rsa_valid(self._rsa_key, signature, body)
            checked = RSA_SIGNATURE_HEADER
        if not valid:
            raise WebhookVerificationError(f"signature mismatch: {checked} does not match the body")


def _signature_bytes(value: str, header: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except ValueError as exc:  # binascii.Error, or non-ASCII text
        raise WebhookVerificationError(f"bad base64 in {header}") from exc


def _require_size(signature: bytes, size: int, header: str) -> None:
    if len(signature) != size:
        raise WebhookVerificationError(
            f"wrong signature length in {header}: {len(signature)} bytes, expected {size}"
        )


def _ed25519_valid(key: Ed25519PublicKey, signature: bytes, body: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        key.verify(signature, body)
    except InvalidSignature:
        return False
    return True


def _rsa_valid(key: RSAPublicKey, signature: bytes, body: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _load_keys(
    ed25519_pem: str | bytes, rsa_pem: str | bytes
) -> tuple[Ed25519PublicKey, RSAPublicKey]:
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    except ImportError as exc:
        raise ConfigurationError(MISSING_CRYPTOGRAPHY) from exc

    def load(pem: str | bytes, argument: str) -> object:
        normalized = _normalized_pem(pem, argument)
        try:
            return serialization.load_pem_public_key(normalized)
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(f"{argument} is not a valid PEM public key") from exc

    ed25519_key = load(ed25519_pem, "ed25519_public_key")
    if not isinstance(ed25519_key, ed25519.Ed25519PublicKey):
        raise ConfigurationError("ed25519_public_key is not an Ed25519 public key")
    rsa_key = load(rsa_pem, "rsa_public_key")
    if not isinstance(rsa_key, rsa.RSAPublicKey):
        raise ConfigurationError("rsa_public_key is not an RSA public key")
    return ed25519_key, rsa_key


def _normalized_pem(pem: str | bytes, argument: str) -> bytes:
    """Re-wrap a PEM block so keys pasted on one line (as the guide prints them) still load."""
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else pem
    match = _PEM_BLOCK.search(text)
    if match is None:
        raise ConfigurationError(f"{argument} is not a PEM block (-----BEGIN PUBLIC KEY-----...)")
    label, body = match.group(1), "".join(match.group(2).split())
    lines = "\n".join(textwrap.wrap(body, 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n".encode("ascii", "replace")
