"""Decoding a webhook body: the JSON object and its ``timestamp``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ._text_repair import NOT_DECODED
from .errors import WebhookVerificationError
from .models.webhooks import decode_webhook_payload

__all__ = ["decode_payload", "timestamp_of"]


def decode_payload(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a ``WebhookVerificationError``."""
    try:
        return decode_webhook_payload(body)
    except NOT_DECODED as exc:
        raise WebhookVerificationError(f"body is not a JSON object: {exc}") from exc


def timestamp_of(payload: dict[str, Any]) -> float:
    """The payload's ISO 8601 ``timestamp`` as Unix time (UTC when it names no zone)."""
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
