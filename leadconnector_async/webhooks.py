"""Webhook verification: signature, freshness, replay protection, typed events.

A delivery is accepted only when all of these hold, checked in this order:

1. ``X-GHL-Signature`` (Ed25519, base64) verifies over the exact raw body bytes. Only when that
   header is absent is the legacy ``X-WH-Signature`` (RSA PKCS#1 v1.5 with SHA-256, base64) used.
2. The body is a JSON object whose ``timestamp`` (ISO 8601) is within ``tolerance`` seconds of now.
3. Its ``webhookId`` was not accepted before (the replay store remembers it while its timestamp is
   still inside the window; after that the timestamp check alone rejects a replay). A delivery
   without a ``webhookId`` (or with one that is not a non-empty string) is remembered by the
   SHA-256 of its body instead: a replay is the same signed bytes, so it is still caught.

The body of an accepted delivery becomes its typed event. A ``type`` not modelled here, or a
known ``type`` whose body lacks a field its struct requires, becomes an ``UnknownWebhookEvent``
holding the whole body: it was signed and fresh, and refusing it would lose it for good (the
platform delivers again only after a 429).

Signature checks need the optional ``cryptography`` package
(``pip install 'leadconnector-async[webhooks]'``); the typed events do not.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping
from typing import cast

from ._webhook_payload import decode_payload, timestamp_of
from ._webhook_replay import (
    BODY_DIGEST_PREFIX,
    AsyncReplayStore,
    ForgettingStore,
    MemoryReplayStore,
    ReplayStore,
    replay_key,
)
from ._webhook_signatures import (
    DEFAULT_ED25519_PUBLIC_KEY,
    DEFAULT_RSA_PUBLIC_KEY,
    ED25519_SIGNATURE_HEADER,
    RSA_SIGNATURE_HEADER,
    SignatureKeys,
)
from .errors import ConfigurationError, WebhookVerificationError
from .models.webhooks import WebhookEvent, event_from_payload

__all__ = [
    "DEFAULT_ED25519_PUBLIC_KEY",
    "DEFAULT_RSA_PUBLIC_KEY",
    "ED25519_SIGNATURE_HEADER",
    "RSA_SIGNATURE_HEADER",
    "AsyncReplayStore",
    "ForgettingStore",
    "MemoryReplayStore",
    "ReplayStore",
    "WebhookEvent",
    "WebhookVerifier",
]


class WebhookVerifier:
    """Verifies webhook deliveries and decodes them into typed events.

    Args:
        ed25519_public_key: PEM (str or bytes) of the ``X-GHL-Signature`` key; ``None`` uses
            :data:`DEFAULT_ED25519_PUBLIC_KEY`.
        rsa_public_key: PEM of the legacy ``X-WH-Signature`` key; ``None`` uses
            :data:`DEFAULT_RSA_PUBLIC_KEY`.
        tolerance: Seconds a ``timestamp`` may differ from now, either way.
        replay_store: Where accepted ``webhookId`` values are remembered; ``None`` uses a new
            :class:`MemoryReplayStore`. An :class:`AsyncReplayStore` requires :meth:`averify`.
        clock: Returns the current Unix time; injectable for tests.

    Raises:
        ConfigurationError: ``cryptography`` is not installed, a key is not a PEM public key of
            the right kind, or ``tolerance`` is not positive.
    """

    def __init__(
        self,
        ed25519_public_key: str | bytes | None = None,
        rsa_public_key: str | bytes | None = None,
        *,
        tolerance: float = 300.0,
        replay_store: ReplayStore | AsyncReplayStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not tolerance > 0:
            raise ConfigurationError("tolerance must be a positive number of seconds")
        self._signatures = SignatureKeys(
            DEFAULT_ED25519_PUBLIC_KEY if ed25519_public_key is None else ed25519_public_key,
            DEFAULT_RSA_PUBLIC_KEY if rsa_public_key is None else rsa_public_key,
        )
        self._tolerance = tolerance
        self._clock = clock
        store = replay_store if replay_store is not None else MemoryReplayStore(clock=clock)
        self._store_is_async = inspect.iscoroutinefunction(store.seen)
        self._store = store

    def verify(self, raw_body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Verify one delivery and return its typed event.

        Args:
            raw_body: The request body exactly as received.
            headers: The request headers; any mapping, names matched case-insensitively.

        Returns:
            The typed event, or an ``UnknownWebhookEvent`` for a ``type`` not modelled here
            (or a body that lacks a field its type's struct requires).

        Raises:
            WebhookVerificationError: Any check failed; the message says which.
            ConfigurationError: The replay store is async (use :meth:`averify`).
        """
        if self._store_is_async:
            raise ConfigurationError("the replay store is async: use 'await verifier.averify()'")
        event, webhook_id, expires_at = self._check(raw_body, headers)
        _reject_replay(cast(ReplayStore, self._store).seen(webhook_id, expires_at), webhook_id)
        return event

    async def averify(self, raw_body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Like :meth:`verify`, and also accepts an :class:`AsyncReplayStore`.

        Args:
            raw_body: The request body exactly as received.
            headers: The request headers; any mapping, names matched case-insensitively.

        Returns:
            The typed event, or an ``UnknownWebhookEvent`` for a ``type`` not modelled here
            (or a body that lacks a field its type's struct requires).

        Raises:
            WebhookVerificationError: Any check failed; the message says which.
        """
        event, webhook_id, expires_at = self._check(raw_body, headers)
        _reject_replay(await self._seen(webhook_id, expires_at), webhook_id)
        return event

    async def averify_first(
        self, raw_body: bytes, headers: Mapping[str, str]
    ) -> tuple[WebhookEvent, bool]:
        """Like :meth:`averify`, but a verified replay is returned rather than raised.

        Returns:
            The event, and True when its ``webhookId`` was not accepted before.

        Raises:
            WebhookVerificationError: The signature, timestamp or body failed a check.
        """
        event, webhook_id, expires_at = self._check(raw_body, headers)
        return event, not await self._seen(webhook_id, expires_at)

    async def aforget(self, event: WebhookEvent, raw_body: bytes | None = None) -> bool:
        """Forget ``event``'s ``webhookId`` so its next delivery is accepted again.

        Args:
            event: An event this verifier accepted.
            raw_body: The delivery's body as received. Pass it: a delivery without a
                ``webhookId`` is remembered by the digest of its body, and only the body
                gives that back.

        Returns:
            False when the replay store has no ``forget`` method (see :class:`ForgettingStore`),
            or when neither ``raw_body`` nor the event's ``webhook_id`` names the delivery.

        Raises:
            WebhookVerificationError: ``raw_body`` is not a JSON object.
        """
        forget = getattr(self._store, "forget", None)
        if raw_body is not None:
            key: str | None = replay_key(decode_payload(raw_body).get("webhookId"), raw_body)
        else:
            key = event.webhook_id
        if forget is None or key is None:
            return False
        result = forget(key)
        if inspect.isawaitable(result):
            await result
        return True

    async def _seen(self, webhook_id: str, expires_at: float) -> bool:
        if self._store_is_async:
            return await cast(AsyncReplayStore, self._store).seen(webhook_id, expires_at)
        return cast(ReplayStore, self._store).seen(webhook_id, expires_at)

    def _check(self, body: bytes, headers: Mapping[str, str]) -> tuple[WebhookEvent, str, float]:
        """Every check except the replay store, which is the only one with a side effect."""
        self._signatures.check(body, headers)
        payload = decode_payload(body)
        sent_at = timestamp_of(payload)
        age = self._clock() - sent_at
        if abs(age) > self._tolerance:
            when = f"{age:.0f}s old" if age > 0 else f"{-age:.0f}s in the future"
            raise WebhookVerificationError(
                f"stale timestamp: {when}, tolerance is {self._tolerance:g}s"
            )
        key = replay_key(payload.get("webhookId"), body)
        return event_from_payload(payload), key, sent_at + self._tolerance


def _reject_replay(replayed: bool, key: str) -> None:
    if not replayed:
        return
    if key.startswith(BODY_DIGEST_PREFIX):
        raise WebhookVerificationError("replayed delivery without a webhookId (the same body)")
    raise WebhookVerificationError(f"replayed webhookId {key!r}")
