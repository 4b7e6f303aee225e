"""Webhook verification: signature, freshness, replay protection, typed events.

A delivery is accepted only when all of these hold, checked in this order:

1. ``X-GHL-Signature`` (Ed25519, base64) verifies over the exact raw body bytes. Only when that
   header is absent is the legacy ``X-WH-Signature`` (RSA PKCS#1 v1.5 with SHA-256, base64) used.
2. The body is a JSON object whose ``timestamp`` (ISO 8601) is within ``tolerance`` seconds of now.
3. Its ``webhookId`` is a non-empty string, and a known ``type`` matches its event schema.
4. The ``webhookId`` was not accepted before (the replay store remembers it while its timestamp is
   still inside the window; after that the timestamp check alone rejects a replay).

Signature checks need the optional ``cryptography`` package
(``pip install 'leadconnector-async[webhooks]'``); the typed events do not.
"""

from __future__ import annotations

import base64
import heapq
import inspect
import re
import textwrap
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

import msgspec

from ._protocol import header
from .errors import ConfigurationError, WebhookVerificationError
from .models.webhooks import WebhookEvent, decode_webhook_payload, event_from_payload

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

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

_MISSING_CRYPTOGRAPHY = (
    "webhook signature verification needs the 'cryptography' package: "
    "pip install 'leadconnector-async[webhooks]'"
)
_ED25519_SIGNATURE_SIZE = 64
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)


class ReplayStore(Protocol):
    """Remembers accepted ``webhookId`` values (synchronous form).

    Implementations must check and record in one atomic step, so two concurrent deliveries of
    the same id cannot both pass.
    """

    def seen(self, webhook_id: str, expires_at: float) -> bool:
        """Record ``webhook_id`` until ``expires_at`` and say whether it was already recorded.

        Args:
            webhook_id: The delivery's ``webhookId``.
            expires_at: Unix time after which the id may be forgotten.

        Returns:
            True if the id was recorded before and has not expired (a replay), else False.
        """
        ...


class AsyncReplayStore(Protocol):
    """Remembers accepted ``webhookId`` values (asynchronous form, e.g. shared through Redis).

    A Redis-backed store for many processes is one atomic command::

        class RedisReplayStore:
            def __init__(self, redis: redis.asyncio.Redis) -> None:
                self._redis = redis

            async def seen(self, webhook_id: str, expires_at: float) -> bool:
                fresh = await self._redis.set(
                    f"lc:webhook:{webhook_id}", 1, nx=True, exat=math.ceil(expires_at)
                )
                return not fresh

            async def forget(self, webhook_id: str) -> None:  # see ForgettingStore
                await self._redis.delete(f"lc:webhook:{webhook_id}")

    Use it with :meth:`WebhookVerifier.averify` (the aiohttp handler does).
    """

    async def seen(self, webhook_id: str, expires_at: float) -> bool:
        """The same contract as :meth:`ReplayStore.seen`, awaited."""
        ...


class ForgettingStore(Protocol):
    """A replay store that can also forget an id (sync or async ``forget``).

    :func:`~leadconnector_async.webhook_handler.webhook_handler` forgets the id of an event
    whose callback failed, so the platform's redelivery is handled rather than refused as a
    replay. For the Redis store above: ``async def forget(self, webhook_id): await
    self._redis.delete(f"lc:webhook:{webhook_id}")``.
    """

    def forget(self, webhook_id: str) -> Any:
        """Drop ``webhook_id``, so a later delivery of it is accepted again."""
        ...


