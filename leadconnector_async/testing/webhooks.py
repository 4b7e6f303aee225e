"""Sign webhook deliveries the way the platform does, for tests and the fake server.

Example::

    keys = generate_test_keys()
    verifier = keys.verifier()
    async with WebhookSender(url, ed25519_key=keys.ed25519_private_key) as sender:
        status = await sender.send({"type": "ContactCreate", "locationId": "l1", "id": "c1"})

Needs ``cryptography`` (``pip install 'leadconnector-async[webhooks]'``).
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import msgspec

from .._closing import AsyncClosing
from .._webhook_signatures import MISSING_CRYPTOGRAPHY
from ..errors import ConfigurationError
from ..webhooks import (
    ED25519_SIGNATURE_HEADER,
    RSA_SIGNATURE_HEADER,
    AsyncReplayStore,
    ReplayStore,
    WebhookVerifier,
)
from ._store import api_time

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

__all__ = [
    "WebhookSender",
    "WebhookTestKeys",
    "format_timestamp",
    "generate_test_keys",
    "sign_ed25519",
    "sign_rsa",
    "signed_delivery",
]


@dataclass(frozen=True)
class WebhookTestKeys:
    """A throwaway Ed25519 key and RSA key, standing in for the platform's signing keys.

    Attributes:
        ed25519_private_key: Signs ``X-GHL-Signature``.
        rsa_private_key: Signs the legacy ``X-WH-Signature``.
    """

    ed25519_private_key: Ed25519PrivateKey = field(repr=False)
    rsa_private_key: RSAPrivateKey = field(repr=False)

    @property
    def ed25519_public_pem(self) -> bytes:
        """The Ed25519 public key as PEM, for ``WebhookVerifier(ed25519_public_key=...)``."""
        return _public_pem(self.ed25519_private_key.public_key())

    @property
    def rsa_public_pem(self) -> bytes:
        """The RSA public key as PEM, for ``WebhookVerifier(rsa_public_key=...)``."""
        return _public_pem(self.rsa_private_key.public_key())

    def verifier(
        self,
        *,
        tolerance: float = 300.0,
        replay_store: ReplayStore | AsyncReplayStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> WebhookVerifier:
        """A verifier that trusts these keys; arguments as for :class:`WebhookVerifier`."""
        return WebhookVerifier(
            self.ed25519_public_pem,
            self.rsa_public_pem,
            tolerance=tolerance,
            replay_store=replay_store,
            clock=clock,
        )


def generate_test_keys(rsa_key_size: int = 2048) -> WebhookTestKeys:
    """Generate a fresh Ed25519 and RSA key pair.

    Args:
        rsa_key_size: RSA modulus bits; the platform uses 4096, 2048 keeps tests fast.

    Returns:
        The new keys.

    Raises:
        ConfigurationError: ``cryptography`` is not installed.
    """
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    except ImportError as exc:
        raise ConfigurationError(MISSING_CRYPTOGRAPHY) from exc
    return WebhookTestKeys(
        ed25519_private_key=ed25519.Ed25519PrivateKey.generate(),
        rsa_private_key=rsa.generate_private_key(public_exponent=65537, key_size=rsa_key_size),
    )


def sign_ed25519(body: bytes, private_key: Ed25519PrivateKey) -> str:
    """Sign ``body`` as ``X-GHL-Signature`` does.

    Args:
        body: The exact bytes that will be sent.
        private_key: The signing key.

    Returns:
        The base64 Ed25519 signature.
    """
    return base64.b64encode(private_key.sign(body)).decode("ascii")


def sign_rsa(body: bytes, private_key: RSAPrivateKey) -> str:
    """Sign ``body`` as the legacy ``X-WH-Signature`` does (PKCS#1 v1.5, SHA-256).

    Args:
        body: The exact bytes that will be sent.
        private_key: The signing key.

    Returns:
        The base64 RSA signature.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    signature = private_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def format_timestamp(unix_time: float) -> str:
    """Format Unix time as the ISO 8601 UTC ``timestamp`` a delivery carries."""
    return api_time(datetime.fromtimestamp(unix_time, UTC))


def signed_delivery(
    payload: Mapping[str, Any],
    *,
    ed25519_key: Ed25519PrivateKey | None = None,
    rsa_key: RSAPrivateKey | None = None,
    timestamp: float,
    webhook_id: str,
) -> tuple[bytes, dict[str, str]]:
    """Build the body and headers of one delivery: ``payload`` plus ``timestamp`` and
    ``webhookId``, signed with each key given (both: both headers, as during the migration).

    Args:
        payload: The event fields, ``type`` included.
        ed25519_key: Adds ``X-GHL-Signature`` when given.
        rsa_key: Adds ``X-WH-Signature`` when given.
        timestamp: Unix time of the delivery.
        webhook_id: The delivery's ``webhookId``.

    Returns:
        The body bytes and the request headers.
    """
    body = msgspec.json.encode(
        {**payload, "timestamp": format_timestamp(timestamp), "webhookId": webhook_id}
    )
    headers = {"Content-Type": "application/json"}
    if ed25519_key is not None:
        headers[ED25519_SIGNATURE_HEADER] = sign_ed25519(body, ed25519_key)
    if rsa_key is not None:
        headers[RSA_SIGNATURE_HEADER] = sign_rsa(body, rsa_key)
    return body, headers


class WebhookSender(AsyncClosing):
    """POSTs signed deliveries to a webhook URL, as the platform does.

    ``deliver`` matches the fake server's subscriber signature, so a sender can be subscribed
    directly: ``fake.subscribe(sender.deliver)``.

    Args:
        url: The receiver's URL.
        ed25519_key: Signs ``X-GHL-Signature`` when given.
        rsa_key: Signs ``X-WH-Signature`` when given.
        session: An aiohttp session to borrow; by default one is created and closed by
            :meth:`aclose`.
        clock: Returns the current Unix time, stamped on every delivery.
        new_webhook_id: Returns a fresh ``webhookId`` per delivery.

    Attributes:
        statuses: The HTTP status of every delivery so far, in order.

    Raises:
        ConfigurationError: Neither key was given.
    """

    def __init__(
        self,
        url: str,
        *,
        ed25519_key: Ed25519PrivateKey | None = None,
        rsa_key: RSAPrivateKey | None = None,
        session: aiohttp.ClientSession | None = None,
        clock: Callable[[], float] = time.time,
        new_webhook_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        if ed25519_key is None and rsa_key is None:
            raise ConfigurationError("WebhookSender needs ed25519_key, rsa_key or both")
        self.url = url
        self._ed25519_key = ed25519_key
        self._rsa_key = rsa_key
        self._session = session
        self._owns_session = session is None
        self._clock = clock
        self._new_webhook_id = new_webhook_id
        self.statuses: list[int] = []

    async def send(self, payload: Mapping[str, Any]) -> int:
        """Sign and POST one event.

        Args:
            payload: The event fields, ``type`` included; ``timestamp`` and ``webhookId`` are
                added.

        Returns:
            The receiver's HTTP status.

        Raises:
            aiohttp.ClientError: The receiver could not be reached.
        """
        body, headers = signed_delivery(
            payload,
            ed25519_key=self._ed25519_key,
            rsa_key=self._rsa_key,
            timestamp=self._clock(),
            webhook_id=self._new_webhook_id(),
        )
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.post(self.url, data=body, headers=headers) as response:
            await response.read()
        self.statuses.append(response.status)
        return response.status

    async def deliver(self, event_type: str, payload: dict[str, Any]) -> None:
        """Send ``payload`` as an event of ``event_type`` (the fake server's subscriber hook).

        Args:
            event_type: The event ``type``, e.g. ``"ContactCreate"``.
            payload: The changed object's fields, e.g. the contact.
        """
        await self.send({**payload, "type": event_type})

    async def aclose(self) -> None:
        """Close the session if this sender created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None


def _public_pem(public_key: Ed25519PublicKey | RSAPublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
