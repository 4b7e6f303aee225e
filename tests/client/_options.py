"""``lc.LeadConnector``'s keyword options as typed dicts, for the tests' ``_client`` helpers."""

from __future__ import annotations

from typing import TypedDict

import aiohttp

import leadconnector_async as lc
from leadconnector_async._observe import AttemptHook, CallHook


class ClientOptions(TypedDict, total=False):
    """The options but the token, the location, the base URL and the rate limit."""

    max_retries: int
    timeout: float | lc.Timeouts
    retry: lc.RetryPolicy | None
    session: aiohttp.ClientSession | None
    connection_limit: int
    keepalive_timeout: float
    limiter: lc.Limiter | None
    max_response_bytes: int
    api_version: str
    on_attempt: AttemptHook | None
    on_call: CallHook | None
    trust_env: bool


class RateLimitOptions(ClientOptions, total=False):
    """The same and the rate limit."""

    rate_limit: lc.RateLimit | None