class MemoryReplayStore:
    """The default in-process :class:`ReplayStore`, bounded in time and size.

    Ids are dropped once they expire. Past ``max_entries`` live ids, the one expiring soonest is
    dropped first. It is per process: several workers need a shared :class:`AsyncReplayStore`.

    Args:
        max_entries: Hard cap on the number of ids held.
        clock: Returns the current Unix time; injectable for tests.

    Raises:
        ConfigurationError: ``max_entries`` is less than 1.
    """

    def __init__(self, *, max_entries: int = 100_000, clock: Callable[[], float] = time.time):
        if max_entries < 1:
            raise ConfigurationError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._by_expiry: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self._expiry)

    def seen(self, webhook_id: str, expires_at: float) -> bool:
        """Record ``webhook_id`` until ``expires_at``; True if it was already recorded."""
        self._drop_expired(self._clock())
        if webhook_id in self._expiry:
            return True
        self._expiry[webhook_id] = expires_at
        heapq.heappush(self._by_expiry, (expires_at, webhook_id))
        while len(self._expiry) > self._max_entries:
            self._drop_soonest()
        return False

    def forget(self, webhook_id: str) -> None:
        """Drop ``webhook_id`` (its heap entry goes when it expires), so it is accepted again."""
        self._expiry.pop(webhook_id, None)

    def _drop_expired(self, now: float) -> None:
        # An id is kept through the instant it expires: a delivery exactly at the tolerance
        # limit is still accepted by the timestamp check, so it must still be caught here.
        while self._by_expiry and self._by_expiry[0][0] < now:
            self._drop_soonest()

    def _drop_soonest(self) -> None:
        expires_at, webhook_id = heapq.heappop(self._by_expiry)
        if self._expiry.get(webhook_id) == expires_at:  # not forgotten (or re-recorded) since
            del self._expiry[webhook_id]


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
        self._ed25519_key, self._rsa_key = _load_keys(
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
            The typed event, or an ``UnknownWebhookEvent`` for a ``type`` not modelled here.

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
            The typed event, or an ``UnknownWebhookEvent`` for a ``type`` not modelled here.

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

    async def aforget(self, event: WebhookEvent) -> bool:
        """Forget ``event``'s ``webhookId`` so its next delivery is accepted again.

        Returns:
            False when the replay store has no ``forget`` method (see :class:`ForgettingStore`).
        """
        forget = getattr(self._store, "forget", None)
        if forget is None or event.webhook_id is None:
            return False
        result = forget(event.webhook_id)
        if inspect.isawaitable(result):
            await result
        return True

    async def _seen(self, webhook_id: str, expires_at: float) -> bool:
        if self._store_is_async:
            return await cast(AsyncReplayStore, self._store).seen(webhook_id, expires_at)
        return cast(ReplayStore, self._store).seen(webhook_id, expires_at)

    def _check(self, body: bytes, headers: Mapping[str, str]) -> tuple[WebhookEvent, str, float]:
        """Every check except the replay store, which is the only one with a side effect."""
        self._check_signature(body, headers)
        payload = _decode_payload(body)
        sent_at = _timestamp_of(payload)
        age = self._clock() - sent_at
        if abs(age) > self._tolerance:
            when = f"{age:.0f}s old" if age > 0 else f"{-age:.0f}s in the future"
            raise WebhookVerificationError(
                f"stale timestamp: {when}, tolerance is {self._tolerance:g}s"
            )
        webhook_id = payload.get("webhookId")
        if not isinstance(webhook_id, str) or not webhook_id:
            raise WebhookVerificationError("missing webhookId in the body")
        return _typed_event(payload), webhook_id, sent_at + self._tolerance

    def _check_signature(self, body: bytes, headers: Mapping[str, str]) -> None:
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


def _decode_payload(body: bytes) -> dict[str, Any]:
    try:
        return decode_webhook_payload(body)
    except msgspec.DecodeError as exc:
        raise WebhookVerificationError(f"body is not a JSON object: {exc}") from exc


def _timestamp_of(payload: dict[str, Any]) -> float:
    value = payload.get("timestamp")
    if value is None:
        raise WebhookVerificationError("missing timestamp in the body")
    if not isinstance(value, str):
        raise WebhookVerificationError("timestamp is not an ISO 8601 string")
    try:
        sent = datetime.fromisoformat(value)
        return (sent if sent.tzinfo else sent.replace(tzinfo=UTC)).timestamp()
    except (ValueError, OverflowError) as exc:
        raise WebhookVerificationError("timestamp is not an ISO 8601 string") from exc


def _typed_event(payload: dict[str, Any]) -> WebhookEvent:
    try:
        return event_from_payload(payload)
    except msgspec.ValidationError as exc:
        raise WebhookVerificationError(
            f"{payload.get('type')} body does not match its schema: {exc}"
        ) from exc


def _reject_replay(replayed: bool, webhook_id: str) -> None:
    if replayed:
        raise WebhookVerificationError(f"replayed webhookId {webhook_id!r}")


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
        raise ConfigurationError(_MISSING_CRYPTOGRAPHY) from exc

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
